"""The one place Teams errors become messages: friendly text, or a reference for the log."""

from __future__ import annotations

import logging

from botbuilder.core import TurnContext

from bot.chat.errors import ErrorTeller

log = logging.getLogger("soc2bot.teams")


# The decision is the core's; the adapter names its log lines and sends the answer.
user_text = ErrorTeller(log, request="Teams request", failure="Teams turn failed").user_text


async def on_turn_error(context: TurnContext, error: Exception) -> None:
    """The adapter's `on_turn_error`: answer in the conversation the activity came from."""
    text = user_text(error)
    try:
        await context.send_activity(text)
    except Exception as failure:  # the connector itself is unreachable: the log must say so
        log.error("Could not tell the person about an error (%s)", text, exc_info=failure)
