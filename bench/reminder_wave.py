"""Benchmark 3: a reminder wave — 10,000 occurrences due at once, decided, queued, delivered.

    .venv/bin/python bench/reminder_wave.py --db sqlite,postgres
    .venv/bin/python bench/reminder_wave.py --db sqlite --occurrences 1000 --latency-ms 0

A program whose `--occurrences` tasks (one occurrence each) are all due on the same working
day, assigned to `--people` people (every one linked to Slack, so each gets several DMs).
On that day at 12:00 in their timezone, `queue_due_reminders` decides and queues the wave
in one transaction (target under 5 s); then the next ticks, which must queue nothing: one
at once, one after the outbox's statistics are refreshed (PostgreSQL: ANALYZE, as autovacuum
does within a minute of such an insert).
Then `schedules.sender.OutboxSender` delivers it through `SlackChatPort` to a fake Slack in
its own process that enforces Slack's limit per channel (1 message/s, answering 429 with
Retry-After over it) and answers after `--latency-ms`; the sender is driven like the outbox
ticker (drain until nothing is due, then wait a tick). Reported: time to decide and queue,
delivery rate, 429s (target: no storms), retries and dead messages.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import random
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchlib  # noqa: E402
import procs  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from seed import insert  # noqa: E402
from seed_world import Scale as SeedScale  # noqa: E402
from seed_world import World, seed_people  # noqa: E402
from slack_sdk.web.async_client import AsyncWebClient  # noqa: E402

from bot.core.db import Database  # noqa: E402
from bot.reminders.services import queue_due_reminders  # noqa: E402
from handlers.slack.port import SlackChatPort  # noqa: E402
from models import (  # noqa: E402
    ChatIdentity,
    Control,
    EvidenceRequirement,
    Occurrence,
    OccurrenceStatus,
    OutboxMessage,
    OutboxStatus,
    Person,
    Program,
    Task,
)
from schedules.sender import OutboxSender  # noqa: E402

DUE = dt.date(2026, 12, 2)  # a Wednesday
TICK_SECONDS = 2.0  # SOC2BOT_OUTBOX_TICK_SECONDS' default


def seed_wave(kind: str, occurrences: int, people: int) -> Database:
    """A fresh database: people in one timezone, one task per occurrence, all due on DUE."""
    db = Database(benchlib.recreate_database(kind, f"bench_wave_{kind}"))
    db.upgrade()
    start = DUE - dt.timedelta(days=13)
    now = dt.datetime.combine(start, dt.time(8), dt.UTC)
    world = World(SeedScale(people=people), now=now, rng=random.Random(3), start=start)
    seed_people(world)
    for row in world.rows["person"]:
        row["timezone"] = "UTC"
    controls = max(1, occurrences // 20)
    due_at = dt.datetime.combine(DUE + dt.timedelta(days=1), dt.time(0), dt.UTC)
    with db.engine.begin() as conn:
        insert(conn, Program, [{
            "id": 1, "name": "Wave Corp", "timezone": "UTC", "criteria": ["security"],
            "start_date": start, "window_start": start, "window_end": DUE + dt.timedelta(days=90),
            "compliance_channel": "C0COMPLIANCE", "leadership_channel": None,
            "reminder_policy": {}, "created_at": now, "updated_at": now,
        }])  # fmt: skip
        insert(conn, Person, world.rows["person"])
        insert(conn, ChatIdentity, world.rows["chatidentity"])
        insert(conn, Control, ({
            "id": n, "key": f"CC7.{n % 5 + 1}-W{n:04d}", "title": f"Wave control {n}",
            "description": "", "owner_id": 11 + n % (people - 11), "backup_owner_id": None,
            "in_scope": True, "retired_at": None, "created_at": now, "updated_at": now,
        } for n in range(1, controls + 1)))  # fmt: skip
        insert(conn, Task, ({
            "id": n, "key": f"wave-{n:05d}", "control_id": 1 + n % controls,
            "title": f"Quarterly check {n}", "kind": "generic", "schedule": "quarterly",
            "due_offset": "13d", "evidence": EvidenceRequirement.ANY,
            "assignee_id": 11 + n % (people - 11), "instructions": None, "reminder_policy": None,
            "planned_from": None, "retired_at": None, "created_at": now, "updated_at": now,
        } for n in range(1, occurrences + 1)))  # fmt: skip
        insert(conn, Occurrence, ({
            "id": n, "task_id": n, "control_id": 1 + n % controls,
            "assignee_id": 11 + n % (people - 11), "period_key": "2026-Q4",
            "period_start": start, "period_end": start + dt.timedelta(days=90), "due_on": DUE,
            "due_at": due_at, "status": OccurrenceStatus.PENDING, "completed_at": None,
            "completed_by_id": None, "skip_reason": None, "snoozed_until": None,
            "snooze_reason": None, "created_at": now,
        } for n in range(1, occurrences + 1)))  # fmt: skip
    if kind == "postgres":  # as autovacuum would have long before the day the wave is due
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
    return db


def decide(db: Database, now: dt.datetime) -> tuple[int, float]:
    started = time.perf_counter()
    with db.transaction() as session:
        queued = queue_due_reminders(session=session, now=now)
    return queued, time.perf_counter() - started


class Outcomes:
    """The sender's observer: deliveries counted by outcome."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()

    def count_delivery(self, *, platform: str, outcome: str) -> None:
        self.counts[outcome] += 1


