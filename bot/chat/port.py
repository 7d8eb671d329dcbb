"""The chat port: how the core (schedules, outbox) sends to a platform without knowing it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol

from bot.core.messages import Message


@dataclass(frozen=True)
class Sent:
    """Where a posted message landed: the platform's message id and the channel it is in.

    `channel` is the conversation the platform put the message in (a Slack DM id `D…` for a
    message sent to a user id), so replies in its thread can be matched to it later.
    """

    message_id: str
    channel: str


class ChatPort(Protocol):
    """One platform's delivery: `recipient` is a key the platform understands.

    Failures are raised as `RateLimited` or `DeliveryFailed` (permanent or not); ports do not
    retry by themselves, the outbox sender owns retries, backoff and dead-lettering.
    """

    async def send(self, recipient: str, message: Message, *, key: str | None = None) -> Sent:
        """Post a new message (with its images); return where it landed.

        `key` is the outbox idempotency key; a platform that can store it with the message
        does, so that `find_sent` can tell later whether a send of unknown outcome landed.
        """
        ...

    async def find_sent(self, recipient: str, key: str, since: dt.datetime) -> Sent | None:
        """The message posted with `key` since `since`, if the platform can tell; else None."""
        ...

    async def complete(self, sent: Sent, message: Message) -> None:
        """After `find_sent` found `message`: deliver what a crash may have cut from it (the
        images a platform sends after the text); nothing where the send is one call."""
        ...

    async def update(self, recipient: str, message_id: str, message: Message) -> None:
        """Replace a message the bot posted earlier."""
        ...


class DeliveryFailed(Exception):
    """The platform refused or could not take the message; `permanent` ones are not retried."""

    def __init__(self, reason: str, *, permanent: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


class RateLimited(DeliveryFailed):
    """The platform asked us to slow down; `retry_after` is its wait in seconds, if it said."""

    def __init__(self, retry_after: float | None, reason: str = "rate limited") -> None:
        super().__init__(reason, permanent=False)
        self.retry_after = retry_after


class RecipientUnknown(DeliveryFailed):
    """The platform has no way to reach this recipient yet (never talked to the bot)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason, permanent=True)
