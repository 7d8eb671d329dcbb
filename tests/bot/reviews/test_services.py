"""Access reviews: starting one from a list of accounts, deciding its items one by one."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import select

from bot.core.db import Database
from bot.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from bot.evidence.local import LocalEvidenceStore
from models import (
    AuditEvent,
    Campaign,
    CampaignKind,
    CampaignStatus,
    Evidence,
    EvidenceKind,
    ItemDecision,
    Platform,
)
from tests.bot.reviews.review_support import NOW, actions, decide, items, person, q2, seed, start


def test_admin_starts_a_review_with_one_item_per_account(db: Database) -> None:
    actors = seed(db)
    campaign_id = start(db, actors["ana"], control=None)
    with db.session() as s:
        campaign = s.get(Campaign, campaign_id)
        rita, gina = person(s, "rita"), person(s, "gina")
        event = s.exec(select(AuditEvent).where(AuditEvent.action == "campaign.started")).one()
    assert campaign is not None and campaign.kind is CampaignKind.ACCESS_REVIEW
    assert (campaign.channel, campaign.details, campaign.occurrence_id) == (
        "C123",
        {"accounts": 3},
        None,
    )
    got = [
        (i.subject, i.subject_email, i.system_owner_id, i.reviewer_id)
        for i in items(db, campaign_id)
    ]
    assert got == [
        ("alice (GitHub)", "alice@acme.test", gina.id, rita.id),
        ("bob (AWS)", "bob@acme.test", gina.id, rita.id),
        ("carol", None, None, rita.id),  # unknown owner and no control: nobody
    ]
    assert event.subject_id == str(campaign_id)
    assert event.details["accounts"] == 3 and event.details["reviewer"] == "rita@acme.test"


def test_control_owner_starts_a_review_that_proves_the_current_work(db: Database) -> None:
    actors = seed(db)
    campaign_id = start(db, actors["raj"])
    with db.session() as s:
        campaign, raj = s.get(Campaign, campaign_id), person(s, "raj")
    assert campaign is not None and campaign.occurrence_id == q2(db).id
    assert items(db, campaign_id)[2].system_owner_id == raj.id  # unknown owner: the control's


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"reviewer": "audrey"}, "auditor"),
        ({"name": "  "}, "name of 1 to 200"),
        ({"name": "x" * 201}, "name of 1 to 200"),
        ({"rows": []}, "no accounts"),
    ],
)
def test_bad_start_input_is_refused(db: Database, kwargs: dict[str, Any], message: str) -> None:
    actors = seed(db)
    with pytest.raises(InvalidInput, match=message):
        start(db, actors["ana"], **kwargs)


def test_the_assigned_reviewer_decides_and_it_is_attested(
    db: Database, store: LocalEvidenceStore
) -> None:
    actors = seed(db)
    first = items(db, start(db, actors["ana"]))[0]
    outcome = decide(db, actors["rita"], first.id or 0, "keep", store)
    assert not outcome.completed and outcome.follow_ups == []
    decided = items(db, first.campaign_id)[0]
    assert decided.decision is ItemDecision.KEEP and decided.decided_at == NOW
    assert decided.decided_by_id == actors["rita"].person_id
    with db.session() as s:
        ev = s.exec(select(Evidence).where(Evidence.campaign_item_id == first.id)).one()
    assert ev.kind is EvidenceKind.ATTESTATION and ev.statement == "Keep access: alice (GitHub)"
    assert ev.platform is Platform.SLACK and ev.submitted_by_id == actors["rita"].person_id
    assert actions(db)[-1] == "review.item_decided"


@pytest.mark.parametrize("who", ["eve", "ana", "audrey"])
def test_someone_else_is_told_not_yours_and_nothing_is_recorded(
    db: Database, store: LocalEvidenceStore, who: str
) -> None:
    actors = seed(db)
    first = items(db, start(db, actors["ana"]))[0]
    before = actions(db)
    with pytest.raises(PermissionDenied, match="only the reviewer assigned to this item"):
        decide(db, actors[who], first.id or 0, "revoke", store)
    assert items(db, first.campaign_id)[0].decision is ItemDecision.PENDING
    assert actions(db) == before
    with db.session() as s:
        assert s.exec(select(Evidence)).all() == []


def test_a_second_decision_on_an_item_conflicts_and_says_who_decided(
    db: Database, store: LocalEvidenceStore
) -> None:
    actors = seed(db)
    first = items(db, start(db, actors["ana"]))[0]
    decide(db, actors["rita"], first.id or 0, "keep", store)
    with pytest.raises(Conflict, match="already decided .keep. by Rita Roe on 20 May 2026"):
        decide(db, actors["rita"], first.id or 0, "revoke", store)


def test_unknown_items_and_closed_reviews_are_refused(
    db: Database, store: LocalEvidenceStore
) -> None:
    actors = seed(db)
    campaign_id = start(db, actors["ana"])
    with pytest.raises(NotFound):
        decide(db, actors["rita"], 999, "keep", store)
    with db.transaction() as s:
        campaign = s.get(Campaign, campaign_id)
        assert campaign is not None
        campaign.status = CampaignStatus.CANCELLED
        s.add(campaign)
    with pytest.raises(Conflict, match="cancelled"):
        decide(db, actors["rita"], items(db, campaign_id)[0].id or 0, "keep", store)
