"""Proactive Teams delivery from stored conversation references, for the outbox sender."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import ConversationReference
from msrest.exceptions import ClientRequestError, HttpOperationError

from bot.chat.conversations import stored_reference
from bot.chat.port import DeliveryFailed, RateLimited, RecipientUnknown, Sent
from bot.chat.runtime import Runtime, in_thread
from bot.core.messages import Message
from handlers.teams.replies import card_activity

log = logging.getLogger("soc2bot.teams")

# The same request fails again: bad request, bot removed or blocked, no such conversation.
PERMANENT_STATUSES = frozenset({400, 403, 404, 413})
# One send (token, then the POST), as Slack's client is given 30 s by default.
SEND_TIMEOUT_SECONDS = 30.0
Logic = Callable[[TurnContext], Awaitable[None]]


class TeamsChatPort:
    """`recipient` is a stored reference key: `teams:user:<aad id>` or `teams:conv:<id>`.

    It does not retry: throttling (429) is raised as `RateLimited` with Teams' Retry-After,
    other failures as `DeliveryFailed`, and the outbox sender decides when to try again.
    """

    def __init__(
        self, runtime: Runtime, adapter: CloudAdapter, *, timeout: float = SEND_TIMEOUT_SECONDS
    ) -> None:
        self.runtime = runtime
        self.adapter = adapter
        self.app_id = runtime.settings.microsoft_app_id or ""
        self.timeout = timeout

    async def send(self, recipient: str, message: Message, *, key: str | None = None) -> Sent:
        activity = card_activity(message)
        sent: dict[str, str] = {}

        async def post(context: TurnContext) -> None:
            response = await context.send_activity(activity)
            sent["id"] = str(getattr(response, "id", "") or "")
            sent["channel"] = str(context.activity.conversation.id)

        await self._continue(recipient, post)
        return Sent(message_id=sent.get("id", ""), channel=sent.get("channel", recipient))

    async def find_sent(self, recipient: str, key: str, since: dt.datetime) -> Sent | None:
        """Always None: bots cannot read a Teams conversation's history, so after a crash
        mid-send Teams delivery is at least once (see docs/architecture.md)."""
        return None

    async def complete(self, sent: Sent, message: Message) -> None:
        """Nothing: `find_sent` never finds a Teams message, and images travel in the card."""

    async def update(self, recipient: str, message_id: str, message: Message) -> None:
        activity = card_activity(message)
        activity.id = message_id

        async def put(context: TurnContext) -> None:
            await context.update_activity(activity)

        await self._continue(recipient, put)

    async def _continue(self, recipient: str, logic: Logic) -> None:
        reference = await in_thread(self._reference, recipient)
        failures: list[Exception] = []

        async def guarded(context: TurnContext) -> None:
            # Caught in here: the adapter hands a failing turn to on_turn_error, which would
            # post "something went wrong" to the person instead of telling us.
            try:
                await logic(context)
            except Exception as exc:
                failures.append(exc)

        try:
            # botbuilder's connector client waits as long as the connection stays open; a
            # stalled send must free the outbox sender's slot and be retried instead.
            await asyncio.wait_for(
                self.adapter.continue_conversation(reference, guarded, self.app_id), self.timeout
            )
        except Exception as exc:  # before the turn: token or connector trouble, or a timeout
            raise _failure(exc) from exc
        if failures:
            raise _failure(failures[0]) from failures[0]

    def _reference(self, recipient: str) -> ConversationReference:
        stored = stored_reference(self.runtime, recipient)
        if stored is None:
            raise RecipientUnknown(f"{recipient} has not talked to the bot in Teams yet")
        return ConversationReference().deserialize(stored)


def _failure(exc: Exception) -> DeliveryFailed:
    """The chat port's error for what botbuilder, msrest or aiohttp raised."""
    if isinstance(exc, DeliveryFailed):
        return exc
    if isinstance(exc, HttpOperationError):
        response = getattr(exc, "response", None)
        status = int(getattr(response, "status_code", 0) or 0)
        if status == 429:
            headers = getattr(response, "headers", None) or {}
            return RateLimited(_seconds(headers.get("Retry-After")), "Teams: 429")
        return DeliveryFailed(f"Teams: HTTP {status}", permanent=status in PERMANENT_STATUSES)
    if isinstance(exc, ClientRequestError | aiohttp.ClientError | TimeoutError):
        return DeliveryFailed(f"Teams unreachable: {type(exc).__name__}", permanent=False)
    return DeliveryFailed(f"Teams: {type(exc).__name__}: {exc}", permanent=False)


def _seconds(value: Any) -> float | None:
    try:
        return max(0.0, float(value)) if value is not None else None
    except (TypeError, ValueError):
        return None
