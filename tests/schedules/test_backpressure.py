"""Back-pressure in the outbox ticker: one INFO line per episode, with counts, and no WARNING."""

from __future__ import annotations

import asyncio
import logging
import time

import pytest

from bot.core.db import Database
from schedules.leader import SoleProcess
from schedules.scheduler import Cadence, Decisions, Tickers

NOTHING = Decisions(materialize=lambda s, n, h: 0, reminders=lambda s, n: 0, digest=lambda s, n: 0)


class SlowSender:
    """Each run sends the next count in `seconds`; then the outbox is empty (a quick claim)."""

    def __init__(self, *counts: int, seconds: float) -> None:
        self.counts, self.seconds, self.runs = list(counts), seconds, 0

    async def run_once(self) -> int:
        self.runs += 1
        await asyncio.sleep(self.seconds if self.counts else 0.001)
        return self.counts.pop(0) if self.counts else 0


def test_a_slow_outbox_logs_one_info_line_per_episode_and_no_warning(
    sqlite_db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    sender = SlowSender(20, 17, seconds=0.5)  # two runs of 0.5 s with ticks every 0.1 s

    async def run() -> None:
        tickers = Tickers(
            db=sqlite_db,
            elector=SoleProcess(),
            sender=sender,
            cadence=Cadence(outbox=0.1),
            horizon_days=30,
            decisions=NOTHING,
        )
        await tickers.start()
        deadline = time.monotonic() + 10
        while sender.counts and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        await asyncio.sleep(1.0)  # the episode ends; then idle ticks, no more lines
        await tickers.stop()

    caplog.set_level(logging.DEBUG)
    asyncio.run(run())
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert warnings == []
    busy = [r.getMessage() for r in caplog.records if r.getMessage().startswith("Outbox busy")]
    assert len(busy) == 1, busy
    [line] = busy
    assert line.endswith("while 37 messages were being delivered"), line
    skipped = int(line.split()[2])
    assert 5 <= skipped <= 15, line  # about one tick per 0.1 s of the second or so of draining
    assert [r.levelname for r in caplog.records if r.getMessage() == line] == ["INFO"]
