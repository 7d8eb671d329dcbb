"""The chat port: how the core (schedules, outbox) sends to a platform without knowing it."""

from __future__ import annotations

from typing import Protocol

from bot.messages import Message


class ChatPort(Protocol):
    """One platform's delivery: `recipient` is a key the platform understands."""

    async def send(self, recipient: str, message: Message) -> str:
        """Post a new message; return the platform's message id."""
        ...

    async def update(self, recipient: str, message_id: str, message: Message) -> None:
        """Replace a message the bot posted earlier."""
        ...


class RecipientUnknown(Exception):
    """The platform has no way to reach this recipient yet (never talked to the bot)."""
