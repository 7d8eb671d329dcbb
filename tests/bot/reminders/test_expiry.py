"""Reminders before evidence expires: the policy's steps plus 30 days, once each, to its owner."""

from __future__ import annotations

import datetime as dt

from sqlmodel import col, select

from bot.core.db import Database
from bot.core.payload import message_from_payload
from bot.core.plain import render_plain
from bot.reminders.expiry import queue_expiry_reminders
from models import ChatIdentity, Occurrence, OutboxMessage, Person
from schedules.decisions import SERVICES
from tests.bot.evidence.expiry_support import NOW, World, attest, expire, occurrence, seed

UTC = dt.UTC
APR_2 = dt.datetime(2026, 4, 2, 14, 0, tzinfo=UTC)
LAST_DAY = dt.date(2026, 6, 26)  # a Friday; its report counts through that day
# 09:30 in New York (EDT) on the days the default policy's steps fall, and 30 days before.
STEP_30D = dt.datetime(2026, 5, 27, 13, 30, tzinfo=UTC)
STEP_7D = dt.datetime(2026, 6, 19, 13, 30, tzinfo=UTC)


def link(db: Database, email: str, slack_id: str) -> None:
    with db.transaction() as s:
        person = s.exec(select(Person).where(Person.email == email)).one()
        s.add(ChatIdentity(person_id=person.id or 0, platform="slack", external_id=slack_id))


def tick(db: Database, now: dt.datetime) -> int:
    with db.transaction() as s:
        return queue_expiry_reminders(session=s, now=now)


def outbox(db: Database) -> list[OutboxMessage]:
    with db.session() as s:
        return list(s.exec(select(OutboxMessage).order_by(col(OutboxMessage.id))).all())


def expiring_q2(db: Database) -> tuple[World, int]:
    w = seed(db)
    link(db, "raj@acme.test", "URAJ")
    evidence = attest(w, "2026-Q2", APR_2)
    expire(w, evidence, LAST_DAY)
    return w, evidence


def test_the_owner_is_reminded_once_per_step_with_the_attach_button(db: Database) -> None:
    _, evidence = expiring_q2(db)
    assert tick(db, STEP_30D - dt.timedelta(minutes=1)) == 0  # before send_at
    assert tick(db, STEP_30D) == 1
    assert tick(db, STEP_30D + dt.timedelta(hours=2)) == 0
    assert tick(db, STEP_30D + dt.timedelta(days=1)) == 0  # nothing new between steps
    assert tick(db, STEP_7D) == 1
    first, second = outbox(db)
    assert first.idempotency_key == f"expiry:{evidence}:before-30d:2026-05-27"
    assert second.idempotency_key == f"expiry:{evidence}:before-7d:2026-06-19"
    assert (first.platform, first.recipient) == ("slack", "URAJ")
    message = message_from_payload(first.payload)
    q2 = occurrence(db, "2026-Q2")
    text = render_plain(message)
    assert (
        "“Vendor SOC 2 report” evidence expires on Fri 26 Jun 2026: attach a renewed one." in text
    )
    assert [b.action_id for b in message.buttons] == [f"occ_attach:{q2}"]
    assert first.payload["meta"]["occurrence_id"] == q2  # a file replied there renews it


def test_a_step_missed_over_a_weekend_goes_out_on_monday_and_none_after_expiry(
    db: Database,
) -> None:
    expiring_q2(db)
    saturday = dt.datetime(2026, 5, 30, 13, 30, tzinfo=UTC)
    assert tick(db, saturday) == 0
    assert tick(db, saturday + dt.timedelta(days=2)) == 1  # Monday: the 30-day notice, once
    assert tick(db, saturday + dt.timedelta(days=3)) == 0
    assert tick(db, dt.datetime(2026, 6, 29, 13, 30, tzinfo=UTC)) == 0  # expired on the 26th
    assert [m.idempotency_key.split(":")[2] for m in outbox(db)] == ["before-30d"]


def test_the_reminder_goes_to_the_works_assignee_before_the_controls_owner(db: Database) -> None:
    expiring_q2(db)
    link(db, "eve@acme.test", "UEVE")
    with db.transaction() as s:
        eve = s.exec(select(Person).where(Person.email == "eve@acme.test")).one()
        q2 = s.get(Occurrence, occurrence(db, "2026-Q2"))
        assert q2 is not None
        q2.assignee_id = eve.id
        s.add(q2)
    assert tick(db, STEP_30D) == 1
    assert outbox(db)[0].recipient == "UEVE"


def test_evidence_of_a_past_period_says_where_the_renewal_goes(db: Database) -> None:
    w = seed(db)
    link(db, "raj@acme.test", "URAJ")
    evidence = attest(w, "2026-Q1", dt.datetime(2026, 1, 10, 15, 0, tzinfo=UTC))
    expire(w, evidence, LAST_DAY)
    assert tick(db, STEP_30D) == 1
    (sent,) = outbox(db)
    message = message_from_payload(sent.payload)
    q2 = occurrence(db, "2026-Q2")
    assert message.buttons == ()
    assert f"attach the renewal to #{q2}, the current period" in render_plain(message)
    assert "occurrence_id" not in sent.payload["meta"]


def test_renewed_evidence_is_not_reminded(db: Database) -> None:
    w, _ = expiring_q2(db)
    attest(w, "2026-Q1", NOW)  # later evidence of the same task: the current one, no expiry
    assert tick(db, STEP_30D) == 0


def test_an_owner_nobody_can_reach_is_told_to_the_compliance_channel_once(db: Database) -> None:
    w = seed(db)
    expire(w, attest(w, "2026-Q2", APR_2), LAST_DAY)
    assert tick(db, STEP_30D) == 1
    assert tick(db, STEP_7D) == 0
    (notice,) = outbox(db)
    assert (notice.kind, notice.recipient) == ("alert", "#soc2")
    assert "I cannot remind Raj Iyer <raj@acme.test>" in render_plain(
        message_from_payload(notice.payload)
    )


def test_the_reminder_tick_queues_expiry_reminders_too(db: Database) -> None:
    expiring_q2(db)
    with db.transaction() as s:
        queued = SERVICES.reminders(s, STEP_30D)
    assert queued >= 1
    assert any(m.idempotency_key.startswith("expiry:") for m in outbox(db))
