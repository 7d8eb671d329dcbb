"""Builders for incoming Teams activities, as the JSON dicts Teams posts to the bot."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any
from zoneinfo import ZoneInfo

Payload = dict[str, Any]
_ids = itertools.count(1)


def new_activity_id() -> str:
    """An activity id shaped like Teams' (milliseconds since the epoch, unique per process)."""
    return str(1710000000000 + next(_ids))


def _timestamps(local_timezone: str) -> Payload:
    now = dt.datetime.now(dt.UTC)
    local = now.astimezone(ZoneInfo(local_timezone))
    return {
        "timestamp": now.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "localTimestamp": local.isoformat(timespec="milliseconds"),
        "localTimezone": local_timezone,
    }


def _envelope(
    kind: str,
    *,
    service_url: str,
    user_id: str,
    aad_object_id: str,
    name: str,
    conversation_id: str,
    conversation_type: str,
    tenant_id: str,
    local_timezone: str,
    bot_id: str,
    bot_name: str,
    channel_id: str | None,
    team_id: str | None,
    activity_id: str | None,
) -> Payload:
    """The fields every activity carries: who, where, when, and Teams' channelData."""
    conversation: Payload = {
        "id": conversation_id,
        "conversationType": conversation_type,
        "tenantId": tenant_id,
    }
    channel_data: Payload = {"tenant": {"id": tenant_id}}
    if conversation_type in ("channel", "groupChat"):
        conversation["isGroup"] = True
    if conversation_type == "channel":
        # A channel thread's id is the channel's plus ";messageid=…"; the General channel's id
        # is the team's.
        channel = channel_id or conversation_id.split(";")[0]
        team = team_id or channel
        channel_data.update(
            teamsChannelId=channel,
            teamsTeamId=team,
            channel={"id": channel},
            team={"id": team},
        )
    return {
        "type": kind,
        "id": activity_id or new_activity_id(),
        **_timestamps(local_timezone),
        "serviceUrl": service_url,
        "channelId": "msteams",
        "from": {"id": user_id, "name": name, "aadObjectId": aad_object_id},
        "conversation": conversation,
        "recipient": {"id": bot_id, "name": bot_name},
        "channelData": channel_data,
        "locale": "en-US",
    }


def message_activity(
    text: str,
    *,
    service_url: str,
    user_id: str = "29:1raj",
    aad_object_id: str = "aad-raj",
    name: str = "Raj Iyer",
    conversation_id: str = "a:1raj-personal",
    conversation_type: str = "personal",
    tenant_id: str = "tenant-1",
    attachments: list[Payload] | None = None,
    value: Payload | None = None,
    local_timezone: str = "Europe/Berlin",
    mention_bot: bool = False,
    bot_id: str = "28:bot-app-id",
    bot_name: str = "soc2bot",
    channel_id: str | None = None,
    team_id: str | None = None,
    activity_id: str | None = None,
) -> Payload:
    """A message from a person; with mention_bot, "<at>bot</at> " leads the text as in channels."""
    activity = _envelope(
        "message",
        service_url=service_url,
        user_id=user_id,
        aad_object_id=aad_object_id,
        name=name,
        conversation_id=conversation_id,
        conversation_type=conversation_type,
        tenant_id=tenant_id,
        local_timezone=local_timezone,
        bot_id=bot_id,
        bot_name=bot_name,
        channel_id=channel_id,
        team_id=team_id,
        activity_id=activity_id,
    )
    client_info = {
        "type": "clientInfo",
        "locale": "en-US",
        "country": "US",
        "platform": "Web",
        "timezone": local_timezone,
    }
    entities: list[Payload] = [client_info]
    if mention_bot:
        at = f"<at>{bot_name}</at>"
        entities.insert(
            0, {"type": "mention", "mentioned": {"id": bot_id, "name": bot_name}, "text": at}
        )
        text = f"{at} {text}"
    activity.update(textFormat="plain", entities=entities)
    if text:
        activity["text"] = text
    if attachments:
        activity["attachments"] = attachments
    if value is not None:
        activity["value"] = value
    return activity


def card_submit_activity(
    data: Payload, *, reply_to_id: str = "1700000000001", **kwargs: Any
) -> Payload:
    """What Action.Submit sends: a message with no text, `value` = data, replying to the card."""
    activity = message_activity("", value=data, **kwargs)
    activity["replyToId"] = reply_to_id
    activity["channelData"]["source"] = {"name": "message"}
    activity["channelData"]["legacy"] = {"replyToId": reply_to_id}
    return activity


def conversation_update_activity(
    *,
    service_url: str,
    members_added: list[str | Payload] | None = None,
    members_removed: list[str | Payload] | None = None,
    event_type: str | None = None,
    team_name: str = "Security",
    **kwargs: Any,
) -> Payload:
    """Members added or removed; by default the bot itself was added (the app was installed).

    `from` is the person who made the change; members are ids or `{"id", "aadObjectId"}` dicts.
    Accepts the identity and place keywords of `message_activity`.
    """
    bot_id = kwargs.get("bot_id", "28:bot-app-id")
    if members_added is None and members_removed is None:
        members_added = [bot_id]
    base = message_activity("", service_url=service_url, **kwargs)
    activity = {k: v for k, v in base.items() if k not in ("text", "textFormat", "entities")}
    activity["type"] = "conversationUpdate"
    for key, members in (("membersAdded", members_added), ("membersRemoved", members_removed)):
        if members:
            activity[key] = [{"id": m} if isinstance(m, str) else dict(m) for m in members]
    default_event = "teamMemberAdded" if members_added else "teamMemberRemoved"
    if "team" in activity["channelData"]:
        activity["channelData"]["team"]["name"] = team_name
        activity["channelData"]["eventType"] = event_type or default_event
    elif event_type:
        activity["channelData"]["eventType"] = event_type
    return activity


def installation_update_activity(
    *, service_url: str, action: str = "add", **kwargs: Any
) -> Payload:
    """The app was installed ("add") or removed ("remove") for a person, chat or team."""
    base = message_activity("", service_url=service_url, **kwargs)
    activity = {k: v for k, v in base.items() if k not in ("text", "textFormat", "entities")}
    activity.update(type="installationUpdate", action=action)
    return activity


def invoke_activity(
    data: Payload, *, name: str = "adaptiveCard/action", verb: str = "press", **kwargs: Any
) -> Payload:
    """What Action.Execute sends: an invoke whose answer is the HTTP response's body."""
    base = message_activity("", **kwargs)
    activity = {k: v for k, v in base.items() if k not in ("text", "textFormat", "entities")}
    action = {"type": "Action.Execute", "verb": verb, "data": data}
    activity.update(type="invoke", name=name, value={"action": action, "trigger": "manual"})
    activity["replyToId"] = "1700000000001"
    return activity
