"""Test helpers for the outbox: a controllable clock and short ways to queue messages."""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
from collections.abc import Sequence

from sqlmodel import select

from bot.db import Database
from bot.messages import Message
from bot.services.outbox import Outgoing, enqueue_messages
from models import OutboxMessage

T0 = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)


class FakeClock:
    """Time that moves only when told to, or when the code under test sleeps on it."""

    def __init__(self, start: dt.datetime = T0) -> None:
        self._now = start
        self._lock = threading.Lock()
        self.slept: list[float] = []

    def __call__(self) -> dt.datetime:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> dt.datetime:
        with self._lock:
            self._now += dt.timedelta(seconds=seconds)
            return self._now

    def set(self, when: dt.datetime) -> None:
        with self._lock:
            self._now = max(self._now, when)

    async def sleep(self, seconds: float) -> None:
        """What the sender awaits instead of asyncio.sleep: time jumps, nothing waits."""
        self.slept.append(seconds)
        self.advance(seconds)
        await asyncio.sleep(0)


def queue(
    db: Database,
    recipients: Sequence[str],
    *,
    platform: str = "slack",
    prefix: str = "test",
    message: Message | None = None,
    meta: dict[str, object] | None = None,
    not_before: dt.datetime = T0,
) -> list[int]:
    """Queue one message per recipient (keys `{prefix}:{n}`); the new rows' ids."""
    outgoing = [
        Outgoing(
            key=f"{prefix}:{n}",
            platform=platform,
            recipient=recipient,
            message=message or Message(title=f"Reminder {n}", text="Due Friday.", ephemeral=False),
            meta=meta,
            not_before=not_before,
        )
        for n, recipient in enumerate(recipients)
    ]
    with db.transaction() as session:
        return enqueue_messages(session=session, messages=outgoing)


def rows(db: Database) -> list[OutboxMessage]:
    with db.session() as session:
        return list(session.exec(select(OutboxMessage).order_by(OutboxMessage.id)).all())  # type: ignore[arg-type]


def row(db: Database, row_id: int) -> OutboxMessage:
    with db.session() as session:
        found = session.get(OutboxMessage, row_id)
        assert found is not None
        return found
