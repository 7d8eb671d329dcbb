"""Completing an access review into evidence, work and follow-ups; progress; follow-ups done."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from typing import BinaryIO

import pytest
from sqlmodel import col, select

from bot.audit.verify import verify_chain
from bot.core.db import Database
from bot.core.errors import Conflict, NotFound, PermissionDenied
from bot.evidence.local import LocalEvidenceStore
from bot.evidence.store import EvidenceStoreUnavailable, StoredFile
from bot.reviews.completion import complete_follow_up, list_open_follow_ups
from bot.reviews.csv_files import AccountRow
from bot.reviews.progress import get_review_progress
from bot.reviews.services import decide_review_item
from models import (
    AuditEvent,
    Campaign,
    CampaignKind,
    CampaignStatus,
    Evidence,
    EvidenceKind,
    FollowUp,
    FollowUpStatus,
    ItemDecision,
    OccurrenceStatus,
)
from tests.bot.reviews.review_support import (
    NOW,
    ROWS,
    actions,
    decide,
    items,
    person,
    q2,
    seed,
    start,
)


def test_the_last_decision_completes_the_review_into_evidence_work_and_follow_ups(
    db: Database, store: LocalEvidenceStore
) -> None:
    actors = seed(db)
    campaign_id = start(db, actors["raj"])
    alice, bob, carol = items(db, campaign_id)
    decide(db, actors["rita"], alice.id or 0, "keep", store)
    decide(db, actors["rita"], bob.id or 0, "revoke", store)
    outcome = decide(db, actors["rita"], carol.id or 0, "revoke", store)

    assert outcome.completed and outcome.campaign.status is CampaignStatus.COMPLETED
    with db.session() as s:
        campaign = s.get(Campaign, campaign_id)
        (file,) = s.exec(select(Evidence).where(Evidence.campaign_id == campaign_id)).all()
        on_work = s.exec(select(Evidence).where(Evidence.occurrence_id == q2(db).id)).one()
        follow_ups = s.exec(select(FollowUp).order_by(col(FollowUp.id))).all()
        gina, raj = person(s, "gina"), person(s, "raj")
    assert campaign is not None and campaign.completed_at == NOW
    assert file.original_name == f"access-review-{campaign_id}-decisions.csv"
    assert file.media_type == "text/csv" and file.kind is EvidenceKind.FILE
    stored = b"".join(store.open(file.storage_key or ""))
    assert hashlib.sha256(stored).hexdigest() == file.sha256 and file.size == len(stored)
    when, who = "2026-05-20T14:00:00Z", ["rita@acme.test", "raj@acme.test"]  # reviewer, starter
    assert list(csv.reader(io.StringIO(stored.decode()))) == [
        ["account", "system", "email", "decision", "decided_by", "decided_at", "reviewer",
         "started_by"],
        ["alice", "GitHub", "alice@acme.test", "keep", "rita@acme.test", when, *who],
        ["bob", "AWS", "bob@acme.test", "revoke", "rita@acme.test", when, *who],
        ["carol", "", "", "revoke", "rita@acme.test", when, *who],
    ]  # fmt: skip
    assert (on_work.sha256, on_work.storage_key) == (file.sha256, file.storage_key)
    work = q2(db)
    assert work.status is OccurrenceStatus.DONE and work.completed_by_id == actors["rita"].person_id
    assert [(f.title, f.assignee_id, f.due_on, f.campaign_item_id) for f in follow_ups] == [
        ("Remove access: bob (AWS)", gina.id, dt.date(2026, 5, 27), bob.id),
        ("Remove access: carol", raj.id, dt.date(2026, 5, 27), carol.id),  # the control's owner
    ]
    tail = actions(db)[-6:]
    assert tail == [
        "review.item_decided",
        "evidence.submitted",
        "occurrence.completed",
        "follow_up.created",
        "follow_up.created",
        "campaign.completed",
    ]
    with db.session() as s:
        done = s.exec(select(AuditEvent).where(AuditEvent.action == "campaign.completed")).one()
        assert verify_chain(session=s).ok
    assert (done.details["kept"], done.details["revoked"], done.details["follow_ups"]) == (1, 2, 2)
    # The completion names both who started the review and who reviewed it.
    assert (done.details["started_by"], done.details["reviewed_by"]) == (
        "raj@acme.test",
        ["rita@acme.test"],
    )


def test_follow_ups_fall_back_to_whoever_started_a_review_without_a_control(
    db: Database, store: LocalEvidenceStore
) -> None:
    actors = seed(db, timezone="Pacific/Auckland")
    campaign_id = start(db, actors["ana"], control=None, rows=[ROWS[2]])
    thursday_evening_utc = dt.datetime(2026, 5, 21, 13, 0, tzinfo=dt.UTC)  # Friday in Auckland
    with db.transaction() as s:
        outcome = decide_review_item(
            session=s,
            actor=actors["rita"],
            item_id=items(db, campaign_id)[0].id or 0,
            decision="revoke",
            now=thursday_evening_utc,
            store=store,
        )
    (follow_up,) = outcome.follow_ups
    assert follow_up.assignee_id == actors["ana"].person_id
    assert follow_up.due_on == dt.date(2026, 5, 29)  # five business days after local Friday
    assert q2(db).status is OccurrenceStatus.PENDING  # no control: no work linked


class BrokenStore:
    def put(
        self, stream: BinaryIO, *, original_name: str, media_type: str | None = None
    ) -> StoredFile:
        raise EvidenceStoreUnavailable("the evidence store is down")


def test_a_failing_store_leaves_the_last_decision_unrecorded(
    db: Database, store: LocalEvidenceStore
) -> None:
    actors = seed(db)
    campaign_id = start(db, actors["raj"], rows=[ROWS[0]])
    with pytest.raises(EvidenceStoreUnavailable):
        decide(db, actors["rita"], items(db, campaign_id)[0].id or 0, "keep", BrokenStore())
    assert items(db, campaign_id)[0].decision is ItemDecision.PENDING
    assert q2(db).status is OccurrenceStatus.PENDING
    assert actions(db)[-1] == "campaign.started"


def test_progress_counts_decisions_and_names_reviewers(
    db: Database, store: LocalEvidenceStore
) -> None:
    actors = seed(db)
    rows = [*ROWS, AccountRow("rita", "rita@acme.test", "GitHub", None)]
    campaign_id = start(db, actors["ana"], rows=rows)
    first = items(db, campaign_id)[0]
    decide(db, actors["rita"], first.id or 0, "revoke", store)
    with db.session() as s:
        progress = get_review_progress(session=s, campaign_id=campaign_id)
    assert (
        progress.total,
        progress.decided,
        progress.kept,
        progress.revoked,
        progress.pending,
    ) == (4, 1, 0, 1, 3)
    assert progress.reviewers == ["Rita Roe", "Mo Chen"] and progress.follow_ups == 0
    assert [r.item.subject for r in progress.items] == [
        "alice (GitHub)",
        "bob (AWS)",
        "carol",
        "rita (GitHub)",
    ]
    assert (progress.items[0].decided_by, progress.items[3].reviewer) == ("Rita Roe", "Mo Chen")


def test_progress_of_an_unknown_or_other_campaign_is_not_found(db: Database) -> None:
    seed(db)
    with db.transaction() as s:
        other = Campaign(kind=CampaignKind.POLICY_ACK, name="Handbook")
        s.add(other)
        s.flush()
        other_id = other.id or 0
    for campaign_id in (other_id, 999):
        with pytest.raises(NotFound), db.session() as s:
            get_review_progress(session=s, campaign_id=campaign_id)


def test_follow_ups_are_listed_for_their_assignee_and_done_once(
    db: Database, store: LocalEvidenceStore
) -> None:
    actors = seed(db)
    campaign_id = start(db, actors["raj"], rows=[ROWS[1], ROWS[2]])
    for item in items(db, campaign_id):
        decide(db, actors["rita"], item.id or 0, "revoke", store)
    with db.session() as s:
        (for_gina,) = list_open_follow_ups(session=s, person_id=actors["gina"].person_id or 0)
        (for_raj,) = list_open_follow_ups(session=s, person_id=actors["raj"].person_id or 0)
    with pytest.raises(PermissionDenied), db.transaction() as s:
        complete_follow_up(session=s, actor=actors["eve"], follow_up_id=for_gina.id or 0, now=NOW)
    with db.transaction() as s:
        done = complete_follow_up(
            session=s, actor=actors["gina"], follow_up_id=for_gina.id or 0, now=NOW
        )
        complete_follow_up(session=s, actor=actors["ana"], follow_up_id=for_raj.id or 0, now=NOW)
    assert done.status is FollowUpStatus.DONE and done.done_by_id == actors["gina"].person_id
    with pytest.raises(Conflict, match="already done"), db.transaction() as s:
        complete_follow_up(session=s, actor=actors["gina"], follow_up_id=for_gina.id or 0, now=NOW)
    with db.session() as s:
        assert list_open_follow_ups(session=s, person_id=actors["gina"].person_id or 0) == []
        events = s.exec(select(AuditEvent).where(AuditEvent.action == "follow_up.completed")).all()
        assert verify_chain(session=s).ok
    assert [e.details.get("on_behalf") for e in events] == [None, True]
