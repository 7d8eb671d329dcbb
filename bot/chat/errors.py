"""What a chat user is told about an error, and which errors are logged as unexpected.

Every adapter makes the same decision; each only names its log lines and sends the answer.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.core.db import DATABASE_UNAVAILABLE, is_database_outage
from bot.core.errors import SoC2BotError
from bot.core.logs import new_correlation_id
from bot.core.messages import Message, error_message, message_for_error


@dataclass(frozen=True)
class ErrorAnswer:
    """The answer to an error: as one plain text, and as a message (usage in its footer)."""

    text: str
    message: Message


@dataclass(frozen=True)
class ErrorTeller:
    """Turns errors into answers for one adapter, which words its own log lines.

    `request` names what was being served ("Slack request"); `failure` is the log line of an
    unexpected error ("Slack listener failed").
    """

    log: logging.Logger
    request: str
    failure: str

    def answer(self, error: Exception) -> ErrorAnswer:
        """The person's errors are told as written; anything else gets a quotable reference."""
        if isinstance(error, SoC2BotError):
            return ErrorAnswer(error.user_text(), message_for_error(error))
        if is_database_outage(error):  # a restart or failover: asking again shortly will work
            self.log.warning(
                "Database unreachable during a %s (%s)", self.request, type(error).__name__
            )
            return _plain(DATABASE_UNAVAILABLE)
        reference = new_correlation_id()
        self.log.error(self.failure, exc_info=error, extra={"correlation_id": reference})
        return _plain(f"Sorry, something went wrong on our side. Reference: {reference}")

    def user_text(self, error: Exception) -> str:
        """What the person is told, as one text (the usage hint on its own line)."""
        return self.answer(error).text


def _plain(text: str) -> ErrorAnswer:
    return ErrorAnswer(text, error_message(text))
