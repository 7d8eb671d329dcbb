"""The outbox sender against the fake Slack Web API: retries, dead letters, leases, kinds."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import Counter

from sqlmodel import select

from bot.core.db import Database
from bot.core.messages import Image, Message
from bot.core.payload import message_from_payload
from bot.outbox.delivery import claim_batch
from bot.outbox.inbound import find_message
from bot.web.metrics import Metrics
from models import Occurrence, OutboxMessage, OutboxStatus
from schedules.sender import SenderPolicy
from tests.factories import generate, make_control, make_person, make_program, make_task
from tests.handlers.slack.fake_slack import FakeSlack
from tests.outbox_support import T0, FakeClock, queue, row, rows
from tests.schedules.sender_support import (
    SOC2,
    drain,
    make_sender,
    posted_to,
    slack_answer,
    slack_port,
)

PNG = b"\x89PNG\r\n\x1a\n" + b"chart" * 200


def test_a_due_message_is_posted_once_and_recorded(
    db: Database, slack: FakeSlack, clock: FakeClock
) -> None:
    [row_id] = queue(db, ["URAJ"])
    sender = make_sender(db, slack, clock)
    assert asyncio.run(sender.run_once()) == 1
    assert asyncio.run(sender.run_once()) == 0
    sent = row(db, row_id)
    assert sent.status == OutboxStatus.SENT and sent.platform_message_id == "1700000000.000100"
    assert len(slack.calls_to("chat.postMessage")) == 1


def test_a_slack_429_is_retried_after_its_retry_after_and_delivered_once(
    db: Database, slack: FakeSlack, clock: FakeClock
) -> None:
    [row_id] = queue(db, ["URAJ"])
    slack.fail_next("chat.postMessage", status=429, retry_after=7)
    sender = make_sender(db, slack, clock)
    asyncio.run(sender.run_once())
    waiting = row(db, row_id)
    assert waiting.status == OutboxStatus.PENDING and waiting.attempts == 0
    assert T0 + dt.timedelta(seconds=7) <= waiting.next_attempt_at <= T0 + dt.timedelta(seconds=8)
    clock.advance(5)
    assert asyncio.run(sender.run_once()) == 0  # not before Retry-After
    clock.set(waiting.next_attempt_at)
    assert asyncio.run(sender.run_once()) == 1
    assert row(db, row_id).status == OutboxStatus.SENT
    assert [c.args["channel"] for c in slack.calls_to("chat.postMessage")] == ["URAJ", "URAJ"]


def test_a_recipient_that_keeps_failing_is_dead_after_n_attempts_with_one_alert(
    db: Database, slack: FakeSlack, clock: FakeClock
) -> None:
    with db.transaction() as s:
        make_program(s)  # compliance channel #soc2
    broken = {"ok": False, "error": "internal_error"}
    slack.respond(
        "chat.postMessage",
        lambda c: broken if c.args["channel"] == "UGONE" else slack_answer(slack, c),
    )
    [row_id] = queue(db, ["UGONE"])
    sender = make_sender(db, slack, clock, policy=SenderPolicy(max_attempts=4))
    drain(db, sender, clock)
    dead = row(db, row_id)
    assert dead.status == OutboxStatus.DEAD and dead.attempts == 4
    assert len(posted_to(slack, "UGONE")) == 4
    [alert] = posted_to(slack, SOC2)
    assert "test:0" in str(alert.args["blocks"]) and "internal_error" in str(alert.args["blocks"])
    drain(db, sender, clock)
    assert len(posted_to(slack, SOC2)) == 1
    assert Counter(r.status for r in rows(db)) == {OutboxStatus.DEAD: 1, OutboxStatus.SENT: 1}


def test_a_permanent_refusal_is_dead_at_once_and_an_undeliverable_alert_is_not_alerted(
    db: Database, slack: FakeSlack, clock: FakeClock
) -> None:
    with db.transaction() as s:
        make_program(s)
    slack.respond("chat.postMessage", {"ok": False, "error": "channel_not_found"})
    [row_id] = queue(db, ["UGONE"])
    drain(db, make_sender(db, slack, clock), clock)
    assert row(db, row_id).attempts == 1
    assert [r.status for r in rows(db)] == [OutboxStatus.DEAD, OutboxStatus.DEAD]
    assert len(posted_to(slack, SOC2)) == 1 and len(rows(db)) == 2


def test_a_row_whose_claimer_crashed_is_reclaimed_after_the_lease_and_sent_once(
    db: Database, slack: FakeSlack, clock: FakeClock
) -> None:
    [row_id] = queue(db, ["URAJ"])
    lease = dt.timedelta(seconds=60)
    with db.transaction() as s:  # a sender that claimed the row, then died
        claim_batch(session=s, worker="crashed", now=T0, limit=10, lease=lease)
    sender = make_sender(db, slack, clock, lease=lease)
    clock.advance(30)
    assert asyncio.run(sender.run_once()) == 0
    clock.advance(31)
    assert asyncio.run(sender.run_once()) == 1
    sent = row(db, row_id)
    assert sent.status == OutboxStatus.SENT and sent.claimed_by == "w1"
    assert len(slack.calls_to("chat.postMessage")) == 1


def test_a_send_that_landed_before_its_claimer_crashed_is_not_sent_again(
    db: Database, slack: FakeSlack, clock: FakeClock
) -> None:
    [row_id] = queue(db, ["URAJ"])
    lease = dt.timedelta(seconds=60)
    with db.transaction() as s:  # a sender claimed the row, posted it, and died before recording
        [claimed] = claim_batch(session=s, worker="crashed", now=T0, limit=10, lease=lease)
    message = message_from_payload(claimed.payload)
    asyncio.run(slack_port(slack).send("URAJ", message, key=claimed.idempotency_key))
    clock.advance(61)
    assert asyncio.run(make_sender(db, slack, clock, lease=lease).run_once()) == 1
    recovered = row(db, row_id)
    assert recovered.status == OutboxStatus.SENT
    assert len(slack.calls_to("chat.postMessage")) == 1  # found in the DM's history instead
    [history] = slack.calls_to("conversations.history")
    assert history.args["channel"] == "DURAJ"
    assert recovered.platform_message_id == "1700000000.000100"  # the fake's first message


def test_a_message_for_a_platform_without_a_port_waits_with_the_reason(
    db: Database, slack: FakeSlack, clock: FakeClock
) -> None:
    [row_id] = queue(db, ["teams:user:aad-raj"], platform="teams")
    assert asyncio.run(make_sender(db, slack, clock).run_once()) == 0
    waiting = row(db, row_id)
    assert waiting.status == OutboxStatus.PENDING and waiting.attempts == 0
    assert "no chat port for platform 'teams'" in (waiting.last_error or "")


def test_a_sent_reminder_is_linked_so_files_in_its_thread_count(
    db: Database, slack: FakeSlack, clock: FakeClock
) -> None:
    with db.transaction() as s:
        make_program(s)
        raj = make_person(s)
        make_task(s, make_control(s, owner=raj))
        generate(s, now=T0)
        occurrence_id = s.exec(select(Occurrence.id)).first()
    queue(db, ["URAJ"], meta={"occurrence_id": occurrence_id})
    asyncio.run(make_sender(db, slack, clock).run_once())
    with db.session() as s:
        link = find_message(
            session=s, platform="slack", channel="DURAJ", message_id="1700000000.000100"
        )
    assert link is not None and link.occurrence_id == occurrence_id


def test_an_update_row_edits_the_posted_message(
    db: Database, slack: FakeSlack, clock: FakeClock
) -> None:
    queue(db, ["C1"], meta={"message_id": "1700000000.000100"})
    with db.transaction() as s:
        for r in s.exec(select(OutboxMessage)).all():
            r.kind = "update"
            s.add(r)
    asyncio.run(make_sender(db, slack, clock).run_once())
    update = slack.last("chat.update").args
    assert (update["channel"], update["ts"]) == ("C1", "1700000000.000100")
    assert slack.calls_to("chat.postMessage") == []


def test_a_chart_message_is_uploaded_with_the_external_flow(
    db: Database, slack: FakeSlack, clock: FakeClock
) -> None:
    digest = Message(title="Digest", images=(Image("digest.png", "Trend", PNG),), ephemeral=False)
    queue(db, ["C0LEADS"], message=digest)
    asyncio.run(make_sender(db, slack, clock).run_once())
    [file_id] = [f["id"] for f in slack.last("files.completeUploadExternal").args["files"]]
    stored = slack.file(file_id)
    assert stored is not None and stored[1] == PNG
    assert slack.last("files.completeUploadExternal").args["channel_id"] == "C0LEADS"


def test_outcomes_are_counted_and_depth_is_scraped(
    db: Database, slack: FakeSlack, clock: FakeClock
) -> None:
    metrics = Metrics(lambda: db)
    queue(db, ["URAJ", "UEVE"])
    slack.fail_next("chat.postMessage", status=429, retry_after=3)
    asyncio.run(make_sender(db, slack, clock, observer=metrics).run_once())
    text = metrics.render().decode()
    assert 'soc2bot_outbox_sent_total{platform="slack"} 1.0' in text
    assert 'soc2bot_outbox_failed_total{outcome="rate_limited",platform="slack"} 1.0' in text
    assert 'soc2bot_outbox_depth{status="pending"} 1.0' in text
    assert 'soc2bot_outbox_depth{status="sent"} 1.0' in text
