"""A local fake of the Slack Web API for tests: records calls, answers like Slack, serves files."""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import itertools
import json
import mimetypes
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlsplit
from zoneinfo import ZoneInfo

from handlers.slack.manifest import BOT_SCOPES
from tests.handlers.slack.slack_rules import refusal

Payload = dict[str, Any]
Responder = Payload | Callable[["Call"], Payload]
TEAM_ID, BOT_USER, BOT_ID, APP_ID = "T1", "UBOT", "BBOT", "A1"
# slack_sdk form-encodes these as JSON strings; tests want the structures back.
JSON_ARGS = frozenset({"attachments", "blocks", "files", "metadata", "profile", "view"})
MESSAGE_KEYS = frozenset({"text", "blocks", "attachments", "thread_ts", "metadata"})
FILE_PATH = re.compile(r"^/files-pri/[^/]+?-(F[^/]+)/(?:download/)?[^/]+$")
UPLOAD_PATH = re.compile(r"^/upload/v1/(F[^/]+)/([^/]+)$")
CHUNK = 64 * 1024
LOGIN_PAGE = b"<!DOCTYPE html><html><head><title>Sign in | Slack</title></head><body></body></html>"
NO_MORE = {"response_metadata": {"next_cursor": ""}}


@dataclass(frozen=True)
class Call:
    """One request the app made: API method name, merged args, headers (lower-case names)."""

    method: str
    args: dict[str, Any]
    headers: dict[str, str]


