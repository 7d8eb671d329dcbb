"""Snooze from a reminder's button: the modal asking for days and a reason, and its submission."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.chat.actions import press_button
from bot.chat.presses import Press
from bot.chat.refs import parse_record_id
from bot.chat.runtime import Runtime
from bot.core.errors import InvalidInput
from bot.core.messages import Message
from bot.reminders.messages import SNOOZE_CHOICES, SNOOZE_SUBMIT_ACTION
from handlers.slack.background import FollowUps
from handlers.slack.blocks import render_blocks, render_text
from handlers.slack.identity import resolve_actor
from handlers.slack.modals import modal, modal_input, parse_view_values, text_input

SNOOZE_CALLBACK_ID = "snooze_submit"
Handler = Callable[..., Awaitable[None]]


def snooze_modal(occurrence_id: int) -> dict[str, Any]:
    """Days to pause the reminders, and the reason that goes into the audit trail."""
    options = [
        {"text": {"type": "plain_text", "text": f"{d} day{'s' if d > 1 else ''}"}, "value": str(d)}
        for d in SNOOZE_CHOICES
    ]
    days = {"type": "static_select", "action_id": "days", "options": options,
            "initial_option": options[2]}  # fmt: skip
    reason = text_input("reason", multiline=True, min_length=3, max_length=500)
    blocks = [
        modal_input("snooze_days", "Pause reminders for", days),
        modal_input("snooze_reason", "Why (kept in the audit trail)", reason),
    ]
    return modal(SNOOZE_CALLBACK_ID, f"Snooze #{occurrence_id}", blocks, {"occ": occurrence_id})


def register(app: AsyncApp, deps: Runtime, follow_ups: FollowUps) -> None:
    """The Snooze button is in the core table (`bot.chat.buttons`); its modal's submission here."""
    app.view(SNOOZE_CALLBACK_ID)(_on_snooze_submit(deps, follow_ups))


def _on_snooze_submit(deps: Runtime, follow_ups: FollowUps) -> Handler:
    async def on_submit(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        values = parse_view_values(body["view"])
        try:
            meta = json.loads(body["view"].get("private_metadata") or "{}")
            occurrence_id = parse_record_id(meta["occ"])
            days = int(values.get("days") or 0)
        except (ValueError, KeyError, TypeError, InvalidInput):
            raise InvalidInput("This form is out of date; press Snooze again.") from None
        user_id = body["user"]["id"]
        actor = await resolve_actor(deps, client, user_id)
        form = {"days": str(days), "reason": str(values.get("reason") or "")}
        press = Press(SNOOZE_SUBMIT_ACTION, (occurrence_id,), form=form)
        message = (await press_button(deps, actor, press)).card or Message()
        await ack()  # closes the modal; the confirmation is a DM after Slack has its answer
        text, blocks = render_text(message), render_blocks(message)
        confirm = [lambda: client.chat_postMessage(channel=user_id, text=text, blocks=blocks)]
        follow_ups.start(confirm, once=True)  # a post: never twice

    return on_submit
