"""Snooze from a reminder's button: a modal asks for days and a reason, then one service call."""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.chat.refs import parse_record_id
from bot.chat.runtime import Runtime, in_thread
from bot.core.actor import Actor
from bot.core.errors import InvalidInput
from bot.reminders.messages import SNOOZE_CHOICES, snoozed_view
from bot.reminders.services import snooze_occurrence
from bot.work.occurrences import check_can_complete, get_occurrence_or_raise
from handlers.slack.background import FollowUps, Step
from handlers.slack.blocks import render_blocks, render_text
from handlers.slack.clicks import Click, on_click
from handlers.slack.identity import resolve_actor
from handlers.slack.modals import modal, modal_input, parse_view_values, text_input

SNOOZE_CALLBACK_ID = "snooze_submit"
SNOOZE_ACTION = r"^occ_snooze:\d{1,18}(#\d+)?$"
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
    app.action(re.compile(SNOOZE_ACTION))(on_click(deps, follow_ups, _on_snooze_click))
    app.view(SNOOZE_CALLBACK_ID)(_on_snooze_submit(deps, follow_ups))


async def _on_snooze_click(click: Click) -> list[Step]:
    occurrence_id = click.number()
    await in_thread(_check, click.deps, click.actor, occurrence_id)  # refuse before asking
    trigger, view = click.body["trigger_id"], snooze_modal(occurrence_id)
    return [lambda: click.client.views_open(trigger_id=trigger, view=view)]


def _check(deps: Runtime, actor: Actor, occurrence_id: int) -> None:
    with deps.db.session() as session:
        occ = get_occurrence_or_raise(session=session, occurrence_id=occurrence_id)
        check_can_complete(session, actor, occ, now=deps.clock())


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
        message = await in_thread(
            _snooze, deps, actor, occurrence_id, days, str(values.get("reason") or "")
        )
        await ack()  # closes the modal; the confirmation is a DM after Slack has its answer
        text, blocks = render_text(message), render_blocks(message)
        confirm = [lambda: client.chat_postMessage(channel=user_id, text=text, blocks=blocks)]
        follow_ups.start(confirm, once=True)  # a post: never twice

    return on_submit


def _snooze(deps: Runtime, actor: Actor, occurrence_id: int, days: int, reason: str) -> Any:
    with deps.db.transaction() as session:
        occ = snooze_occurrence(
            session=session,
            actor=actor,
            occurrence_id=occurrence_id,
            days=days,
            reason=reason,
            now=deps.clock(),
        )
        return snoozed_view(occ)
