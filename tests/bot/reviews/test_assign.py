"""Who decides each pulled account: managers' shares, the owner's orphans, never oneself."""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot.connectors.facts import Account
from bot.core.db import Database
from bot.core.errors import InvalidInput, PermissionDenied
from bot.evidence.local import LocalEvidenceStore
from bot.reviews.assign import ORPHAN_REASON, OWNER_REASON, STAND_IN_REASON, assign_reviewers
from bot.reviews.population import map_population
from models import AuditEvent, Campaign, CampaignItem, Control, ItemDecision, Role
from tests.bot.reviews.review_support import NOW, decide, person
from tests.bot.reviews.test_pulled import (
    TEAM,
    population,
    shares,
    start,
    stored_files,
    world,
)
from tests.reliability.world import changed, fingerprint


def test_each_manager_gets_a_campaign_of_only_their_reports_accounts(
    db: Database, store: LocalEvidenceStore
) -> None:
    world(db)
    started = start(db, store)
    assert started.split and len(started.campaign_ids) == 3
    by_reviewer = shares(db, started)
    assert {r: [i.subject for i in got] for r, got in by_reviewer.items()} == {
        "Gina": ["eve"],
        "Mo Chen": ["rita-gh"],
        # nobody for "ghost", and Mo has no manager: the control's owner takes both
        "Raj Iyer": ["ghost", "mo.chen"],
    }
    with db.session() as s:
        ids = {n: person(s, n).id for n in ("gina", "mo", "raj")}
        campaigns = [s.get(Campaign, cid) for cid in started.campaign_ids]
        events = s.exec(select(AuditEvent).where(AuditEvent.action == "campaign.started")).all()
    assert [{i.reviewer_id for i in got} for got in by_reviewer.values()] == [
        {ids["gina"]}, {ids["mo"]}, {ids["raj"]},
    ]  # fmt: skip
    assert [c.name for c in campaigns if c] == [
        "Review production access · 2026-Q2 · Gina's team",
        "Review production access · 2026-Q2 · Mo Chen's team",
        "Review production access · 2026-Q2 · Raj Iyer (accounts with no manager)",
    ]
    reasons = [c.details.get("owner_review_reason") for c in campaigns if c]
    assert reasons == [None, None, ORPHAN_REASON]
    assert [e.details.get("owner_review_reason") for e in events] == reasons
    assert [e.details["reviewer"] for e in events] == [
        "gina@acme.test", "mo@acme.test", "raj@acme.test",
    ]  # fmt: skip


def test_a_manager_cannot_decide_another_managers_account(
    db: Database, store: LocalEvidenceStore
) -> None:
    actors = world(db)
    by_reviewer = shares(db, start(db, store))
    (eve,) = by_reviewer["Gina"]
    before = fingerprint(db)
    with pytest.raises(PermissionDenied, match="only the reviewer assigned"):
        decide(db, actors["mo"], eve.id or 0, "keep", store)
    assert changed(before, fingerprint(db)) == []
    assert decide(db, actors["gina"], eve.id or 0, "keep", store).completed


def test_the_control_owner_decides_the_accounts_nobody_else_can(
    db: Database, store: LocalEvidenceStore
) -> None:
    actors = world(db)
    by_reviewer = shares(db, start(db, store))
    ghost, mo = by_reviewer["Raj Iyer"]
    decide(db, actors["raj"], ghost.id or 0, "revoke", store)
    outcome = decide(db, actors["raj"], mo.id or 0, "keep", store)
    assert outcome.completed and [f.title for f in outcome.follow_ups] == ["Remove access: ghost"]
    (rita,) = by_reviewer["Mo Chen"]
    with pytest.raises(PermissionDenied):  # a manager's share is not the owner's
        decide(db, actors["raj"], rita.id or 0, "keep", store)


def test_a_reviewers_own_account_goes_to_their_manager(
    db: Database, store: LocalEvidenceStore
) -> None:
    actors = world(db, reviewer="rita@acme.test")
    started = start(db, store)
    ((reviewer, got),) = shares(db, started).items()
    assert reviewer == "Rita Roe"
    with db.session() as s:
        rita, mo = person(s, "rita"), person(s, "mo")
        event = s.exec(select(AuditEvent).where(AuditEvent.action == "campaign.started")).one()
        campaign = s.get(Campaign, started.campaign_ids[0])
    assert {i.subject: i.reviewer_id for i in got} == {
        "ghost": rita.id, "eve": rita.id, "mo.chen": rita.id, "rita-gh": mo.id,
    }  # fmt: skip
    assert event.details["rerouted"] == 1
    assert campaign is not None and "owner_review_reason" not in campaign.details
    own = next(i for i in got if i.subject == "rita-gh")
    before = fingerprint(db)
    with pytest.raises(PermissionDenied):
        decide(db, actors["rita"], own.id or 0, "keep", store)
    assert changed(before, fingerprint(db)) == []
    assert decide(db, actors["mo"], own.id or 0, "keep", store).item.decision is ItemDecision.KEEP


