"""The outbox sender's pace: a channel throttled, DMs in parallel, two senders exactly once."""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
import time
from collections import Counter
from typing import Any

import pytest

from bot.core.db import Database
from models import OutboxStatus, utcnow
from schedules.sender import OutboxSender
from tests.handlers.slack.fake_slack import Call, FakeSlack
from tests.outbox_support import FakeClock, queue, rows
from tests.schedules.sender_support import drain, make_sender, posted_to, slack_answer, slack_port


def test_fifty_posts_to_one_channel_go_out_a_second_apart(
    db: Database, slack: FakeSlack, clock: FakeClock
) -> None:
    queue(db, ["C0GENERAL"] * 50)
    drain(db, make_sender(db, slack, clock), clock)
    assert len(posted_to(slack, "C0GENERAL")) == 50
    times = sorted(r.sent_at for r in rows(db) if r.sent_at is not None)
    gaps = [(b - a).total_seconds() for a, b in zip(times, times[1:], strict=False)]
    assert len(times) == 50 and min(gaps) >= 1.0
    assert (times[-1] - times[0]).total_seconds() < 60  # throttled, not backed off


def test_fifty_dms_to_different_people_go_out_concurrently(
    db: Database, slack: FakeSlack, clock: FakeClock
) -> None:
    flight = {"now": 0, "max": 0}
    lock = threading.Lock()

    def slow(call: Call) -> dict[str, Any]:
        with lock:
            flight["now"] += 1
            flight["max"] = max(flight["max"], flight["now"])
        time.sleep(0.1)
        with lock:
            flight["now"] -= 1
        return slack_answer(slack, call)

    slack.respond("chat.postMessage", slow)
    queue(db, [f"U{n:03d}" for n in range(50)])
    sender = make_sender(db, slack, clock)

    async def until_empty() -> None:  # the first claim is one row per slot, later ones larger
        while await sender.run_once():
            pass

    started = time.monotonic()
    asyncio.run(until_empty())
    elapsed = time.monotonic() - started
    assert Counter(r.status for r in rows(db)) == {OutboxStatus.SENT: 50}
    assert clock.slept == []  # no pacing between different recipients
    assert 4 <= flight["max"] <= 8  # concurrent, within the bound of 8 in flight
    assert elapsed < 2.5  # serialised, 50 x 0.1 s would take 5 s


@pytest.mark.postgres
def test_two_senders_on_postgres_deliver_300_rows_exactly_once(
    postgres_db: Database, slack: FakeSlack, capsys: pytest.CaptureFixture[str]
) -> None:
    def answer(call: Call) -> dict[str, Any]:
        time.sleep(0.005)  # long enough for the two senders to overlap
        return slack_answer(slack, call)

    slack.respond("chat.postMessage", answer)
    queue(postgres_db, [f"U{n:04d}" for n in range(300)], not_before=utcnow() - dt.timedelta(1))
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def run(worker: str) -> None:
        sender = OutboxSender(postgres_db, {"slack": slack_port(slack)}, worker_id=worker, batch=20)

        async def go() -> None:
            while await sender.run_once():
                pass

        try:
            start.wait()
            asyncio.run(go())
        except BaseException as exc:  # surfaced by the assertion below
            errors.append(exc)

    began = time.monotonic()
    threads = [threading.Thread(target=run, args=(w,)) for w in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    elapsed = time.monotonic() - began
    assert errors == []
    per_channel = Counter(c.args["channel"] for c in slack.calls_to("chat.postMessage"))
    assert len(per_channel) == 300 and set(per_channel.values()) == {1}
    done = rows(postgres_db)
    assert Counter(r.status for r in done) == {OutboxStatus.SENT: 300}
    by_worker = Counter(r.claimed_by for r in done)
    assert by_worker["a"] > 0 and by_worker["b"] > 0
    with capsys.disabled():
        print(f"\n300 rows, 2 senders on PostgreSQL: {elapsed:.2f}s, split {dict(by_worker)}")
