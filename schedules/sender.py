"""The outbox sender: claims due rows, delivers them through the chat ports, records outcomes.

Each run claims a batch in one short transaction, sends outside any transaction, and records
each outcome in its own short transaction. Sends to different recipients run concurrently
(bounded); sends to the same recipient are spaced by the platform's per-channel limit
(Slack: 1 message per second per channel), so a wave of DMs to many people is not
serialised while a burst to one channel is.

A claim is sized to what this replica can send soon at its observed latency
(`schedules.claims`); its leases are renewed every third of the lease while the run lasts,
and each row's claim is renewed and confirmed in the database right before its send, so a
row another replica took over is never sent here too.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from sqlmodel import Session

from bot.chat.port import ChatPort, DeliveryFailed, RateLimited, Sent
from bot.core.db import Database
from bot.core.payload import message_from_payload
from bot.outbox.delivery import (
    DEFAULT_MAX_ATTEMPTS,
    claim_batch,
    mark_failed,
    mark_sent,
    note_unroutable,
    release_claims,
    renew_claims,
)
from models import OutboxMessage, OutboxStatus, utcnow
from schedules.claims import ClaimSizer

log = logging.getLogger("soc2bot.outbox")

Clock = Callable[[], dt.datetime]
Sleep = Callable[[float], Awaitable[None]]
RecipientKey = tuple[str, str]
# Per platform, the least time between two messages to one recipient (a channel or a DM).
# Teams allows 7 per second but only 60 per 30 s per conversation: 2 per second sustained.
DEFAULT_INTERVALS: Mapping[str, float] = {"slack": 1.0, "teams": 0.5}


class DeliveryObserver(Protocol):
    """Where outcomes are counted (the app's Prometheus metrics)."""

    def count_delivery(self, *, platform: str, outcome: str) -> None: ...


@dataclass(frozen=True)
class SenderPolicy:
    """How much one run takes on, how it spaces sends, and when it gives up on a message.

    `max_hold` bounds how long one run keeps sending: a row whose recipient's next free slot
    is further out goes back to pending, due at that slot, for a later run. `claim_horizon`
    is the seconds of sending one claim takes on at the observed latency (`ClaimSizer`).
    """

    concurrency: int = 8
    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    max_hold: float = 5.0
    claim_horizon: float = 2.0
    intervals: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_INTERVALS))


@dataclass(frozen=True)
class _Outcome:
    sent: Sent | None = None
    failure: DeliveryFailed | None = None


