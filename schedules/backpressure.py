"""The outbox job's drain, and its back-pressure: ticks that found a drain still running.

While sends are slow a drain outlasts the tick interval. Each tick that finds it running is
counted here instead of being refused by APScheduler (which logs a WARNING per tick, every
second or two per replica); one INFO line sums the episode up when the outbox is empty again.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Protocol

log = logging.getLogger("soc2bot.scheduler")


class Sender(Protocol):
    """The outbox sender: claim due rows, send them, record the outcome; how many it handled."""

    async def run_once(self) -> int: ...


@dataclass
class Backlog:
    """One episode: from a drain that outlasted a tick until a drain leaves the outbox empty."""

    clock: Callable[[], float] = field(default=time.monotonic)
    since: float | None = None
    skipped: int = 0
    messages: int = 0
    started: float = 0.0  # when the drain now running began
    owed: bool = False  # a tick came while it ran: the next drain starts at once

    def drain_began(self) -> None:
        self.started, self.owed = self.clock(), False

    def skipped_tick(self) -> None:
        """A tick found a drain still running; the episode began when that drain did."""
        if self.since is None:
            self.since = self.started
        self.skipped += 1
        self.owed = True

    def drained(self, taken: int, *, empty: bool) -> None:
        """A drain ended after taking `taken` messages; an empty outbox ends the episode."""
        if self.since is None:
            return
        self.messages += taken
        if empty:
            self.close()

    def close(self) -> None:
        """Log the episode, if there was one, and start afresh (also on stop)."""
        if self.since is None:
            return
        log.info(
            "Outbox busy: %d ticks skipped over %.0f s while %d messages were being delivered",
            self.skipped,
            self.clock() - self.since,
            self.messages,
        )
        self.since, self.skipped, self.messages = None, 0, 0


async def drain_outbox(
    sender: Sender, backlog: Backlog, seconds: float, stopping: Callable[[], bool]
) -> None:
    """Run the sender until the outbox is empty, `seconds` have passed, or the app stops."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    taken = last = 0
    while not stopping():
        last = await sender.run_once()
        taken += last
        if last == 0 or loop.time() >= deadline:
            break
    backlog.drained(taken, empty=last == 0)


async def drain_while_owed(
    backlog: Backlog, drain: Callable[[], Awaitable[None]], stopping: Callable[[], bool]
) -> None:
    """Drain, and again at once while ticks came meanwhile: they were owed a drain, not a wait."""
    backlog.drain_began()
    await drain()
    while backlog.owed and not stopping():
        backlog.drain_began()
        await drain()
