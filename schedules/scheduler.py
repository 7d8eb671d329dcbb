"""In-process tickers (APScheduler 3, memory store): fixed jobs reading what is due from the DB.

APScheduler only knows five jobs with fixed ids. What is due lives in our tables, so a
missed tick, a restart or a change of leader loses nothing: the next tick re-derives it.
The tickers that decide (occurrences, reminders, digest) run on the leader only; the
outbox sender runs on every replica, because its claims are row locks in the database.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

import sqlalchemy as sa
from apscheduler.executors.asyncio import AsyncIOExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.core.db import Database
from bot.core.settings import Settings
from models import utcnow
from schedules.backpressure import Backlog, Sender, drain_outbox, drain_while_owed
from schedules.decisions import SERVICES, Decisions
from schedules.leader import Elector

log = logging.getLogger("soc2bot.scheduler")

__all__ = ["Cadence", "Decisions", "Tickers"]

MATERIALIZE = "materialize-occurrences"
REMINDERS = "reminder-tick"
DIGEST = "digest-check"
OUTBOX = "outbox-sender"
LEADER = "leader-election"
REVIEWS = "access-reviews"  # pulled reviews: start the due ones, verify revocations
LEADER_ONLY = (MATERIALIZE, REMINDERS, DIGEST, REVIEWS)
# APScheduler's default grace is 1 s: a busy loop or a slow start would silently skip a tick.
MISFIRE_GRACE_SECONDS = 3600
# A drain stops a little before the next tick is due, so runs seldom overlap.
DRAIN_SHARE = 0.9


class TickObserver(Protocol):
    """Where the tickers report liveness (the app's Prometheus metrics)."""

    def record_tick(self, job: str, when: float) -> None: ...

    def record_leader(self, leading: bool) -> None: ...


@dataclass(frozen=True)
class Cadence:
    """Seconds between runs of each ticker."""

    reminders: float = 300.0
    digest: float = 300.0
    outbox: float = 2.0
    leader: float = 5.0
    materialize: float = 24 * 3600.0
    reviews: float = 900.0

    @classmethod
    def from_settings(cls, settings: Settings) -> Cadence:
        return cls(
            reminders=settings.reminder_tick_seconds,
            digest=settings.digest_tick_seconds,
            outbox=settings.outbox_tick_seconds,
            leader=settings.leader_retry_seconds,
            reviews=settings.review_tick_seconds,
        )


class Tickers:
    """The app's scheduler: started and stopped by the FastAPI lifespan (`bot.app`)."""

    def __init__(
        self,
        *,
        db: Database,
        elector: Elector,
        sender: Sender | None,
        cadence: Cadence,
        horizon_days: int,
        observer: TickObserver | None = None,
        clock: Callable[[], dt.datetime] = utcnow,
        decisions: Decisions = SERVICES,
        reviews: Callable[[dt.datetime], object] | None = None,
    ) -> None:
        self.db, self.elector, self.sender = db, elector, sender
        self.cadence, self.horizon_days = cadence, horizon_days
        self.observer, self.clock, self.decisions = observer, clock, decisions
        self._reviews = reviews
        self.scheduler = AsyncIOScheduler(
            timezone=dt.UTC,
            jobstores={"default": MemoryJobStore()},
            executors={"default": AsyncIOExecutor()},
            job_defaults={
                "coalesce": True,
                "max_instances": 1,
                "misfire_grace_time": MISFIRE_GRACE_SECONDS,
            },
        )
        # APScheduler logs every run at INFO; ticks show on /metrics, failures in our log.
        logging.getLogger("apscheduler.executors").setLevel(logging.WARNING)
        self._running: set[asyncio.Task[Any]] = set()
        self._stopping = False
        self._drain: asyncio.Task[None] | None = None
        self._backlog = Backlog()

    async def start(self) -> None:
        """Find out who leads, register the fixed jobs and start ticking (needs the loop)."""
        await self._lead()
        now = dt.datetime.now(dt.UTC)
        self._add(MATERIALIZE, self.materialize, self.cadence.materialize, first=now)
        self._add(REMINDERS, self.remind, self.cadence.reminders, first=now)
        self._add(DIGEST, self.digest, self.cadence.digest, first=now)
        self._add(LEADER, self.elect, self.cadence.leader)
        if self._reviews is not None:
            self._add(REVIEWS, self.reviews, self.cadence.reviews, first=now)
        if self.sender is not None:
            self._add(OUTBOX, self.tick_outbox, self.cadence.outbox, first=now)
        self.scheduler.start()
        log.info(
            "Scheduler started (%s); jobs: %s",
            "leader" if self.elector.is_leader else "standby for the deciding tickers",
            ", ".join(job.id for job in self.scheduler.get_jobs()),
        )

    async def stop(self, *, timeout: float = 10.0) -> None:
        """Let running jobs finish (a send half-recorded is worse than a slow stop), then leave."""
        self._stopping = True
        if self.scheduler.running:
            self.scheduler.pause()
        running = [task for task in self._running if not task.done()]
        if running:
            await asyncio.wait(running, timeout=timeout)
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
            await asyncio.sleep(0)  # AsyncIOScheduler shuts down on the loop's next turn
        await self.elector.close()
        self._report_leader(False)
        self._backlog.close()
        log.info("Scheduler stopped")

    def job_ids(self) -> list[str]:
        return sorted(job.id for job in self.scheduler.get_jobs())

    async def materialize(self) -> None:
        """Fill the occurrence horizon (daily, and at start)."""
        await self._leader_only(MATERIALIZE, self._materialize)

    async def remind(self) -> None:
        """Queue the reminders and escalations due now."""
        await self._leader_only(REMINDERS, self._remind)

    async def digest(self) -> None:
        """Queue this week's leadership digest once its hour has passed."""
        await self._leader_only(DIGEST, self._digest)

    async def reviews(self) -> None:
        """Start the pulled access reviews that are due; verify revoked access is gone."""
        if self._reviews is not None:
            pulls = self._reviews
            await self._leader_only(REVIEWS, lambda: pulls(self.clock()))

    async def tick_outbox(self) -> None:
        """The outbox job: start a drain as its own task, or count a tick of back-pressure."""
        # Never overlapping itself, the job never gets APScheduler's WARNING per refused run.
        if self._drain is not None and not self._drain.done():
            self._backlog.skipped_tick()
            return
        drains = drain_while_owed(self._backlog, self.send_outbox, lambda: self._stopping)
        self._drain = asyncio.create_task(drains)
        self._running.add(self._drain)

    async def send_outbox(self) -> None:
        """Drain the outbox until it is empty or the next tick is near."""
        if self.sender is None:
            return
        sender, seconds = self.sender, self.cadence.outbox * DRAIN_SHARE

        async def drain() -> bool:
            await drain_outbox(sender, self._backlog, seconds, lambda: self._stopping)
            return True

        await self._run(OUTBOX, drain)

    async def elect(self) -> None:
        """Confirm or try to take leadership; a new leader ticks at once instead of waiting."""

        async def election() -> bool:
            was = self.elector.is_leader
            if await self._lead() and not was:
                now = dt.datetime.now(dt.UTC)
                for job_id in LEADER_ONLY:
                    if self.scheduler.get_job(job_id) is not None:
                        self.scheduler.modify_job(job_id, next_run_time=now)
            return True

        await self._run(LEADER, election)

    def _add(
        self, job_id: str, func: Callable[[], Awaitable[None]], seconds: float, *, first: Any = None
    ) -> None:
        extra = {"next_run_time": first} if first is not None else {}
        self.scheduler.add_job(
            func,
            IntervalTrigger(seconds=seconds),
            id=job_id,
            name=job_id,
            replace_existing=True,
            **extra,
        )

    async def _leader_only(self, job: str, work: Callable[[], object]) -> None:
        async def decide() -> bool:
            if not await self._lead():
                return False  # a standby replica: nothing ran, so no tick is recorded
            result = await asyncio.to_thread(work)
            log.debug("Ticker %s: %s", job, result)
            return True

        await self._run(job, decide)

    async def _run(self, job: str, body: Callable[[], Awaitable[bool]]) -> None:
        """Run one job body: tracked for a clean stop, timed for /metrics, failures logged."""
        task = asyncio.current_task()
        if task is not None:
            self._running.add(task)
        try:
            ticked = await body()
        except sa.exc.DBAPIError as exc:
            # Its text may name the database host; the type is enough, and the next tick retries.
            log.warning("Ticker %s: database error (%s); retrying next tick", job, _kind(exc))
        except Exception:  # one failed tick must not stop the ticker; the next one retries
            log.exception("Ticker %s failed; the next tick retries from the database", job)
        else:
            if ticked and self.observer is not None:
                self.observer.record_tick(job, time.time())
        finally:
            if task is not None:
                self._running.discard(task)

    async def _lead(self) -> bool:
        try:
            leading = await self.elector.check()
        except Exception:  # an election that cannot run means "not leading", never a crash
            log.exception("Leader election failed; not leading")
            leading = False
        self._report_leader(leading)
        return leading

    def _report_leader(self, leading: bool) -> None:
        if self.observer is not None:
            self.observer.record_leader(leading)

    def _materialize(self) -> object:
        with self.db.transaction() as session:
            return self.decisions.materialize(session, self.clock(), self.horizon_days)

    def _remind(self) -> object:
        with self.db.transaction() as session:
            return self.decisions.reminders(session, self.clock())

    def _digest(self) -> object:
        with self.db.transaction() as session:
            return self.decisions.digest(session, self.clock())


def _kind(exc: sa.exc.DBAPIError) -> str:
    return f"{type(exc).__name__}: {type(exc.orig).__name__}"
