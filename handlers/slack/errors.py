"""The one place Slack errors become messages: friendly text, or a reference for the log."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.response import BoltResponse
from slack_sdk.web.async_client import AsyncWebClient

from bot.chat.errors import ErrorTeller
from handlers.slack.background import FollowUps, checked
from handlers.slack.blocks import render_blocks

log = logging.getLogger("soc2bot.slack")

# Which input a modal's error is shown under.
MODAL_ERROR_BLOCK = {
    "evidence_submit": "evidence_files",
    "review_start_submit": "review_csv",
    "snooze_submit": "snooze_reason",
    "comment_submit": "comment_block",
}


# The decision is the core's; the adapter names its log lines and sends the answer.
_TELLER = ErrorTeller(log, request="Slack request", failure="Slack listener failed")
user_text = _TELLER.user_text


def error_handler(follow_ups: FollowUps) -> Callable[..., Awaitable[BoltResponse]]:
    """Bolt's `@app.error`: answer in the place the request came from.

    Commands and modals carry the error in Slack's answer; clicks and events are told after
    it, in the background, so a slow Slack never holds the answer past its 3 s.
    """

    async def on_error(
        error: Exception, body: dict[str, Any], client: AsyncWebClient, respond: Any
    ) -> BoltResponse:
        answer = _TELLER.answer(error)
        text, kind = answer.text, body.get("type")
        if "command" in body:
            blocks = render_blocks(answer.message)
            return _json({"response_type": "ephemeral", "text": text, "blocks": blocks})
        if kind == "view_submission":
            block = MODAL_ERROR_BLOCK.get(body.get("view", {}).get("callback_id", ""), "")
            return _json({"response_action": "errors", "errors": {block: text[:1000]}})
        if kind == "block_actions":
            follow_ups.start([lambda: tell_clicker(client, body, respond, text)])
        elif kind == "event_callback":
            follow_ups.start([lambda: _reply_in_place(client, _dict(body.get("event")), text)])
        return BoltResponse(status=200, body="")

    return on_error


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


async def tell_clicker(
    client: AsyncWebClient, body: dict[str, Any], respond: Any, text: str
) -> None:
    """Ephemeral, through the click's response_url; without one, to the clicker in the channel."""
    if respond is not None and body.get("response_url"):
        checked(await respond(text=text, response_type="ephemeral", replace_original=False))
        return
    channel = _dict(body.get("container")).get("channel_id") or _dict(body.get("channel")).get("id")
    user = _dict(body.get("user")).get("id")
    if isinstance(channel, str) and isinstance(user, str):
        await client.chat_postEphemeral(channel=channel, user=user, text=text)


async def _reply_in_place(client: AsyncWebClient, event: dict[str, Any], text: str) -> None:
    channel = event.get("channel")
    if not channel or not isinstance(channel, str):
        return
    thread = event.get("thread_ts") or event.get("ts")
    thread = thread if isinstance(thread, str) else None
    await client.chat_postMessage(channel=channel, thread_ts=thread, text=text)


def _json(payload: dict[str, Any]) -> BoltResponse:
    return BoltResponse(
        status=200, body=json.dumps(payload), headers={"content-type": "application/json"}
    )