def waiting(db: Database) -> int:
    with db.session() as session:
        open_rows = sa.select(sa.func.count()).where(
            sa.or_(
                OutboxMessage.status == OutboxStatus.PENDING,  # type: ignore[arg-type]
                OutboxMessage.status == OutboxStatus.SENDING,  # type: ignore[arg-type]
            )
        )
        return int(session.execute(open_rows).scalar_one())


async def deliver(db: Database, slack_url: str, limit_s: float) -> dict[str, Any]:
    """Drive the sender like the outbox ticker until the outbox is empty (or `limit_s`)."""
    client = AsyncWebClient(token=procs.TOKEN, base_url=slack_url)
    outcomes = Outcomes()
    sender = OutboxSender(db, {"slack": SlackChatPort(client)}, worker_id="bench:1",
                          observer=outcomes)  # fmt: skip
    started = time.perf_counter()
    runs = 0
    while time.perf_counter() - started < limit_s:
        tick = time.perf_counter()
        while await sender.run_once() > 0:  # the ticker's drain
            runs += 1
            if time.perf_counter() - tick >= TICK_SECONDS * 0.8:
                break
        if not await asyncio.to_thread(waiting, db):
            break
        await asyncio.sleep(max(0.0, TICK_SECONDS - (time.perf_counter() - tick)))
    seconds = time.perf_counter() - started
    sent = outcomes.counts["sent"]
    return {"seconds": round(seconds, 1), "sent": sent, "rate_per_s": round(sent / seconds, 1),
            "outcomes": dict(outcomes.counts), "sender_runs": runs,
            "left_undelivered": waiting(db)}  # fmt: skip


def run_one(kind: str, args: argparse.Namespace, slack_url: str) -> dict[str, Any]:
    seed_started = time.perf_counter()
    db = seed_wave(kind, args.occurrences, args.people)
    seeded = time.perf_counter() - seed_started
    now = dt.datetime.combine(DUE, dt.time(12), dt.UTC)
    queued, first = decide(db, now)
    again, second = decide(db, now + dt.timedelta(minutes=1))
    if kind == "postgres":  # what autovacuum does within a minute of a 10,000-row insert
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("ANALYZE outboxmessage")
    later, steady = decide(db, now + dt.timedelta(minutes=5))
    print(f"{kind}: queued {queued} reminders in {first:.2f} s (next ticks: {again} in "
          f"{second:.2f} s at once, {later} in {steady:.2f} s once the outbox is analysed); "
          f"load {benchlib.load()}", flush=True)  # fmt: skip
    procs.slack_stats(slack_url, reset=True)
    delivery: dict[str, Any] = {"sent": 0, "seconds": 0.0, "rate_per_s": 0.0, "outcomes": {}}
    if not args.decide_only:
        delivery = asyncio.run(deliver(db, slack_url, args.limit_seconds))
    fake = procs.slack_stats(slack_url)
    db.dispose()
    result = {"db": kind, "seed_s": round(seeded, 1), "queued": queued,
              "decide_and_queue_s": round(first, 2), "next_tick_queued": again + later,
              "next_tick_s": round(second, 2), "steady_tick_s": round(steady, 2),
              **delivery, "slack": fake,
              "load": benchlib.load(),
              "decide_met": first < 5.0 and again + later == 0,
              "no_429_storm": fake["rate_limited"] <= max(5, queued // 1000)}  # fmt: skip
    print(f"{kind}: delivered {delivery['sent']} in {delivery['seconds']} s "
          f"({delivery['rate_per_s']}/s), 429s {fake['rate_limited']}, outcomes "
          f"{delivery['outcomes']}; load {result['load']}", flush=True)  # fmt: skip
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="sqlite,postgres")
    parser.add_argument("--occurrences", type=int, default=10_000)
    parser.add_argument("--people", type=int, default=2000)
    parser.add_argument("--latency-ms", type=float, default=50.0, help="the fake Slack's")
    parser.add_argument("--limit-seconds", type=float, default=900.0, help="stop delivering")
    parser.add_argument("--decide-only", action="store_true", help="queue, do not deliver")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    results = []
    with procs.fake_slack(per_channel=1.0, burst=1.0, latency_ms=args.latency_ms) as slack_url:
        for kind in args.db.split(","):
            results.append(run_one(kind, args, slack_url))
    benchlib.report("reminder_wave", {"occurrences": args.occurrences, "people": args.people,
                                      "latency_ms": args.latency_ms, "runs": results},
                    as_json=args.json)  # fmt: skip
    return 0 if all(r["decide_met"] and r["no_429_storm"] for r in results) else benchlib.MISSED


if __name__ == "__main__":
    sys.exit(main())
