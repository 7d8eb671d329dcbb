"""Outbox leases against a slow platform: no duplicate without a crash, and replicas share a wave.

Two senders on one database stand for two replicas (PostgreSQL and SQLite alike); the chat
platform answers each post after a delay (`SlowPort`), and counts every post per key.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from bot.core.db import Database
from bot.outbox.delivery import claim_batch
from models import OutboxStatus, utcnow
from schedules.sender import OutboxSender, SenderPolicy
from tests.outbox_support import T0, FakeClock, SlowPort, queue, rows

LEASE = dt.timedelta(seconds=6)  # the least SOC2BOT_OUTBOX_LEASE_SECONDS allows
BATCH = 100  # the default SOC2BOT_OUTBOX_BATCH


def sender(db: Database, port: SlowPort, worker: str, **kw: Any) -> OutboxSender:
    options: dict[str, Any] = {"worker_id": worker, "batch": BATCH, "lease": LEASE, **kw}
    return OutboxSender(db, {"slack": port}, **options)


def settled(db: Database) -> bool:
    return all(r.status in (OutboxStatus.SENT, OutboxStatus.DEAD) for r in rows(db))


async def replica(one: OutboxSender, done: Callable[[], bool], *, seconds: float) -> list[int]:
    """What the outbox ticker does on one replica: drain, and look again soon when idle."""
    taken: list[int] = []
    deadline = time.monotonic() + seconds
    while not done() and time.monotonic() < deadline:
        taken.append(await one.run_once())
        if taken[-1] == 0:
            await asyncio.sleep(0.2)
    return taken


async def replicas(db: Database, *senders: OutboxSender, seconds: float = 60) -> list[list[int]]:
    return list(
        await asyncio.gather(*(replica(s, lambda: settled(db), seconds=seconds) for s in senders))
    )


def test_a_slow_platform_gets_each_message_once_from_two_senders(db: Database) -> None:
    # 100 posts at 1 s through 8 slots take 12.5 s: twice the lease of a 100-row claim.
    port = SlowPort(latency=1.0)
    queue(db, [f"U{n:03d}" for n in range(100)])
    asyncio.run(replicas(db, sender(db, port, "a"), sender(db, port, "b")))
    assert port.duplicates() == {}
    assert sum(port.posts.values()) == 100
    assert Counter(r.status for r in rows(db)) == {OutboxStatus.SENT: 100}


def test_two_senders_share_a_wave(db: Database) -> None:
    port = SlowPort(latency=0.3)
    queue(db, [f"U{n:03d}" for n in range(120)])
    lease = dt.timedelta(minutes=3)  # the default: sharing is not only about short leases
    asyncio.run(
        replicas(db, sender(db, port, "a", lease=lease), sender(db, port, "b", lease=lease))
    )
    assert port.duplicates() == {} and sum(port.posts.values()) == 120
    by_worker = Counter(r.claimed_by for r in rows(db))
    assert by_worker["a"] >= 30 and by_worker["b"] >= 30, by_worker


def test_leases_are_renewed_while_a_slowed_platform_works_through_a_claim(db: Database) -> None:
    port = SlowPort(latency=0.05)
    first = sender(db, port, "a", policy=SenderPolicy(concurrency=1))
    queue(db, ["UWARM"], prefix="warm")
    assert asyncio.run(first.run_once()) == 1  # fast so far: the next claim will be larger
    port.latency = 2.0  # then the platform slows down: 5 posts one after another take 10 s
    queue(db, [f"U{n}" for n in range(5)])

    async def both() -> tuple[int, list[int]]:
        mine = asyncio.create_task(first.run_once())
        while not any(r.status == OutboxStatus.SENDING for r in rows(db)):
            await asyncio.sleep(0.01)  # "a" has claimed; "b" keeps looking for rows meanwhile
        by_other = await replica(sender(db, port, "b"), lambda: settled(db), seconds=20)
        return await mine, by_other

    claimed, by_other = asyncio.run(both())
    assert claimed == 5 and set(by_other) == {0}  # the other replica never got a row
    assert port.duplicates() == {} and sum(port.posts.values()) == 6
    done = rows(db)
    assert {r.claimed_by for r in done} == {"a"} and {r.attempts for r in done} == {0}
    assert {r.status for r in done} == {OutboxStatus.SENT}


def test_a_row_taken_over_before_its_send_is_not_sent_by_the_first_sender(db: Database) -> None:
    clock = FakeClock(max(T0, utcnow()))
    lease = dt.timedelta(seconds=60)

    def stall(key: str) -> None:  # "a" stalls past its lease mid-send; another takes over
        if key == "test:0":
            clock.advance(61)
            with db.transaction() as s:
                claim_batch(session=s, worker="b", now=clock(), limit=10, lease=lease)

    port = SlowPort(latency=0.01)
    first = sender(
        db,
        port,
        "a",
        lease=lease,
        clock=clock,
        sleep=clock.sleep,
        policy=SenderPolicy(concurrency=1),
    )
    queue(db, ["UWARM"], prefix="warm", not_before=clock())
    asyncio.run(first.run_once())  # learns the latency, so the next claim takes all three
    port.on_post = stall
    queue(db, ["U0", "U1", "U2"], not_before=clock())
    assert asyncio.run(first.run_once()) == 3
    assert set(port.posts) == {"warm:0", "test:0"}  # U1 and U2 were not sent by "a"
    taken = {r.idempotency_key: (r.status, r.claimed_by) for r in rows(db)}
    assert taken["test:1"] == taken["test:2"] == (OutboxStatus.SENDING, "b")
    assert taken["test:0"][0] == OutboxStatus.SENT  # it went out: recorded whoever holds it
