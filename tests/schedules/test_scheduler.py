"""The in-process tickers: fixed jobs, leader-only decisions, draining the outbox, clean stops."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from typing import Any

import pytest
from sqlmodel import Session

from bot.core.db import Database
from schedules.leader import SoleProcess
from schedules.scheduler import (
    DIGEST,
    LEADER,
    LEADER_ONLY,
    MATERIALIZE,
    MISFIRE_GRACE_SECONDS,
    OUTBOX,
    REMINDERS,
    REVIEWS,
    Cadence,
    Decisions,
    Tickers,
)

ALL_JOBS = sorted([MATERIALIZE, REMINDERS, DIGEST, OUTBOX, LEADER, REVIEWS])
NOW = dt.datetime(2026, 5, 18, 9, 30, tzinfo=dt.UTC)


class FakeElector:
    """Leads when told to; counts checks and whether it was closed."""

    def __init__(self, leading: bool) -> None:
        self.leading, self.is_leader, self.checks, self.closed = leading, False, 0, False

    async def check(self) -> bool:
        self.checks += 1
        self.is_leader = self.leading
        return self.leading

    async def close(self) -> None:
        self.closed, self.is_leader = True, False


class FakeSender:
    """Answers run_once with the queued counts (then 0), optionally taking its time."""

    def __init__(self, *counts: int, seconds: float = 0.0) -> None:
        self.counts, self.seconds, self.calls, self.finished = list(counts), seconds, 0, 0

    async def run_once(self) -> int:
        self.calls += 1
        await asyncio.sleep(self.seconds)
        self.finished += 1
        return self.counts.pop(0) if self.counts else 0


class Observer:
    def __init__(self) -> None:
        self.ticks: dict[str, float] = {}
        self.leading: list[bool] = []

    def record_tick(self, job: str, when: float) -> None:
        self.ticks[job] = when

    def record_leader(self, leading: bool) -> None:
        self.leading.append(leading)


def recording(calls: list[str], *, fail: str | None = None) -> Decisions:
    def note(name: str, session: Session) -> str:
        assert isinstance(session, Session)  # each job gets a session of its own
        if name == fail:
            raise RuntimeError(f"{name} broke")
        calls.append(name)
        return name

    return Decisions(
        materialize=lambda s, now, horizon: note(MATERIALIZE, s),
        reminders=lambda s, now: note(REMINDERS, s),
        digest=lambda s, now: note(DIGEST, s),
    )


def tickers(
    db: Database, elector: Any, sender: Any = None, **kw: Any
) -> tuple[Tickers, list[str], Observer]:
    calls: list[str] = []
    observer = Observer()
    made = Tickers(
        db=db,
        elector=elector,
        sender=sender,
        cadence=kw.pop("cadence", Cadence()),
        horizon_days=30,
        observer=observer,
        clock=lambda: NOW,
        decisions=recording(calls, fail=kw.pop("fail", None)),
        reviews=lambda now: calls.append(REVIEWS),
    )
    return made, calls, observer


def test_the_scheduler_has_only_the_fixed_jobs_with_safe_defaults(sqlite_db: Database) -> None:
    async def run() -> None:
        made, _, _ = tickers(sqlite_db, SoleProcess(), FakeSender())
        await made.start()
        try:
            assert made.job_ids() == ALL_JOBS
            for job in made.scheduler.get_jobs():
                assert job.coalesce is True and job.max_instances == 1
                assert job.misfire_grace_time == MISFIRE_GRACE_SECONDS >= 600
            interval = made.scheduler.get_job(REMINDERS).trigger.interval
            assert interval == dt.timedelta(seconds=300)
            assert type(made.scheduler._jobstores["default"]).__name__ == "MemoryJobStore"
        finally:
            await made.stop()

    asyncio.run(run())


def test_leader_only_jobs_do_nothing_on_a_standby_while_the_sender_still_sends(
    sqlite_db: Database,
) -> None:
    async def run() -> None:
        sender = FakeSender(3)
        made, calls, observer = tickers(sqlite_db, FakeElector(leading=False), sender)
        for job in (made.materialize, made.remind, made.digest, made.send_outbox):
            await job()
        assert calls == []
        assert sender.calls == 2  # one batch of 3, then an empty claim
        assert set(observer.ticks) == {OUTBOX} and observer.leading == [False] * 3

    asyncio.run(run())


def test_the_leader_runs_each_decision_and_reports_its_tick(sqlite_db: Database) -> None:
    async def run() -> None:
        made, calls, observer = tickers(sqlite_db, FakeElector(leading=True))
        before = time.time()
        for job in (made.materialize, made.remind, made.digest):
            await job()
        assert calls == [MATERIALIZE, REMINDERS, DIGEST]
        assert set(observer.ticks) == {MATERIALIZE, REMINDERS, DIGEST}
        assert min(observer.ticks.values()) >= before

    asyncio.run(run())


def test_a_failing_tick_is_logged_and_the_next_one_runs_again(
    sqlite_db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    async def run() -> None:
        made, calls, observer = tickers(sqlite_db, FakeElector(leading=True), fail=REMINDERS)
        await made.remind()
        assert REMINDERS not in observer.ticks
        made.decisions = recording(calls)
        await made.remind()
        assert calls == [REMINDERS] and REMINDERS in observer.ticks

    asyncio.run(run())
    assert "Ticker reminder-tick failed" in caplog.text and "reminder-tick broke" in caplog.text


def test_a_replica_that_becomes_leader_runs_the_deciding_jobs_at_once(
    sqlite_db: Database,
) -> None:
    async def run() -> None:
        elector = FakeElector(leading=False)
        made, calls, observer = tickers(sqlite_db, elector, FakeSender(), cadence=Cadence(1e4))
        await made.start()
        try:
            await asyncio.sleep(0.2)
            assert calls == []  # a standby: the start-up runs decided nothing
            elector.leading = True
            await made.elect()
            deadline = time.monotonic() + 5
            while len(calls) < len(LEADER_ONLY) and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
            assert sorted(calls) == sorted(LEADER_ONLY)
            assert observer.leading[-1] is True
        finally:
            await made.stop()
        assert elector.closed and observer.leading[-1] is False

    asyncio.run(run())


def test_the_outbox_drain_stops_before_the_next_tick_is_due(sqlite_db: Database) -> None:
    async def run() -> None:
        sender = FakeSender(*([10] * 100), seconds=0.05)
        made, _, _ = tickers(sqlite_db, SoleProcess(), sender, cadence=Cadence(outbox=0.3))
        started = time.monotonic()
        await made.send_outbox()
        assert time.monotonic() - started < 0.5
        assert 3 <= sender.calls <= 7

    asyncio.run(run())


def test_stopping_waits_for_a_send_in_progress(sqlite_db: Database) -> None:
    async def run() -> None:
        sender = FakeSender(5, seconds=0.5)
        elector = FakeElector(leading=True)
        made, _, _ = tickers(sqlite_db, elector, sender)
        await made.start()
        deadline = time.monotonic() + 5
        while sender.calls == 0 and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        await made.stop()
        assert sender.calls == sender.finished == 1  # finished, and no new claim after stop
        assert elector.closed and not made.scheduler.running

    asyncio.run(run())