class OutboxSender:
    """One replica's sender; `run_once` is called by the outbox ticker until it returns 0."""

    def __init__(
        self,
        db: Database,
        ports: Mapping[str, ChatPort],
        *,
        worker_id: str,
        batch: int = 100,
        lease: dt.timedelta = dt.timedelta(minutes=3),
        clock: Clock = utcnow,
        sleep: Sleep = asyncio.sleep,
        policy: SenderPolicy | None = None,
        observer: DeliveryObserver | None = None,
    ) -> None:
        self.db, self.ports, self.worker_id = db, dict(ports), worker_id
        self.batch, self.lease, self.clock, self.sleep = batch, lease, clock, sleep
        self.policy = policy or SenderPolicy()
        self.observer = observer
        self.sizer = ClaimSizer(
            concurrency=self.policy.concurrency,
            batch=batch,
            lease=lease.total_seconds(),
            horizon=self.policy.claim_horizon,
        )
        # When each recipient may get its next message; an in-memory pacer per replica.
        self._next_slot: dict[RecipientKey, dt.datetime] = {}

    async def run_once(self) -> int:
        """Claim and deliver one batch; how many rows it took on (0: nothing was due)."""
        now = self.clock()
        rows = await asyncio.to_thread(self._claim, now, self.sizer.size())
        self._forget_past_slots(now)
        if not rows:
            return 0
        groups: dict[RecipientKey, list[OutboxMessage]] = {}
        for row in rows:
            groups.setdefault((row.platform, row.recipient), []).append(row)
        # Per run, not per sender: a semaphore belongs to the event loop it first waited in.
        gate = asyncio.Semaphore(self.policy.concurrency)
        until = now + dt.timedelta(seconds=self.policy.max_hold)
        held = {row.id or 0 for row in rows}  # claimed here and not yet recorded or handed back
        keeper = asyncio.create_task(self._keep_leases(held))
        try:
            await asyncio.gather(
                *(self._deliver(k, q, gate, until, held) for k, q in groups.items())
            )
        finally:
            keeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await keeper
        return len(rows)

    def _claim(self, now: dt.datetime, limit: int) -> list[OutboxMessage]:
        with self.db.transaction() as session:
            note_unroutable(session=session, platforms=self.ports, now=now)
            return claim_batch(
                session=session,
                worker=self.worker_id,
                now=now,
                limit=limit,
                lease=self.lease,
                platforms=self.ports,
            )

    def _renew(self, ids: set[int]) -> set[int]:
        with self.db.transaction() as session:
            return renew_claims(
                session=session, worker=self.worker_id, ids=ids, now=self.clock(), lease=self.lease
            )

    async def _keep_leases(self, held: set[int]) -> None:
        """Renew the rows still held every third of the lease, queued and in flight alike.

        Real time, not the injected sleep: leases run out in real time. A failed renewal is
        retried next time; the check right before each send still keeps a lost row unsent.
        """
        every = max(self.lease.total_seconds() / 3, 0.05)
        while held:
            await asyncio.sleep(every)
            asked = set(held)
            try:
                kept = await asyncio.to_thread(self._renew, asked)
            except Exception:  # a database hiccup: the per-send check still guards every row
                log.warning("Outbox lease renewal failed for %d rows; retrying", len(asked))
                continue
            held -= asked - kept

    async def _deliver(
        self,
        key: RecipientKey,
        queue: Sequence[OutboxMessage],
        gate: asyncio.Semaphore,
        until: dt.datetime,
        held: set[int],
    ) -> None:
        """Send one recipient's rows in order, each no sooner than the recipient's next slot."""
        interval = dt.timedelta(seconds=self.policy.intervals.get(key[0], 0.0))
        for index, row in enumerate(queue):
            now = self.clock()
            slot = max(now, self._next_slot.get(key, now))
            if slot > until:
                await self._hand_back(queue[index:], slot, interval)
                held.difference_update(r.id or 0 for r in queue[index:])
                return
            if slot > now:
                await self.sleep((slot - now).total_seconds())
            # The slot is held until the outcome is recorded: a crash can then leave at most
            # `concurrency` sends of unknown outcome, each checked with `find_sent` on retry.
            async with gate:
                # Checked after the wait for a slot, which may have outlasted the lease.
                if not await self._still_held(row, held):
                    continue
                started = time.monotonic()
                outcome = await self._send(row)
                if not isinstance(outcome.failure, RateLimited):  # a quick refusal, not a send
                    self.sizer.observe(time.monotonic() - started)
                after = self.clock() + interval
                if isinstance(outcome.failure, RateLimited) and outcome.failure.retry_after:
                    wait = dt.timedelta(seconds=outcome.failure.retry_after)
                    after = max(after, self.clock() + wait)
                self._next_slot[key] = after
                await asyncio.to_thread(self._record, row, outcome)
                held.discard(row.id or 0)

    async def _still_held(self, row: OutboxMessage, held: set[int]) -> bool:
        """Renew this row's lease in the database right before its send; False: not ours now."""
        row_id = row.id or 0
        try:
            if row_id in held and row_id in await asyncio.to_thread(self._renew, {row_id}):
                return True
        except Exception:  # unsure it is still ours: not sending is the safe side
            log.warning("Outbox row %s: its lease could not be checked; not sent now", row_id)
        else:
            log.info("Outbox row %s: lease lost before its send; not sent here", row_id)
        held.discard(row_id)
        return False

    async def _hand_back(
        self, rows: Sequence[OutboxMessage], slot: dt.datetime, interval: dt.timedelta
    ) -> None:
        """Give rows back as pending, due at successive slots, so no replica sends them early."""
        due = {row.id or 0: slot + interval * n for n, row in enumerate(rows)}

        def release() -> None:
            with self.db.transaction() as session:
                release_claims(session=session, worker=self.worker_id, not_before=due)

        await asyncio.to_thread(release)

    async def _send(self, row: OutboxMessage) -> _Outcome:
        port = self.ports[row.platform]
        try:
            message = message_from_payload(row.payload)
            if row.kind == "update":
                target = str((row.payload.get("meta") or {}).get("message_id") or "")
                await port.update(row.recipient, target, message)
                return _Outcome(sent=Sent(message_id=target, channel=row.recipient))
            if row.attempts > 0:  # an earlier try may have landed: a timeout, or a crash mid-send
                found = await port.find_sent(row.recipient, row.idempotency_key, row.created_at)
                if found is not None:
                    await port.complete(found, message)
                    return _Outcome(sent=found)
            return _Outcome(sent=await port.send(row.recipient, message, key=row.idempotency_key))
        except DeliveryFailed as exc:
            return _Outcome(failure=exc)
        except Exception as exc:  # a port bug must not stop the batch: retried, then dead
            log.exception("Chat port %s failed on outbox row %s", row.platform, row.id)
            reason = f"{type(exc).__name__}: {exc}"
            return _Outcome(failure=DeliveryFailed(reason, permanent=False))

    def _record(self, row: OutboxMessage, outcome: _Outcome) -> None:
        now = self.clock()
        with self.db.transaction() as session:
            if outcome.sent is not None:
                mark_sent(
                    session=session,
                    row_id=row.id or 0,
                    platform_message_id=outcome.sent.message_id,
                    channel=outcome.sent.channel,
                    now=now,
                )
                result = "sent"
            else:
                result = self._record_failure(session, row, outcome.failure, now)
        if self.observer is not None:
            self.observer.count_delivery(platform=row.platform, outcome=result)

    def _record_failure(
        self, session: Session, row: OutboxMessage, failure: DeliveryFailed | None, now: dt.datetime
    ) -> str:
        failure = failure or DeliveryFailed("unknown failure", permanent=False)
        throttled = isinstance(failure, RateLimited)
        updated = mark_failed(
            session=session,
            row_id=row.id or 0,
            worker=self.worker_id,
            error=failure.reason,
            now=now,
            retry_after=failure.retry_after if isinstance(failure, RateLimited) else None,
            permanent=failure.permanent,
            throttled=throttled,
            max_attempts=self.policy.max_attempts,
        )
        log.warning(
            "Outbox row %s to %s %s failed: %s", row.id, row.platform, row.recipient, failure
        )
        if updated is not None and updated.status == OutboxStatus.DEAD:
            return "dead"
        return "rate_limited" if throttled else "retry"

    def _forget_past_slots(self, now: dt.datetime) -> None:
        for key in [k for k, slot in self._next_slot.items() if slot <= now]:
            del self._next_slot[key]