def test_the_owners_own_account_goes_to_the_owners_manager(
    db: Database, store: LocalEvidenceStore
) -> None:
    actors = world(db, reviewer="owner")
    started = start(db, store, population(*TEAM, Account("105", "raj", email="raj@acme.test")))
    ((_, got),) = shares(db, started).items()
    own = next(i for i in got if i.subject == "raj")
    with db.session() as s:
        assert own.reviewer_id == person(s, "lee").id
        campaign = s.get(Campaign, started.campaign_ids[0])
    assert campaign is not None and campaign.details["owner_review_reason"] == OWNER_REASON
    with pytest.raises(PermissionDenied):
        decide(db, actors["raj"], own.id or 0, "revoke", store)
    decide(db, actors["lee"], own.id or 0, "keep", store)


def test_an_owner_standing_in_says_so_rather_than_being_named(
    db: Database, store: LocalEvidenceStore
) -> None:
    actors = world(db, reviewer="eve@acme.test")
    with db.transaction() as s:  # Eve has no manager: the control's owner stands in
        eve = person(s, "eve")
        eve.manager_id = None
        s.add(eve)
    started = start(db, store)
    ((_, got),) = shares(db, started).items()
    own = next(i for i in got if i.subject == "eve")
    with db.session() as s:
        campaign = s.get(Campaign, started.campaign_ids[0])
        assert own.reviewer_id == person(s, "raj").id
    assert campaign is not None and campaign.details["owner_review_reason"] == STAND_IN_REASON
    assert decide(db, actors["raj"], own.id or 0, "keep", store).item.decision is ItemDecision.KEEP


def test_without_a_stand_in_the_start_fails_clearly_and_records_nothing(
    db: Database, store: LocalEvidenceStore
) -> None:
    world(db, reviewer="owner")
    with db.transaction() as s:
        raj = person(s, "raj")
        raj.manager_id = None
        s.add(raj)
    before = fingerprint(db)
    pop = population(*TEAM, Account("105", "raj.iyer"))  # his name makes it his
    with pytest.raises(InvalidInput) as refused:
        start(db, store, pop)
    assert refused.value.message == (
        "Nobody else can review raj.iyer, Raj Iyer's own account: give Raj Iyer a manager in "
        "the catalog, or CC6.1-AR a backup owner."
    )
    assert changed(before, fingerprint(db)) == [] and stored_files(store) == []
    with db.transaction() as s:  # a backup owner is a stand-in
        control = s.exec(select(Control)).one()
        control.backup_owner_id = person(s, "ana").id
        s.add(control)
    started = start(db, store, pop)
    with db.session() as s:
        own = s.exec(select(CampaignItem).where(CampaignItem.subject == "raj.iyer")).one()
        assert started.accounts == 5 and own.reviewer_id == person(s, "ana").id


def test_managers_who_cannot_review_leave_their_reports_to_the_owner(
    db: Database, store: LocalEvidenceStore
) -> None:
    world(db)
    with db.transaction() as s:
        gina, mo = person(s, "gina"), person(s, "mo")
        gina.active = False  # departed
        mo.role = Role.AUDITOR  # read-only: never a reviewer
        s.add_all([gina, mo])
    by_reviewer = shares(db, start(db, store))
    assert list(by_reviewer) == ["Raj Iyer"]
    assert sorted(i.subject for i in by_reviewer["Raj Iyer"]) == [
        "eve", "ghost", "mo.chen", "rita-gh",
    ]  # fmt: skip


def test_a_named_reviewer_must_be_able_to_review(db: Database) -> None:
    world(db)
    with db.session() as s:
        control = s.exec(select(Control)).one()
        mapped = map_population(s, population(), NOW)
        with pytest.raises(InvalidInput, match="inactive or an auditor"):
            assign_reviewers(s, control, mapped, "audrey@acme.test")
        (group,) = assign_reviewers(s, control, mapped, "gina@acme.test", system=population().label)
    assert group.reviewer.email == "gina@acme.test" and group.owner_reason is None
    assert {i.details["system"] for i in group.items} == {"GitHub organization acme"}
