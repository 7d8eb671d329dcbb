"""Proactive Teams delivery from stored conversation references, with backoff on throttling."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import ConversationReference
from msrest.exceptions import HttpOperationError

from bot.chat import RecipientUnknown
from bot.messages import Message
from bot.runtime import Runtime, in_thread
from bot.services.conversations import get_reference
from handlers.teams.replies import card_activity

RETRY_STATUSES = {412, 429, 502, 504}
T = TypeVar("T")


class TeamsChatPort:
    """`recipient` is a stored reference key: `teams:user:<aad id>` or `teams:conv:<id>`."""

    def __init__(
        self, runtime: Runtime, adapter: CloudAdapter, *, attempts: int = 4, base_delay: float = 0.5
    ) -> None:
        self.runtime = runtime
        self.adapter = adapter
        self.app_id = runtime.settings.microsoft_app_id or ""
        self.attempts = attempts
        self.base_delay = base_delay

    async def send(self, recipient: str, message: Message) -> str:
        sent: dict[str, str] = {}

        async def post(context: TurnContext) -> None:
            response = await context.send_activity(card_activity(message))
            sent["id"] = str(getattr(response, "id", "") or "")

        await self._with_backoff(lambda: self._continue(recipient, post))
        return sent.get("id", "")

    async def update(self, recipient: str, message_id: str, message: Message) -> None:
        async def put(context: TurnContext) -> None:
            activity = card_activity(message)
            activity.id = message_id
            await context.update_activity(activity)

        await self._with_backoff(lambda: self._continue(recipient, put))

    async def _continue(
        self, recipient: str, logic: Callable[[TurnContext], Awaitable[None]]
    ) -> None:
        reference = await in_thread(self._reference, recipient)
        await self.adapter.continue_conversation(reference, logic, self.app_id)

    def _reference(self, recipient: str) -> ConversationReference:
        with self.runtime.db.session() as session:
            stored = get_reference(session=session, key=recipient)
        if stored is None:
            raise RecipientUnknown(f"{recipient} has not talked to the bot in Teams yet")
        return ConversationReference().deserialize(stored)

    async def _with_backoff(self, call: Callable[[], Awaitable[T]]) -> T:
        for attempt in range(self.attempts):
            try:
                return await call()
            except HttpOperationError as exc:
                status = getattr(exc.response, "status_code", None)
                if status not in RETRY_STATUSES or attempt == self.attempts - 1:
                    raise
                await asyncio.sleep(_delay(exc, attempt, self.base_delay))
        raise AssertionError("unreachable")


def _delay(exc: Any, attempt: int, base: float) -> float:
    retry_after = (getattr(exc.response, "headers", None) or {}).get("Retry-After")
    if retry_after and str(retry_after).isdigit():
        return float(retry_after)
    return float(base * (2**attempt) * (0.5 + random.random()))  # jitter keeps retries apart
