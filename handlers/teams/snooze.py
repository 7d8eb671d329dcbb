"""The Teams snooze form: days to pause the reminders and a reason for the audit trail."""

from __future__ import annotations

from typing import Any

from bot.reminders.messages import SNOOZE_CHOICES, SNOOZE_SUBMIT_ACTION
from handlers.teams.cards import SCHEMA


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
    data = {"action_id": f"{SNOOZE_SUBMIT_ACTION}:{occurrence_id}"}
    return {
        "$schema": SCHEMA,
        "type": "AdaptiveCard",
        "version": "1.5",
        "fallbackText": f"Snooze #{occurrence_id}: this needs a Teams client that shows cards.",
        "body": body,
        "actions": [{"type": "Action.Submit", "title": "Snooze", "data": data}],
    }