class FakeSlack(contextlib.AbstractContextManager["FakeSlack"]):
    """A Slack Web API on 127.0.0.1 in a daemon thread; point a client's `base_url` at it."""

    def __init__(self, token: str = "xoxb-test-token", *, enterprise_id: str | None = None) -> None:
        self.token, self.app_token = token, "xapp-test-token"
        # The bot token's workspace is TEAM_ID; on Enterprise Grid, also an organisation.
        self.enterprise_id = enterprise_id
        self.files_forbidden = False  # True: downloads get the sign-in page, as without files:read
        self.latency = 0.0  # seconds before each Web API call (and response_url post) answers
        self.scopes = frozenset(BOT_SCOPES)  # what the app's manifest grants, as Slack enforces
        self.calls: list[Call] = []
        self.downloads: list[str] = []
        self.redirects: dict[str, str] = {}  # file id → where its download is sent on (a 302)
        self._users: dict[str, Payload] = {}
        self._files: dict[str, tuple[Payload, bytes]] = {}
        self._overrides: dict[str, Responder] = {}
        self._failures: dict[str, tuple[int, int, int]] = {}
        self._lock = threading.Lock()  # for lists and counters; single dict reads/writes are atomic
        self._ids, self._ts = itertools.count(1), itertools.count(0)
        self._history: dict[str, list[Payload]] = {}  # posted messages per channel, oldest first
        self._channels: dict[str, Payload] = {}  # id → channel, as conversations.list shows it
        handler = type("FakeSlackHandler", (_Handler,), {"fake": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self.base_url = f"{self.url}/api/"
        # A short poll interval: stop() waits for it, and every scenario test stops a fake.
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.02,))
        self._thread.daemon = True
        self._thread.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        """Shut the server down and close its socket; safe to call twice."""
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join()
        self._server.server_close()

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def last(self, method: str) -> Call:
        calls, called = self.calls_to(method), sorted({c.method for c in self.calls})
        assert calls, f"{method} was never called (called: {called})"
        return calls[-1]

    def clear(self) -> None:
        """Forget recorded calls and downloads; users, files and overrides stay."""
        with self._lock:
            self.calls.clear()
            self.downloads.clear()

    def respond(self, method: str, payload: Responder) -> None:
        """Answer `method` with this payload, or with what the callable returns for the Call."""
        with self._lock:
            self._overrides[method] = payload

    def fail_next(
        self, method: str, *, status: int = 429, retry_after: int = 1, times: int = 1
    ) -> None:
        """Answer the next `times` calls of `method` with HTTP `status` (429, 500 or 503)."""
        with self._lock:
            self._failures[method] = (status, retry_after, times)

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
    ) -> Payload:
        """Register a member for users.info, users.lookupByEmail and users.list.

        `team_id` other than TEAM_ID is a Slack Connect (external) person, or on Grid
        (`enterprise_id`, by default the fake's for home users) a colleague; `guest` is
        "multi" (is_restricted) or "single" (is_ultra_restricted, too), as Slack flags them;
        `stranger` is someone Slack only half-describes (is_stranger).
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
        end = start + (int(args.get("limit") or 0) or len(users))
        more = base64.b64encode(f"offset:{end}".encode()).decode() if end < len(users) else ""
        return _ok(members=users[start:end], response_metadata={"next_cursor": more})

    def _user(self, key: str, value: Any, error: str) -> Payload:
        users = list(self._users.values())
        match = [u for u in users if value and value in (u.get(key), u["profile"].get(key))]
        return _ok(user=match[0]) if match else {"ok": False, "error": error}

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

    def authorized(self, headers: dict[str, str]) -> bool:
        return headers.get("authorization") == f"Bearer {self.token}"

    def answer(self, call: Call) -> tuple[int, Payload, dict[str, str]]:
        """Record the call and pick Slack's answer: status, JSON body, extra headers."""
        with self._lock:
            self.calls.append(call)
        # A response_url is a pre-signed webhook: Slack takes posts to it without a token.
        token = self.app_token if call.method == "apps.connections.open" else self.token
        if call.method != "response_url" and call.headers.get("authorization") != f"Bearer {token}":
            error = "invalid_auth" if "authorization" in call.headers else "not_authed"
            return 200, {"ok": False, "error": error}, {}
        private = [i for i, c in self._channels.items() if c["is_private"]]
        refused = refusal(call.method, call.args, self.scopes, private)
        if refused is not None:  # as Slack: a missing scope, or a name where an id is needed
            return 200, refused, {}
        with self._lock:
            status, retry_after, times = self._failures.pop(call.method, (200, 0, 0))
            if times > 1:
                self._failures[call.method] = (status, retry_after, times - 1)
            override = self._overrides.get(call.method)
        if status != 200:  # a 429 (Slack's rate limit) or a 5xx (Slack's own trouble)
            error = "ratelimited" if status == 429 else "internal_error"
            return status, {"ok": False, "error": error}, {"Retry-After": str(retry_after)}
        if override is not None:
            return 200, override(call) if callable(override) else dict(override), {}
        default = ANSWERS.get(call.method)
        return 200, default(self, call.args) if default else _ok(), {}

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
        return _ok(channels=shown[start:end], response_metadata={"next_cursor": more})

    def _message(self, args: Payload, channel: Any, ts: str) -> Payload:
        given = {k: v for k, v in args.items() if k in MESSAGE_KEYS}
        message = {"type": "message", "user": BOT_USER, "bot_id": BOT_ID, "ts": ts, **given}
        return _ok(channel=channel, ts=ts, message=message)

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
        return _ok(messages=found[: int(args.get("limit") or 100)], has_more=False, **NO_MORE)

    def _permalink(self, args: Payload) -> Payload:
        ts = str(args.get("message_ts", "")).replace(".", "")
        link = f"https://acme.slack.com/archives/{args.get('channel')}/p{ts}"
        return _ok(channel=args.get("channel"), permalink=link)

    def _view(self, args: Payload) -> Payload:
        view_id = str(args.get("view_id") or self.new_id("V"))
        ids = {"id": view_id, "team_id": TEAM_ID, "app_id": APP_ID, "bot_id": BOT_ID}
        state = {"state": {"values": {}}, "hash": f"{int(time.time())}.{view_id}"}
        return _ok(view={**(args.get("view") or {}), **ids, **state, "root_view_id": view_id})

    def _files_info(self, args: Payload) -> Payload:
        found = self.file(args.get("file"))
        return _ok(file=found[0], **NO_MORE) if found else {"ok": False, "error": "file_not_found"}

    def _upload_url(self, args: Payload) -> Payload:
        file_id, name = self.new_id("F"), quote(str(args.get("filename") or "file"))
        return _ok(upload_url=f"{self.url}/upload/v1/{file_id}/{name}", file_id=file_id)

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
        return _ok(files=files)


def _ok(**fields: Any) -> Payload:
    return {"ok": True, **fields}


