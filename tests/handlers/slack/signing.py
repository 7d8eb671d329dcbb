"""Requests as Slack sends them to the app: bodies of each kind, signed with the real algorithm."""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier

# The deprecated verification token Slack still puts in every payload; Bolt ignores it.
VERIFICATION_TOKEN = "legacy-verification-token"
APP_ID = "A1"
TEAM = {"id": "T1", "domain": "acme"}  # the fake's home workspace (fake_slack.TEAM_ID)
RESPONSE_URL = "https://hooks.slack.com/commands/T1/1337/abcdef"


def signed_headers(
    body: bytes | str, secret: str, *, timestamp: int | None = None, content_type: str
) -> dict[str, str]:
    """The headers Slack adds: the request timestamp and the v0 HMAC-SHA256 signature."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
    assert signature is not None
    return {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": signature,
    }


def slash_command_body(
    text: str,
    *,
    user_id: str = "U1",
    user_name: str = "raj",
    channel_id: str = "C1",
    team_id: str = "T1",
    command: str = "/soc2",
    trigger_id: str = "1337.42",
    response_url: str | None = None,
    enterprise_id: str | None = None,
) -> str:
    """A slash command's form body, fields in the order Slack sends them (Grid adds enterprise)."""
    grid = {"enterprise_id": enterprise_id, "enterprise_name": "Acme"} if enterprise_id else {}
    fields = {
        "token": VERIFICATION_TOKEN,
        "team_id": team_id,
        "team_domain": TEAM["domain"],
        **grid,
        "channel_id": channel_id,
        "channel_name": "directmessage" if channel_id.startswith("D") else "general",
        "user_id": user_id,
        "user_name": user_name,
        "command": command,
        "text": text,
        "api_app_id": APP_ID,
        "is_enterprise_install": "false",
        "response_url": response_url or RESPONSE_URL,
        "trigger_id": trigger_id,
    }
    return urlencode(fields)


def interaction_body(payload: dict[str, Any]) -> str:
    """An interaction's form body: the payload as JSON in one `payload` field."""
    return urlencode({"payload": json.dumps(payload)})


def _user(user_id: str, team_id: str) -> dict[str, str]:
    return {"id": user_id, "username": user_id.lower(), "name": user_id.lower(), "team_id": team_id}


def _enterprise(enterprise_id: str | None) -> dict[str, str] | None:
    return {"id": enterprise_id, "name": "Acme Group"} if enterprise_id else None


def _block_id(blocks: list[dict[str, Any]] | None, action_id: str) -> str:
    """The id of the block holding the action, as Slack reports it (it makes one up if unset)."""
    for block in blocks or []:
        elements = block.get("elements") or [block.get("accessory") or {}]
        if any(e.get("action_id") == action_id for e in elements):
            return str(block.get("block_id") or "b1")
    return "b1"


def block_action_payload(
    *,
    action_id: str,
    value: str,
    user_id: str = "U1",
    channel_id: str = "C1",
    message_ts: str = "1700000000.000100",
    trigger_id: str = "1337.42",
    blocks: list[dict[str, Any]] | None = None,
    response_url: str | None = None,
    team_id: str = TEAM["id"],
    enterprise_id: str | None = None,
) -> dict[str, Any]:
    """A button click on a message, as a `block_actions` payload.

    `response_url` is only set when given, so a harness can fill in its fake's with setdefault.
    """
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": _user(user_id, team_id),
        "api_app_id": APP_ID,
        "token": VERIFICATION_TOKEN,
        "container": {
            "type": "message",
            "message_ts": message_ts,
            "channel_id": channel_id,
            "is_ephemeral": False,
        },
        "trigger_id": trigger_id,
        "team": {**TEAM, "id": team_id},
        "enterprise": _enterprise(enterprise_id),
        "is_enterprise_install": False,
        "channel": {"id": channel_id, "name": "general"},
        "message": {
            "type": "message",
            "user": "UBOT",
            "bot_id": "BBOT",
            "text": "",
            "ts": message_ts,
            "blocks": blocks or [],
        },
        "state": {"values": {}},
        "actions": [
            {
                "action_id": action_id,
                "block_id": _block_id(blocks, action_id),
                "text": {"type": "plain_text", "text": "Button", "emoji": True},
                "value": value,
                "type": "button",
                "action_ts": f"{time.time():.6f}",
            }
        ],
    }
    if response_url is not None:
        payload["response_url"] = response_url
    return payload


def view_submission_payload(
    *,
    callback_id: str,
    values: dict[str, Any],
    private_metadata: str = "",
    user_id: str = "U1",
    team_id: str = TEAM["id"],
    enterprise_id: str | None = None,
) -> dict[str, Any]:
    """A modal's submission, as a `view_submission` payload; `values` is `view.state.values`."""
    return {
        "type": "view_submission",
        "team": {**TEAM, "id": team_id},
        "user": _user(user_id, team_id),
        "api_app_id": APP_ID,
        "token": VERIFICATION_TOKEN,
        "trigger_id": "1337.43",
        "view": {
            "id": "V1",
            "team_id": "T1",
            "type": "modal",
            "blocks": [],
            "private_metadata": private_metadata,
            "callback_id": callback_id,
            "state": {"values": values},
            "hash": "1700000000.abcdef",
            "title": {"type": "plain_text", "text": "SOC 2", "emoji": True},
            "clear_on_close": False,
            "notify_on_close": False,
            "close": None,
            "submit": {"type": "plain_text", "text": "Submit", "emoji": True},
            "previous_view_id": None,
            "root_view_id": "V1",
            "app_id": APP_ID,
            "external_id": "",
            "app_installed_team_id": "T1",
            "bot_id": "BBOT",
        },
        "response_urls": [],
        "is_enterprise_install": False,
        "enterprise": _enterprise(enterprise_id),
    }


def event_body(
    event: dict[str, Any],
    *,
    event_id: str = "Ev1",
    team_id: str = "T1",
    enterprise_id: str | None = None,
    user_team: str | None = None,
) -> str:
    """An Events API `event_callback` envelope around `event`, as JSON.

    Messages and mentions name their author's team (`user_team`: the home team unless given).
    """
    now = int(time.time())
    event = {"event_ts": event.get("ts") or f"{now}.000100", **event}
    if event.get("type") in ("message", "app_mention") and isinstance(event.get("user"), str):
        event = {"team": user_team or team_id, **event}
    grid = {"enterprise_id": enterprise_id} if enterprise_id else {}
    envelope = {
        "token": VERIFICATION_TOKEN,
        "team_id": team_id,
        **grid,
        "api_app_id": APP_ID,
        "event": event,
        "type": "event_callback",
        "event_id": event_id,
        "event_time": now,
        "authorizations": [
            {
                "enterprise_id": enterprise_id,
                "team_id": team_id,
                "user_id": "UBOT",
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": f"4-{event_id}",
    }
    return json.dumps(envelope)
