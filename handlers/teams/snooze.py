"""Snooze from a reminder's button in Teams: a form asks for days and a reason."""

from __future__ import annotations

from typing import Any

from botbuilder.core import MessageFactory, TurnContext

from bot.chat.refs import parse_record_id
from bot.chat.runtime import Runtime, in_thread
from bot.core.actor import Actor
from bot.core.errors import InvalidInput
from bot.core.messages import Message
from bot.reminders.messages import SNOOZE_CHOICES, snoozed_view
from bot.reminders.services import snooze_occurrence
from bot.work.occurrences import check_can_complete, get_occurrence_or_raise
from handlers.teams.cards import SCHEMA, card_attachment
from handlers.teams.replies import card_activity, replace_card

SNOOZE_SUBMIT = "occ_snooze_submit"


def snooze_card(occurrence_id: int) -> dict[str, Any]:
    """Days to pause the reminders, and the reason that goes into the audit trail."""
    choices = [{"title": f"{d} day{'s' if d > 1 else ''}", "value": str(d)} for d in SNOOZE_CHOICES]
    body = [
        {"type": "TextBlock", "text": f"Snooze #{occurrence_id}", "weight": "Bolder"},
        {"type": "Input.ChoiceSet", "id": "snooze_days", "label": "Pause reminders for",
         "choices": choices, "value": "3", "isRequired": True},
        {"type": "Input.Text", "id": "snooze_reason", "label": "Why (kept in the audit trail)",
         "isMultiline": True, "isRequired": True, "maxLength": 500,
         "errorMessage": "Give a reason."},
    ]  # fmt: skip
    data = {"action_id": f"{SNOOZE_SUBMIT}:{occurrence_id}"}
    return {
        "$schema": SCHEMA,
        "type": "AdaptiveCard",
        "version": "1.5",
        "fallbackText": f"Snooze #{occurrence_id}: this needs a Teams client that shows cards.",
        "body": body,
        "actions": [{"type": "Action.Submit", "title": "Snooze", "data": data}],
    }


async def ask_snooze(
    runtime: Runtime, context: TurnContext, actor: Actor, ref: str, _: dict[str, Any]
) -> None:
    """The Snooze button: refuse someone else's task at once, else show the form."""

    def check() -> None:
        with runtime.db.session() as session:
            occ = get_occurrence_or_raise(session=session, occurrence_id=parse_record_id(ref))
            check_can_complete(session, actor, occ, now=runtime.clock())

    await in_thread(check)
    card = snooze_card(parse_record_id(ref))
    await context.send_activity(MessageFactory.attachment(card_attachment(card)))


async def snooze(
    runtime: Runtime, context: TurnContext, actor: Actor, ref: str, data: dict[str, Any]
) -> None:
    """The form's submit: one service call; the form is replaced by the outcome."""
    try:
        days = int(data.get("snooze_days") or 0)
    except (TypeError, ValueError):
        raise InvalidInput("Pick how many days to snooze for.") from None

    def pause() -> Message:
        with runtime.db.transaction() as session:
            occ = snooze_occurrence(
                session=session,
                actor=actor,
                occurrence_id=parse_record_id(ref),
                days=days,
                reason=str(data.get("snooze_reason") or ""),
                now=runtime.clock(),
            )
            return snoozed_view(occ)

    await replace_card(context, card_activity(await in_thread(pause)))
