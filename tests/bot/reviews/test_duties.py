"""Segregation of duties in access reviews: who may start, review, decide and page one."""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot.core.db import Database
from bot.core.errors import InvalidInput, PermissionDenied
from bot.evidence.local import LocalEvidenceStore
from bot.reviews.csv_files import AccountRow
from bot.reviews.services import review_progress_for, start_access_review
from models import AuditEvent, Campaign, CampaignItem, ItemDecision
from tests.bot.reviews.review_support import NOW, ROWS, actions, decide, items, person, seed, start


@pytest.mark.parametrize(("who", "control"), [("eve", "CC6.1-AR"), ("raj", None), ("audrey", None)])
def test_members_who_do_not_own_the_control_and_auditors_cannot_start(
    db: Database, who: str, control: str | None
) -> None:
    actors = seed(db)
    with pytest.raises(PermissionDenied, match="admin or the control's owner"):
        start(db, actors[who], control=control)
    with db.session() as s:
        assert s.exec(select(Campaign)).all() == []


def test_an_inactive_reviewer_is_refused(db: Database) -> None:
    actors = seed(db)
    with db.transaction() as s:
        eve = person(s, "eve")
        eve.active = False
        s.add(eve)
    with pytest.raises(InvalidInput, match="not active"):
        start(db, actors["ana"], reviewer="eve")


def test_the_reviewers_own_account_goes_to_their_manager(db: Database) -> None:
    actors = seed(db)
    rows = [*ROWS, AccountRow("rita", "rita@acme.test", "GitHub", None)]
    campaign_id = start(db, actors["ana"], rows=rows)
    with db.session() as s:
        rita, mo = person(s, "rita"), person(s, "mo")
    assert [i.reviewer_id for i in items(db, campaign_id)] == [rita.id, rita.id, rita.id, mo.id]


def test_without_a_manager_the_own_account_goes_to_whoever_started_the_review(
    db: Database,
) -> None:
    actors = seed(db)
    campaign_id = start(
        db, actors["ana"], rows=[AccountRow("eve", "eve@acme.test", None, None)], reviewer="eve"
    )
    assert items(db, campaign_id)[0].reviewer_id == actors["ana"].person_id


def test_an_own_account_nobody_else_can_review_is_refused(db: Database) -> None:
    actors = seed(db)  # Ana has no manager and starts a review she reviews herself
    rows = [AccountRow("ana", "ana@acme.test", "AWS", None)]
    with pytest.raises(InvalidInput, match="Nobody else can review ana's own account"):
        start(db, actors["ana"], rows=rows, reviewer="ana", control=None)


def test_nobody_decides_on_their_own_account_even_when_assigned(
    db: Database, store: LocalEvidenceStore
) -> None:
    actors = seed(db)
    rows = [AccountRow("rita", "rita@acme.test", "GitHub", None)]
    own = items(db, start(db, actors["ana"], rows=rows))[0]
    with db.transaction() as s:  # e.g. reassigned by hand in the database
        row = s.get(CampaignItem, own.id)
        assert row is not None
        row.reviewer_id = actors["rita"].person_id
        s.add(row)
    with pytest.raises(PermissionDenied, match="you cannot decide on your own account"):
        decide(db, actors["rita"], own.id or 0, "keep", store)
    assert items(db, own.campaign_id)[0].decision is ItemDecision.PENDING


def test_the_controls_owner_reviews_it_only_when_an_admin_writes_why(db: Database) -> None:
    actors = seed(db)
    with pytest.raises(PermissionDenied, match="Raj Iyer owns CC6.1-AR"):
        start(db, actors["raj"], reviewer="raj")
    with pytest.raises(InvalidInput, match="give the reason"):
        start(db, actors["ana"], reviewer="raj")
    assert actions(db)[-1] != "campaign.started"
    with db.transaction() as s:
        campaign = start_access_review(
            session=s, actor=actors["ana"], name="Q2", rows=ROWS, reviewer=person(s, "raj"),
            channel="C1", now=NOW, control_key="CC6.1-AR", reason="  only Raj knows  the roles ",
        )  # fmt: skip
        assert campaign.details["owner_review_reason"] == "only Raj knows the roles"
        event = s.exec(select(AuditEvent).where(AuditEvent.action == "campaign.started")).one()
    assert event.details["owner_review_reason"] == "only Raj knows the roles"


def test_own_accounts_are_recognised_by_handle_without_an_email(db: Database) -> None:
    actors = seed(db)
    names = ["rita", "Rita Roe", "rita.roe", "RitaRoe", "@rita", "rita@acme.test", "ritual"]
    rows = [AccountRow(n, None, None, None) for n in names]
    campaign_id = start(db, actors["ana"], rows=rows, control=None)
    with db.session() as s:
        rita, mo = person(s, "rita"), person(s, "mo")
    assert [i.reviewer_id for i in items(db, campaign_id)] == [mo.id] * 6 + [rita.id]


def test_an_auditor_as_system_owner_is_refused(db: Database) -> None:
    actors = seed(db)
    rows = [AccountRow("svc", None, "AWS", "audrey@acme.test")]
    with pytest.raises(InvalidInput, match="audrey@acme.test cannot be a system owner"):
        start(db, actors["ana"], rows=rows)
    with db.session() as s:
        assert s.exec(select(Campaign)).all() == []


def test_only_a_reviews_people_may_page_it(db: Database) -> None:
    actors = seed(db)
    campaign_id = start(db, actors["raj"])  # Raj starts; Rita reviews
    for who in ("raj", "rita", "ana"):
        with db.session() as s:
            progress = review_progress_for(session=s, actor=actors[who], campaign_id=campaign_id)
            assert progress.total == 3
    for who in ("eve", "audrey", "mo"):
        with db.session() as s, pytest.raises(PermissionDenied, match="not yours"):
            review_progress_for(session=s, actor=actors[who], campaign_id=campaign_id)
