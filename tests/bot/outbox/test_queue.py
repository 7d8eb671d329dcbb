"""Outbox claims, leases, outcomes, backoff, dead letters and depth (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import select

from bot.core.db import Database
from bot.core.messages import Message
from bot.outbox.delivery import (
    BACKOFF_BASE_SECONDS,
    claim_batch,
    mark_failed,
    mark_sent,
    note_unroutable,
    release_claims,
    retry_delay,
)
from bot.outbox.inbound import find_message
from bot.outbox.queue import (
    ALERT_PREFIX,
    Outgoing,
    channel_target,
    enqueue_messages,
    outbox_depth,
    queued_keys,
)
from models import Occurrence, OutboxMessage, OutboxStatus
from tests.factories import generate, make_control, make_person, make_program, make_task
from tests.outbox_support import T0, queue, row, rows

LEASE = dt.timedelta(seconds=60)


def seed_program(db: Database) -> None:
    with db.transaction() as s:
        make_program(s)


def claim(db: Database, worker: str, now: dt.datetime, **kw: object) -> list[OutboxMessage]:
    with db.transaction() as s:
        return claim_batch(session=s, worker=worker, now=now, limit=100, lease=LEASE, **kw)  # type: ignore[arg-type]


def fail(db: Database, row_id: int, worker: str = "w1", **kw: object) -> OutboxMessage | None:
    options: dict[str, object] = {"error": "Slack: internal_error", "now": T0, **kw}
    with db.transaction() as s:
        return mark_failed(session=s, row_id=row_id, worker=worker, **options)  # type: ignore[arg-type]


def test_claim_takes_due_pending_rows_and_leases_them(db: Database) -> None:
    due = queue(db, ["U1", "U2"])
    queue(db, ["U3"], prefix="later", not_before=T0 + dt.timedelta(minutes=5))
    claimed = claim(db, "w1", T0)
    assert sorted(r.id or 0 for r in claimed) == due
    for r in rows(db)[:2]:
        assert r.status == OutboxStatus.SENDING and r.claimed_by == "w1"
        assert r.claimed_until == T0 + LEASE
    assert rows(db)[2].status == OutboxStatus.PENDING


def test_a_claimed_row_is_reclaimed_only_after_its_lease_expired(db: Database) -> None:
    [row_id] = queue(db, ["U1"])
    claim(db, "crashed", T0)
    assert claim(db, "w2", T0 + dt.timedelta(seconds=30)) == []
    [again] = claim(db, "w2", T0 + LEASE + dt.timedelta(seconds=1))
    assert again.id == row_id and again.claimed_by == "w2"
    assert again.attempts == 1 and "crashed" in (again.last_error or "")


def test_only_platforms_with_a_port_are_claimed_and_the_others_say_why(db: Database) -> None:
    queue(db, ["U1"])
    [teams_id] = queue(db, ["teams:user:aad-1"], platform="teams", prefix="t")
    assert [r.platform for r in claim(db, "w1", T0, platforms={"slack"})] == ["slack"]
    with db.transaction() as s:
        assert note_unroutable(session=s, platforms={"slack"}, now=T0) == 1
    with db.transaction() as s:  # said once, not rewritten on every tick
        assert note_unroutable(session=s, platforms={"slack"}, now=T0) == 0
    waiting = row(db, teams_id)
    assert waiting.status == OutboxStatus.PENDING and waiting.attempts == 0
    assert "no chat port for platform 'teams'" in (waiting.last_error or "")


def test_mark_sent_records_the_message_and_links_its_occurrence(db: Database) -> None:
    with db.transaction() as s:
        make_program(s)
        raj = make_person(s)
        make_task(s, make_control(s, owner=raj))
        generate(s, now=T0)
        occurrence_id = s.exec(select(Occurrence.id)).first()
    [row_id] = queue(db, ["URAJ"], meta={"occurrence_id": occurrence_id})
    claim(db, "w1", T0)
    with db.transaction() as s:
        mark_sent(session=s, row_id=row_id, platform_message_id="17.01", channel="DURAJ", now=T0)
    sent = row(db, row_id)
    assert sent.status == OutboxStatus.SENT and sent.platform_message_id == "17.01"
    assert sent.sent_at == T0 and sent.claimed_until is None
    with db.session() as s:
        link = find_message(session=s, platform="slack", channel="DURAJ", message_id="17.01")
    assert link is not None and link.occurrence_id == occurrence_id and link.kind == "task"


def test_a_message_without_a_subject_is_not_linked(db: Database) -> None:
    [row_id] = queue(db, ["C1"])
    claim(db, "w1", T0)
    with db.transaction() as s:
        mark_sent(session=s, row_id=row_id, platform_message_id="1.2", channel="C1", now=T0)
        assert find_message(session=s, platform="slack", channel="C1", message_id="1.2") is None


def test_failures_back_off_exponentially_with_jitter(db: Database) -> None:
    [row_id] = queue(db, ["U1"])
    waits = []
    for attempt in range(1, 4):
        claim(db, "w1", row(db, row_id).next_attempt_at)
        failed = fail(db, row_id, now=T0, jitter=lambda: 0.5)
        assert failed is not None and failed.attempts == attempt
        assert failed.status == OutboxStatus.PENDING and failed.claimed_by is None
        waits.append((failed.next_attempt_at - T0).total_seconds())
    assert waits == [BACKOFF_BASE_SECONDS * 2**n for n in range(3)]
    low = retry_delay(attempts=3, retry_after=None, jitter=lambda: 0.0).total_seconds()
    high = retry_delay(attempts=3, retry_after=None, jitter=lambda: 0.999).total_seconds()
    assert (low, round(high)) == (60.0, 180)
    assert retry_delay(attempts=30, retry_after=None, jitter=lambda: 0.5).total_seconds() == 3600


def test_a_rate_limit_waits_its_retry_after_without_using_an_attempt(db: Database) -> None:
    [row_id] = queue(db, ["U1"])
    claim(db, "w1", T0)
    failed = fail(db, row_id, error="Slack: 429", retry_after=7.0, throttled=True)
    assert failed is not None and failed.attempts == 0
    wait = (failed.next_attempt_at - T0).total_seconds()
    assert 7.0 <= wait <= 7.7


def test_the_last_attempt_makes_the_row_dead_and_queues_one_alert(db: Database) -> None:
    seed_program(db)
    [row_id] = queue(db, ["UGONE"])
    for _ in range(3):
        claim(db, "w1", row(db, row_id).next_attempt_at)
        fail(db, row_id, max_attempts=3)
    dead = row(db, row_id)
    assert dead.status == OutboxStatus.DEAD and dead.attempts == 3
    [alert] = [r for r in rows(db) if r.kind == "alert"]
    assert alert.idempotency_key == f"{ALERT_PREFIX}{row_id}"
    assert (alert.platform, alert.recipient) == ("slack", "#soc2")
    assert "test:0" in str(alert.payload) and "internal_error" in str(alert.payload)


def test_a_permanent_failure_is_dead_at_once(db: Database) -> None:
    seed_program(db)
    [row_id] = queue(db, ["UGONE"])
    claim(db, "w1", T0)
    fail(db, row_id, error="Slack: channel_not_found", permanent=True)
    assert row(db, row_id).status == OutboxStatus.DEAD and row(db, row_id).attempts == 1
    assert len([r for r in rows(db) if r.kind == "alert"]) == 1


def test_a_dead_alert_is_never_alerted_about(db: Database) -> None:
    seed_program(db)
    [row_id] = queue(db, ["UGONE"])
    claim(db, "w1", T0)
    fail(db, row_id, permanent=True)
    [alert] = [r for r in rows(db) if r.kind == "alert"]
    claim(db, "w1", T0)
    fail(db, alert.id or 0, permanent=True)
    assert row(db, alert.id or 0).status == OutboxStatus.DEAD
    assert len(rows(db)) == 2


def test_without_a_compliance_channel_a_dead_row_is_only_logged(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    [row_id] = queue(db, ["UGONE"])
    claim(db, "w1", T0)
    fail(db, row_id, permanent=True)
    assert len(rows(db)) == 1 and "no compliance channel" in caplog.text


def test_an_outcome_from_a_sender_that_lost_its_claim_is_ignored(db: Database) -> None:
    [row_id] = queue(db, ["U1"])
    claim(db, "slow", T0)
    claim(db, "w2", T0 + LEASE + dt.timedelta(seconds=1))
    fail(db, row_id, worker="slow")
    taken = row(db, row_id)
    assert taken.status == OutboxStatus.SENDING and taken.claimed_by == "w2"


def test_released_rows_are_pending_again_at_their_slot(db: Database) -> None:
    ids = queue(db, ["C1", "C1"])
    claim(db, "w1", T0)
    later = {ids[0]: T0 + dt.timedelta(seconds=6), ids[1]: T0 + dt.timedelta(seconds=7)}
    with db.transaction() as s:
        assert release_claims(session=s, worker="w1", not_before=later) == 2
    assert [(r.status, r.next_attempt_at, r.attempts) for r in rows(db)] == [
        (OutboxStatus.PENDING, later[ids[0]], 0),
        (OutboxStatus.PENDING, later[ids[1]], 0),
    ]


def test_depth_counts_every_status(db: Database) -> None:
    seed_program(db)
    ids = queue(db, ["U1", "U2", "U3"])
    claim(db, "w1", T0)
    with db.transaction() as s:
        mark_sent(session=s, row_id=ids[0], platform_message_id="1", channel="D1", now=T0)
    fail(db, ids[1], permanent=True)
    with db.session() as s:
        # The third row is still claimed; the dead one queued its alert (pending).
        assert outbox_depth(session=s) == {"pending": 1, "sending": 1, "sent": 1, "dead": 1}


def test_a_program_channel_names_its_platform() -> None:
    assert channel_target("#soc2") == ("slack", "#soc2")
    assert channel_target("teams:conv:19:abc@thread.tacv2") == (
        "teams",
        "teams:conv:19:abc@thread.tacv2",
    )
    assert channel_target("  ") is None and channel_target(None) is None


def test_queuing_skips_keys_already_queued_across_lookup_chunks(db: Database) -> None:
    seed_program(db)

    def wave(keys: range) -> list[Outgoing]:
        return [Outgoing(f"k{n}", "slack", f"U{n}", Message(text=f"m{n}")) for n in keys]

    with db.transaction() as s:
        assert len(enqueue_messages(session=s, messages=wave(range(0, 700)))) == 700
    # 1,200 keys are looked up in three chunks (the same statement, prepared on PostgreSQL)
    for _ in range(6):
        with db.transaction() as s:
            assert queued_keys(session=s, keys=[f"k{n}" for n in range(500, 1700)]) == {
                f"k{n}" for n in range(500, 700)
            }
    with db.transaction() as s:
        assert len(enqueue_messages(session=s, messages=wave(range(600, 900)))) == 200
    with db.session() as s:
        assert outbox_depth(session=s)["pending"] == 900
