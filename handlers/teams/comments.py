"""The Teams form for a comment that goes with a decision ("Request changes")."""

from __future__ import annotations

from typing import Any

from bot.chat.presses import CommentAsk
from handlers.teams.cards import SCHEMA


def comment_card(ask: CommentAsk) -> dict[str, Any]:
    """One required comment; submitting presses `ask.submit` with it (as `comment`)."""
    body = [
        {"type": "TextBlock", "text": ask.title, "weight": "Bolder", "wrap": True},
        {"type": "Input.Text", "id": "comment", "label": ask.label, "isMultiline": True,
         "isRequired": True, "maxLength": 2000, "errorMessage": "Say what should change."},
    ]  # fmt: skip
    data = {"action_id": ask.submit, "value": ask.value}
    return {
        "$schema": SCHEMA,
        "type": "AdaptiveCard",
        "version": "1.5",
        "fallbackText": f"{ask.title}: this needs a Teams client that shows cards.",
        "body": body,
        "actions": [{"type": "Action.Submit", "title": ask.button, "data": data}],
    }