AUTH = {"url": "https://acme.slack.com/", "team": "Acme", "user": "soc2bot", "team_id": TEAM_ID}
# What Slack answers by default, per method; any other method gets {"ok": true}.
ANSWERS: dict[str, Callable[[FakeSlack, Payload], Payload]] = {
    "auth.test": lambda f, a: _ok(
        **AUTH,
        user_id=BOT_USER,
        bot_id=BOT_ID,
        **({"enterprise_id": f.enterprise_id} if f.enterprise_id else {}),
    ),
    "chat.postMessage": FakeSlack._post,
    "conversations.history": FakeSlack._conversation_history,
    "conversations.list": FakeSlack._channels_page,
    "chat.update": lambda f, a: f._message(a, a.get("channel"), str(a.get("ts"))),
    "chat.postEphemeral": lambda f, a: _ok(message_ts=f.new_ts()),
    "chat.getPermalink": FakeSlack._permalink,
    **dict.fromkeys(["views.open", "views.update", "views.publish"], FakeSlack._view),
    "conversations.open": lambda f, a: _ok(channel={"id": f._dm(a.get("users"))}),
    "users.info": lambda f, a: f._user("id", a.get("user"), "user_not_found"),
    "users.lookupByEmail": lambda f, a: f._user("email", a.get("email"), "users_not_found"),
    "users.list": FakeSlack._users_page,
    "files.info": FakeSlack._files_info,
    "files.getUploadURLExternal": FakeSlack._upload_url,
    "files.completeUploadExternal": FakeSlack._complete_upload,
}


def _maybe_json(key: str, value: Any) -> Any:
    if key in JSON_ARGS and isinstance(value, str) and value[:1] in ("[", "{"):
        with contextlib.suppress(ValueError):
            return json.loads(value)
    return value


def parse_args(query: str, body: bytes, content_type: str) -> Payload:
    """Merge the query string with a form or JSON body, as Slack reads arguments."""
    args: Payload = dict(parse_qsl(query, keep_blank_values=True))
    if content_type.startswith("application/json") and body:
        args.update(json.loads(body))
    elif content_type.startswith("application/x-www-form-urlencoded"):
        args.update(parse_qsl(body.decode(), keep_blank_values=True))
    return {k: _maybe_json(k, v) for k, v in args.items()}


class _Handler(BaseHTTPRequestHandler):
    fake: FakeSlack  # set on a subclass per fake

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output quiet."""

    def _route(self) -> None:
        url = urlsplit(self.path)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        headers = {k.lower(): v for k, v in self.headers.items()}
        may_download = self.fake.authorized(headers) and not self.fake.files_forbidden
        if url.path.startswith("/api/"):
            args = parse_args(url.query, body, headers.get("content-type", ""))
            if self.fake.latency:  # a slow Slack: each call takes this long to act on and answer
                time.sleep(self.fake.latency)
            status, payload, extra = self.fake.answer(Call(url.path[5:], args, headers))
            self._send(status, json.dumps(payload).encode(), "application/json", extra)
        elif (match := FILE_PATH.match(url.path)) and not may_download:
            # What Slack does without a valid token or files:read: 200 and its sign-in page.
            self._send(200, LOGIN_PAGE, "text/html; charset=utf-8", {})
        elif match and (moved := self.fake.redirects.get(match.group(1))):
            self._send(302, b"", "text/plain", {"Location": moved})
        elif match and (found := self.fake.file(match.group(1))):
            with self.fake._lock:  # before sending, so a client holding the bytes sees it
                self.fake.downloads.append(match.group(1))
            self._send(200, found[1], str(found[0]["mimetype"]), {})
        elif (match := UPLOAD_PATH.match(url.path)) and self.command == "POST":
            # Slack's upload URLs are pre-signed: no token, the raw bytes as the body.
            file_id, name = match.group(1), unquote(match.group(2))
            kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
            self.fake.add_file(body, name=name, mimetype=kind, file_id=file_id, user=BOT_USER)
            self._send(200, f"OK - {len(body)}".encode(), "text/plain", {})
        else:
            self._send(404, b"Not Found", "text/plain", {})

    do_GET = do_POST = _route

    def _send(self, status: int, body: bytes, kind: str, extra: dict[str, str]) -> None:
        self.send_response(status)
        extra = {"Content-Type": kind, "Content-Length": str(len(body)), **extra}
        for name, value in extra.items():
            self.send_header(name, value)
        self.end_headers()
        # In chunks, as a large file is streamed; a client may hang up at its size limit.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            for start in range(0, len(body), CHUNK):
                self.wfile.write(body[start : start + CHUNK])
