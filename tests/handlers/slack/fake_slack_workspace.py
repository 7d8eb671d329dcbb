"""The fake Slack's workspace: its members, channels, messages and files, as the API shows them."""

from __future__ import annotations

import base64
import datetime as dt
import itertools
import threading
import time
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

Payload = dict[str, Any]
TEAM_ID, BOT_USER, BOT_ID, APP_ID = "T1", "UBOT", "BBOT", "A1"
MESSAGE_KEYS = frozenset({"text", "blocks", "attachments", "thread_ts", "metadata"})
NO_MORE = {"response_metadata": {"next_cursor": ""}}
USERS_LIST_MAX = 1000


class FakeWorkspace:
    """What the fake Slack holds, and the Web API methods that read and change it.

    FakeSlack (fake_slack.py) sets this state up in its `__init__` and routes calls here.
    """

    url: str
    enterprise_id: str | None
    _lock: threading.Lock
    _ids: itertools.count[int]
    _ts: itertools.count[int]
    _users: dict[str, Payload]
    _files: dict[str, tuple[Payload, bytes]]
    _history: dict[str, list[Payload]]
    _channels: dict[str, Payload]

    def add_user(
        self,
        user_id: str,
        email: str,
        name: str | None = None,
        tz: str = "America/New_York",
        is_bot: bool = False,
        deleted: bool = False,
        *,
        team_id: str = TEAM_ID,
        enterprise_id: str | None = None,
        guest: str | None = None,
        stranger: bool = False,
        admin: bool = False,
        owner: str | None = None,
        has_2fa: bool | None = None,
    ) -> Payload:
        """Register a member for users.info, users.lookupByEmail and users.list.

        `team_id` other than TEAM_ID is a Slack Connect (external) person, or on Grid
        (`enterprise_id`, by default the fake's for home users) a colleague; `guest` is
        "multi" (is_restricted) or "single" (is_ultra_restricted, too), as Slack flags them;
        `stranger` is someone Slack only half-describes (is_stranger); `owner` is "owner" or
        "primary" (is_owner, is_primary_owner); `has_2fa` is shown only when given, as Slack
        shows it only to some plans.
        """
        real_name = name or email.partition("@")[0] or user_id
        profile: Payload = {"real_name": real_name, "display_name": real_name}
        if email:  # Slack leaves it out when there is none (bots) or without users:read.email
            profile["email"] = email
        offset = int((ZoneInfo(tz).utcoffset(dt.datetime.now()) or dt.timedelta()).total_seconds())
        profile["team"] = team_id
        who = {"id": user_id, "team_id": team_id, "name": real_name.lower().replace(" ", ".")}
        flags = {"deleted": deleted, "is_bot": is_bot, "tz": tz, "tz_offset": offset}
        roles = {"is_restricted": guest is not None, "is_ultra_restricted": guest == "single"}
        roles |= {"is_admin": admin or owner is not None, "is_owner": owner is not None}
        roles |= {"is_primary_owner": owner == "primary"}
        if has_2fa is not None:
            roles["has_2fa"] = has_2fa
        user = {**who, "real_name": real_name, **flags, **roles, "profile": profile}
        if stranger:
            user["is_stranger"] = True
        org = enterprise_id or (self.enterprise_id if team_id == TEAM_ID else None)
        if org:  # Grid members carry their organisation
            user["enterprise_user"] = {"id": user_id, "enterprise_id": org, "teams": [team_id]}
        self._users[user_id] = user
        return user

    def _users_page(self, args: Payload) -> Payload:
        """users.list as Slack pages it: `limit` members after the opaque `cursor`."""
        users = list(self._users.values())
        start = (
            int(base64.b64decode(args["cursor"]).decode().partition(":")[2])
            if args.get("cursor")
            else 0
        )
        # Slack caps a page at 1,000 members, and hides emails without users:read.email.
        end = start + min(int(args.get("limit") or 0) or len(users), USERS_LIST_MAX)
        more = base64.b64encode(f"offset:{end}".encode()).decode() if end < len(users) else ""
        members = users[start:end]
        if "users:read.email" not in getattr(self, "scopes", ()):
            members = [_without_email(u) for u in members]
        return ok(members=members, response_metadata={"next_cursor": more})

    def _user(self, key: str, value: Any, error: str) -> Payload:
        users = list(self._users.values())
        match = [u for u in users if value and value in (u.get(key), u["profile"].get(key))]
        return ok(user=match[0]) if match else {"ok": False, "error": error}

    def add_file(
        self,
        content: bytes,
        *,
        name: str = "evidence.pdf",
        mimetype: str = "application/pdf",
        file_id: str | None = None,
        user: str = "U1",
    ) -> Payload:
        """Register a file as Slack describes it; its URLs serve `content` to the bot token."""
        file_id = file_id or self.new_id("F")
        base, quoted = f"{self.url}/files-pri/{TEAM_ID}-{file_id}", quote(name, safe="")
        filetype = name.rpartition(".")[2].lower() if "." in name else "binary"
        what = {"id": file_id, "name": name, "title": name, "mimetype": mimetype, "mode": "hosted"}
        what.update(is_external=False, external_type="")
        about = {"filetype": filetype, "size": len(content), "user": user, "user_team": TEAM_ID}
        private, download = f"{base}/{quoted}", f"{base}/download/{quoted}"
        file = {**what, **about, "url_private": private, "url_private_download": download}
        self._files[file_id] = (file, content)
        return file

    def add_remote_file(self, name: str, url: str, *, service: str = "gdrive") -> Payload:
        """A file kept on another service (Google Drive…): Slack only holds a link to it."""
        file_id = self.new_id("F")
        what = {"id": file_id, "name": name, "title": name, "mimetype": "application/pdf"}
        about = {"mode": "external", "is_external": True, "external_type": service}
        file = {**what, **about, "url_private": url, "external_url": url, "user_team": TEAM_ID}
        self._files[file_id] = (file, b"")
        return file

    def file(self, file_id: Any) -> tuple[Payload, bytes] | None:
        return self._files.get(str(file_id))

    def new_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):08d}"

    def new_ts(self) -> str:
        return f"{1700000000 + next(self._ts)}.000100"

    def add_channel(
        self, name: str, *, private: bool = False, member: bool = True, channel_id: str = ""
    ) -> str:
        """A channel (private ones get `C…` ids too, as on Slack today); its id."""
        channel_id = channel_id or self.new_id("C")
        about = {"is_channel": True, "is_private": private, "is_member": member}
        self._channels[channel_id] = {"id": channel_id, "name": name, **about, "is_archived": False}
        return channel_id

    def rename_channel(self, channel_id: str, name: str) -> None:
        """Someone renamed it in Slack: the name changes, the id stays."""
        self._channels[channel_id] = {**self._channels[channel_id], "name": name}

    def _dm(self, to: Any) -> str:
        """The DM with a user (the first of a comma list), as Slack answers; channels as given."""
        to = str(to).split(",")[0]
        return f"D{to}" if to[:1] in ("U", "W") else to

    def _conversation(self, to: Any) -> Payload | str:
        """chat.postMessage's target: a DM, a channel id, or a `#name` Slack looks up now.

        Unregistered ids are taken as channels the bot is in; an unknown name is an error.
        """
        to = self._dm(to)
        if to[:1] in ("C", "G", "D") and to[1:].isalnum() and to.upper() == to:
            channel = self._channels.get(to)
        else:
            named = [c for c in self._channels.values() if c["name"] == to.lstrip("#")]
            if not named:
                return {"ok": False, "error": "channel_not_found"}
            channel = named[0]
        if channel is not None and not channel["is_member"]:
            return {"ok": False, "error": "not_in_channel"}
        return str(channel["id"]) if channel is not None else to

    def _channels_page(self, args: Payload) -> Payload:
        """conversations.list: public channels, and private ones only if the bot is in them."""
        kinds = str(args.get("types") or "public_channel").split(",")
        shown = [
            c
            for c in self._channels.values()
            if ("private_channel" if c["is_private"] else "public_channel") in kinds
            and (c["is_member"] or not c["is_private"])
        ]
        start = int(args.get("cursor") or 0)
        end = start + (int(args.get("limit") or 0) or 100)
        more = str(end) if end < len(shown) else ""
        return ok(channels=shown[start:end], response_metadata={"next_cursor": more})

    def _message(self, args: Payload, channel: Any, ts: str) -> Payload:
        given = {k: v for k, v in args.items() if k in MESSAGE_KEYS}
        message = {"type": "message", "user": BOT_USER, "bot_id": BOT_ID, "ts": ts, **given}
        return ok(channel=channel, ts=ts, message=message)

    def _post(self, args: Payload) -> Payload:
        """chat.postMessage: the message lands in the channel's history (a DM for a user id)."""
        channel = self._conversation(args.get("channel"))
        if isinstance(channel, dict):  # refused
            return channel
        answer = self._message(args, channel, self.new_ts())
        with self._lock:  # the fake's ts are counters: history filters on the real time of posting
            self._history.setdefault(channel, []).append({**answer["message"], "_at": time.time()})
        return answer

    def _conversation_history(self, args: Payload) -> Payload:
        """Newest first, from `oldest` on; metadata only with include_all_metadata, as Slack."""
        oldest = float(args.get("oldest") or 0)
        with_metadata = str(args.get("include_all_metadata")).lower() in ("1", "true")
        known = self._channels.get(str(args.get("channel")))
        if known is not None and not known["is_member"]:
            return {"ok": False, "error": "not_in_channel"}
        with self._lock:
            posted = list(self._history.get(str(args.get("channel")), []))
        hidden = {"_at"} if with_metadata else {"_at", "metadata"}
        found = [
            {k: v for k, v in m.items() if k not in hidden}
            for m in reversed(posted)
            if m["_at"] >= oldest
        ]
        return ok(messages=found[: int(args.get("limit") or 100)], has_more=False, **NO_MORE)

    def _permalink(self, args: Payload) -> Payload:
        ts = str(args.get("message_ts", "")).replace(".", "")
        link = f"https://acme.slack.com/archives/{args.get('channel')}/p{ts}"
        return ok(channel=args.get("channel"), permalink=link)

    def _view(self, args: Payload) -> Payload:
        view_id = str(args.get("view_id") or self.new_id("V"))
        ids = {"id": view_id, "team_id": TEAM_ID, "app_id": APP_ID, "bot_id": BOT_ID}
        state = {"state": {"values": {}}, "hash": f"{int(time.time())}.{view_id}"}
        return ok(view={**(args.get("view") or {}), **ids, **state, "root_view_id": view_id})

    def _files_info(self, args: Payload) -> Payload:
        found = self.file(args.get("file"))
        return ok(file=found[0], **NO_MORE) if found else {"ok": False, "error": "file_not_found"}

    def _upload_url(self, args: Payload) -> Payload:
        file_id, name = self.new_id("F"), quote(str(args.get("filename") or "file"))
        return ok(upload_url=f"{self.url}/upload/v1/{file_id}/{name}", file_id=file_id)

    def _complete_upload(self, args: Payload) -> Payload:
        found = [(self.file(item.get("id")), item.get("title")) for item in args.get("files") or []]
        if not found or any(file is None for file, _ in found):  # no bytes posted to its URL
            return {"ok": False, "error": "file_not_found"}
        files = [{**f[0], "title": title or f[0]["title"]} for f, title in found if f]
        if args.get("channel_id"):  # shared: a file message lands in the channel, as on Slack
            channel = self._conversation(args.get("channel_id"))
            if isinstance(channel, dict):  # refused
                return channel
            shared = {"type": "message", "user": BOT_USER, "upload": True, "files": files}
            with self._lock:
                ts = self.new_ts()
                self._history.setdefault(channel, []).append(
                    {**shared, "ts": ts, "_at": time.time()}
                )
        return ok(files=files)


def ok(**fields: Any) -> Payload:
    return {"ok": True, **fields}


def _without_email(user: Payload) -> Payload:
    profile = {k: v for k, v in user["profile"].items() if k != "email"}
    return {**user, "profile": profile}
