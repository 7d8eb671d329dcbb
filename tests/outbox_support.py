"""Test helpers for the outbox: a controllable clock, a slow chat port, ways to queue messages."""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
from collections import Counter
from collections.abc import Callable, Sequence

from sqlmodel import select

from bot.chat.port import Sent
from bot.core.db import Database
from bot.core.messages import Message
from bot.outbox.queue import Outgoing, enqueue_messages
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


class SlowPort:
    """A chat platform that answers each post after `latency` seconds, like Slack on a bad day.

    A post lands halfway through its call; `find_sent` (history searched by the key, as Slack's
    metadata) is a quicker read, answered after `lookup` seconds, looking halfway through.
    `posts` counts every post per idempotency key, so a duplicate shows even when both sends
    "succeeded". `on_post` runs as each post lands.
    """

    def __init__(
        self, latency: float, lookup: float = 0.05, on_post: Callable[[str], None] | None = None
    ) -> None:
        self.latency, self.lookup, self.on_post = latency, lookup, on_post
        self.posts: Counter[str] = Counter()
        self.landed: dict[str, tuple[dt.datetime, Sent]] = {}
        self.in_flight = self.most_in_flight = 0

    async def send(self, recipient: str, message: Message, *, key: str | None = None) -> Sent:
        assert key, "the outbox always sends with its idempotency key"
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            await asyncio.sleep(self.latency / 2)
            self.posts[key] += 1
            sent = Sent(message_id=f"{sum(self.posts.values())}.000100", channel=f"D{recipient}")
            self.landed[key] = (dt.datetime.now(dt.UTC), sent)
            if self.on_post is not None:
                self.on_post(key)
            await asyncio.sleep(self.latency / 2)
            return sent
        finally:
            self.in_flight -= 1

    async def find_sent(self, recipient: str, key: str, since: dt.datetime) -> Sent | None:
        await asyncio.sleep(self.lookup / 2)
        found = self.landed.get(key)
        await asyncio.sleep(self.lookup / 2)
        if found is None or found[0] < since or found[1].channel != f"D{recipient}":
            return None
        return found[1]

    async def complete(self, sent: Sent, message: Message) -> None:
        """Nothing to finish: the lease tests post text only."""

    async def update(self, recipient: str, message_id: str, message: Message) -> None:
        raise AssertionError("the lease tests only post")

    def duplicates(self) -> dict[str, int]:
        return {key: n for key, n in self.posts.items() if n > 1}


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
