"""The one place Teams errors become messages: friendly text, or a reference for the log."""

from __future__ import annotations

import logging

from botbuilder.core import TurnContext

from bot.core.db import DATABASE_UNAVAILABLE, is_database_outage
from bot.core.errors import SoC2BotError
from bot.core.logs import new_correlation_id

log = logging.getLogger("soc2bot.teams")


def user_text(error: Exception) -> str:
    """What the person is told; unknown errors are logged with a reference they can quote."""
    if isinstance(error, SoC2BotError):
        return error.user_text()
    if is_database_outage(error):  # a restart or failover: asking again shortly will work
        log.warning("Database unreachable during a Teams request (%s)", type(error).__name__)
        return DATABASE_UNAVAILABLE
    reference = new_correlation_id()
    log.error("Teams turn failed", exc_info=error, extra={"correlation_id": reference})
    return f"Sorry, something went wrong on our side. Reference: {reference}"


async def on_turn_error(context: TurnContext, error: Exception) -> None:
    """The adapter's `on_turn_error`: answer in the conversation the activity came from."""
    text = user_text(error)
    try:
        await context.send_activity(text)
    except Exception as failure:  # the connector itself is unreachable: the log must say so
        log.error("Could not tell the person about an error (%s)", text, exc_info=failure)
