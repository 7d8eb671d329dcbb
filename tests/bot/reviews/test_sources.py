"""Pulled reviews end to end: due work, pull and start, prompts, and pulls that fail."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

import pytest
from sqlmodel import col, select

from bot.connectors.facts import Account, Population, SourceError
from bot.core.db import Database
from bot.core.errors import InvalidInput, NotFound
from bot.evidence.local import LocalEvidenceStore
from bot.reviews.sources import (
    current_review_work,
    due_review_work,
    pull_and_start,
    start_due_reviews,
)
from models import (
    AuditEvent,
    Campaign,
    ChatIdentity,
    Occurrence,
    OccurrenceStatus,
    OutboxMessage,
    Task,
)
from tests.bot.reviews.review_support import NOW, person, q2
from tests.bot.reviews.test_pulled import SOURCE, TEAM, population, world

SECRET = "ghp_s3cr3t-token-value"
ENV = {"GITHUB_TOKEN": SECRET}


class FakePull:
    """The source: answers with `accounts`, or raises `error`; records what it was asked."""

    def __init__(self, *accounts: Account, error: SourceError | None = None) -> None:
        self.accounts, self.error = accounts or TEAM, error
        self.calls: list[tuple[dict[str, Any], Mapping[str, str]]] = []

    def __call__(
        self, spec: dict[str, Any], *, env: Mapping[str, str], now: dt.datetime
    ) -> Population:
        self.calls.append((spec, env))
        if self.error:
            raise self.error
        return population(*self.accounts, at=now)


def run(db: Database, store: LocalEvidenceStore, pull: FakePull, now: dt.datetime = NOW) -> Any:
    return pull_and_start(
        db=db, store=store, env=ENV, now=now, occurrence_id=q2(db).id or 0, pull=pull
    )


def outbox(db: Database) -> list[OutboxMessage]:
    with db.session() as s:
        return list(s.exec(select(OutboxMessage).order_by(col(OutboxMessage.id))).all())


def audit(db: Database, action: str) -> list[AuditEvent]:
    with db.session() as s:
        return list(s.exec(select(AuditEvent).where(AuditEvent.action == action)).all())


def text(row: OutboxMessage) -> str:
    return json.dumps(row.payload, ensure_ascii=False)


def unauthorized() -> SourceError:
    return SourceError(
        "GitHub organization acme", "the token was refused (401)", kind="unauthorized"
    )


def test_due_work_is_each_tasks_current_period_while_its_review_has_not_started(
    db: Database, store: LocalEvidenceStore
) -> None:
    world(db)
    with db.session() as s:  # Q1 is still open too, but a pull today shows today's accounts
        assert due_review_work(session=s, now=NOW) == [q2(db).id]
    run(db, store, FakePull())
    with db.session() as s:
        assert due_review_work(session=s, now=NOW) == []


def test_closed_current_work_leaves_older_work_to_a_start_by_hand(db: Database) -> None:
    world(db)
    with db.transaction() as s:
        occ = s.exec(select(Occurrence).where(Occurrence.period_key == "2026-Q2")).one()
        occ.status = OccurrenceStatus.SKIPPED
        s.add(occ)
    with db.session() as s:
        q1 = s.exec(select(Occurrence).where(Occurrence.period_key == "2026-Q1")).one()
        assert due_review_work(session=s, now=NOW) == []
        assert current_review_work(session=s, task_key="prod-access-review", now=NOW) == q1.id


def test_work_without_a_source_is_never_due(db: Database) -> None:
    world(db)
    with db.session() as s:
        task = s.exec(select(Task)).one()
        task.review = {"channel": "C123"}  # a review from a CSV: nothing to pull
        s.add(task)
        s.flush()
        assert due_review_work(session=s, now=NOW) == []


def test_review_start_finds_the_tasks_current_work(db: Database) -> None:
    world(db)
    with db.session() as s:
        assert current_review_work(session=s, task_key=" Prod-Access-Review ", now=NOW) == q2(db).id
        with pytest.raises(NotFound, match="no task nope"):
            current_review_work(session=s, task_key="nope", now=NOW)
        task = s.exec(select(Task)).one()
        task.review = None
        s.add(task)
        s.flush()
        with pytest.raises(InvalidInput, match="attach a CSV"):
            current_review_work(session=s, task_key="prod-access-review", now=NOW)


def test_a_pull_starts_the_review_and_prompts_its_channel(
    db: Database, store: LocalEvidenceStore
) -> None:
    world(db, reviewer="owner")
    pull = FakePull()
    outcome = run(db, store, pull)
    assert outcome.failure is None and outcome.task_key == "prod-access-review"
    assert outcome.started is not None and outcome.started.accounts == 4
    assert pull.calls == [(SOURCE, ENV)]
    (prompt,) = outbox(db)
    (campaign_id,) = outcome.started.campaign_ids
    assert (prompt.platform, prompt.recipient) == ("slack", "C123")
    assert prompt.idempotency_key == f"review-prompt:{campaign_id}"
    assert prompt.payload["meta"] == {"campaign_id": campaign_id, "chat_kind": "review_prompt"}
    assert "ghost" in text(prompt)


def test_a_split_review_goes_to_each_manager_by_dm_with_a_summary_in_the_channel(
    db: Database, store: LocalEvidenceStore
) -> None:
    world(db)
    with db.transaction() as s:  # Gina has not linked a chat account yet
        gina = person(s, "gina")
        s.delete(s.exec(select(ChatIdentity).where(ChatIdentity.person_id == gina.id)).one())
    outcome = run(db, store, FakePull())
    assert outcome.started is not None and outcome.started.split
    rows = outbox(db)
    assert [(r.platform, r.recipient) for r in rows] == [
        ("slack", "UMO"),  # Mo Chen's team
        ("slack", "URAJ"),  # the accounts with no manager
        ("slack", "C123"),  # the summary
    ]
    summary = text(rows[-1])
    assert rows[-1].idempotency_key == f"review-summary:{outcome.started.occurrence_id}"
    assert "4 accounts pulled from GitHub organization acme, 2 flagged" in summary
    assert "Gina: 1 account, 1 flagged (not sent: no chat account linked yet)" in summary
    assert "Mo Chen: 1 account" in summary and "Raj Iyer: 2 accounts, 1 flagged" in summary
    assert outcome.started.snapshot_sha256[:16] in summary
    assert "rita-gh" in text(rows[0]) and "ghost" not in text(rows[0])


def test_a_failed_pull_starts_nothing_and_tells_the_owner_once_a_day(
    db: Database, store: LocalEvidenceStore
) -> None:
    world(db)
    pull = FakePull(error=unauthorized())
    outcome = run(db, store, pull)
    assert outcome.started is None and outcome.kind == "unauthorized"
    assert outcome.failure == "GitHub organization acme: the token was refused (401)"
    with db.session() as s:
        assert s.exec(select(Campaign)).all() == []
    (notice,) = outbox(db)
    assert (notice.platform, notice.recipient) == ("slack", "URAJ")
    assert "the token was refused (401)" in text(notice) and "Renew the credentials" in text(notice)
    (event,) = audit(db, "review.pull_failed")
    assert event.subject_id == str(q2(db).id)
    assert event.details == {
        "task": "prod-access-review",
        "kind": "unauthorized",
        "reason": "GitHub organization acme: the token was refused (401)",
    }
    run(db, store, pull, now=NOW + dt.timedelta(hours=3))  # same day: nothing new
    assert len(outbox(db)) == 1 and len(audit(db, "review.pull_failed")) == 1
    timeout = SourceError("GitHub organization acme", "no answer in 30 s", kind="timeout")
    run(db, store, FakePull(error=timeout), now=NOW + dt.timedelta(hours=4))  # another reason
    run(db, store, pull, now=NOW + dt.timedelta(days=1))  # the next day: told again
    assert len(outbox(db)) == 3 and len(audit(db, "review.pull_failed")) == 3
    assert pull.calls[0][1] == ENV  # the pull had the credentials…
    for row in outbox(db):  # …which no message and no audit event repeats
        assert SECRET not in text(row)
    assert all(SECRET not in json.dumps(e.details) for e in audit(db, "review.pull_failed"))


def test_without_the_owners_chat_account_the_compliance_channel_hears_it(
    db: Database, store: LocalEvidenceStore
) -> None:
    world(db)
    with db.transaction() as s:
        raj = person(s, "raj")
        s.delete(s.exec(select(ChatIdentity).where(ChatIdentity.person_id == raj.id)).one())
    run(db, store, FakePull(error=unauthorized()))
    (notice,) = outbox(db)
    assert (notice.platform, notice.recipient) == ("slack", "#soc2")


def test_a_review_nobody_else_can_take_is_not_started_and_the_owner_is_told(
    db: Database, store: LocalEvidenceStore
) -> None:
    world(db, reviewer="owner")
    with db.transaction() as s:
        raj = person(s, "raj")
        raj.manager_id = None
        s.add(raj)
    outcome = run(db, store, FakePull(*TEAM, Account("105", "raj", email="raj@acme.test")))
    assert outcome.started is None and outcome.kind == "invalid"
    assert outcome.failure is not None and "Nobody else can review raj" in outcome.failure
    with db.session() as s:
        assert s.exec(select(Campaign)).all() == []
    (notice,) = outbox(db)
    assert "give Raj Iyer a manager in the catalog" in text(notice)


def test_the_tick_starts_the_due_review_once(db: Database, store: LocalEvidenceStore) -> None:
    world(db, reviewer="owner")
    pull = FakePull()
    (outcome,) = start_due_reviews(db=db, store=store, env=ENV, now=NOW, pull=pull)
    assert outcome.started is not None and outcome.occurrence_id == q2(db).id
    assert start_due_reviews(db=db, store=store, env=ENV, now=NOW, pull=pull) == []
    assert len(pull.calls) == 1
