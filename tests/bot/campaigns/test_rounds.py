"""Policy acknowledgement rounds across 50 people: asking, accepting, versions, joiners, leavers."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import select

from bot.audit.verify import verify_chain
from bot.campaigns.audience import (
    enroll_new_people,
    refresh_campaign_audiences,
    withdraw_inactive_people,
)
from bot.campaigns.cards import policy_statement
from bot.campaigns.items import acknowledge_policy, confirm_training, list_my_rounds
from bot.campaigns.progress import get_round_detail, list_round_progress
from bot.campaigns.rounds import RoundStart, start_policy_campaign
from bot.chat.commands import parse_command
from bot.chat.dispatch import CommandContext, run_command
from bot.core.actor import Actor
from bot.core.db import Database
from bot.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from bot.core.plain import render_plain
from bot.digest.services import compose_digest
from bot.status.summary import get_status_summary
from models import (
    Campaign,
    CampaignKind,
    CampaignStatus,
    EvidenceKind,
    ItemDecision,
    Person,
    Platform,
)
from tests.campaign_support import (
    START,
    Company,
    actor,
    build_company,
    events,
    evidence_of,
    item_of,
    items_of,
    outbox,
)
from tests.factories import make_person

TITLE, LINK = "Acceptable Use Policy", "https://intranet.acme.test/policies/aup"


@pytest.fixture
def company(db: Database) -> Company:
    return build_company(db)


def start_policy(db: Database, version: str = "1.0", **kw: object) -> RoundStart:
    options: dict[str, object] = {"title": TITLE, "link": LINK, "summary": "How we use it."} | kw
    with db.transaction() as session:
        return start_policy_campaign(
            session=session, actor=Actor.cli(), version=version, now=START,
            **options,  # type: ignore[arg-type]
        )  # fmt: skip


def accept(db: Database, person_id: int, item_id: int, *, platform: Platform = Platform.SLACK):
    who = actor(db, person_id)
    who = Actor(who.label, who.role, who.person_id, platform, "X1")
    with db.transaction() as session:
        return acknowledge_policy(session=session, actor=who, item_id=item_id, now=START)


def test_a_round_asks_every_active_employee_once_by_dm(db: Database, company: Company) -> None:
    started = start_policy(db)
    items = items_of(db, started.campaign.id or 0)
    # The admin is an employee too; the auditor and the placeholder are never asked.
    assert sorted(i.person_id for i in items) == sorted([company.admin, *company.employees])
    assert started.enrolled == 51 and started.queued == 46
    assert len(started.unreachable) == 5
    invites = outbox(db, "campaign:")
    assert {r.idempotency_key for r in invites} == {
        f"campaign:{i.id}:invite" for i in items if i.person_id not in company.unreachable
    }
    assert {r.platform for r in invites} == {"slack", "teams"}
    statement = policy_statement(TITLE, "1.0")
    [first] = [r for r in invites if r.recipient == "UANA"]
    assert statement in first.payload["text"]
    opened, button = first.payload["buttons"]  # read it, then accept it
    assert (opened["label"], opened["url"]) == ("Open policy", LINK)
    assert button["label"] == "I have read and accept version 1.0"
    assert button["action_id"] == f"camp_ack:{first.payload['meta']['campaign_item_id']}"
    assert first.payload["meta"]["campaign_id"] == started.campaign.id
    [event] = events(db, "campaign.started")
    assert event.details["people"] == 51 and event.details["version"] == "1.0"


def test_accepting_stores_the_exact_statement_and_a_second_press_changes_nothing(
    db: Database, company: Company
) -> None:
    campaign_id = start_policy(db).campaign.id or 0
    person = company.employees[3]
    item = item_of(db, campaign_id, person)
    answer = accept(db, person, item.id or 0)
    assert not answer.already
    [evidence] = evidence_of(db, item.id or 0)
    assert evidence.kind is EvidenceKind.ATTESTATION
    assert evidence.statement == "I have read and accept Acceptable Use Policy, version 1.0."
    assert evidence.statement == answer.card.statement
    assert evidence.platform is Platform.SLACK and evidence.submitted_by_id == person
    item = item_of(db, campaign_id, person)
    assert item.decision is ItemDecision.ACKNOWLEDGED and item.version == "1.0"
    [event] = events(db, "campaign.item_acknowledged")
    assert event.subject_id == str(campaign_id) and event.details["version"] == "1.0"

    again = accept(db, person, item.id or 0, platform=Platform.TEAMS)
    assert again.already and again.evidence is None
    assert len(evidence_of(db, item.id or 0)) == 1
    assert len(events(db, "campaign.item_acknowledged")) == 1
    with db.session() as session:
        assert verify_chain(session=session).ok


def test_only_the_person_an_item_belongs_to_can_accept_it(db: Database, company: Company) -> None:
    campaign_id = start_policy(db).campaign.id or 0
    theirs = item_of(db, campaign_id, company.employees[0])
    with pytest.raises(PermissionDenied, match="belongs to someone else"):
        accept(db, company.employees[1], theirs.id or 0)
    with pytest.raises(PermissionDenied, match="auditors have read-only access"):
        accept(db, company.auditor, theirs.id or 0)
    with pytest.raises(NotFound):
        accept(db, company.employees[1], 999_999)
    assert evidence_of(db, theirs.id or 0) == []
    assert item_of(db, campaign_id, company.employees[0]).decision is ItemDecision.PENDING


def test_starting_needs_an_admin_a_document_and_a_known_group(
    db: Database, company: Company
) -> None:
    member = actor(db, company.employees[2])
    with pytest.raises(PermissionDenied), db.transaction() as session:
        start_policy_campaign(session=session, actor=member, title=TITLE, version="1", now=START,
                              link=LINK)  # fmt: skip
    with pytest.raises(InvalidInput, match="link"):
        start_policy(db, link=None)
    with pytest.raises(InvalidInput, match="Unknown group"):
        start_policy(db, audience="team:x")
    start_policy(db)
    with pytest.raises(Conflict, match="already running"):
        start_policy(db)


def test_a_group_limits_the_round_to_a_team_or_a_department(db: Database, company: Company) -> None:
    team = start_policy(db, audience="manager:lead1@acme.test")
    assert team.enrolled == 9  # the Product lead's reports
    other = start_policy(db, audience="department:sales", version="1.0", title="Sales Policy")
    assert other.enrolled == 10


def test_a_new_version_starts_a_new_round_and_old_acceptances_do_not_count(
    db: Database, company: Company
) -> None:
    first = start_policy(db).campaign.id or 0
    for person in company.employees[:20]:
        accept(db, person, item_of(db, first, person).id or 0)
    second = start_policy(db, version="2.0")
    assert second.superseded == first
    with db.session() as session:
        old = session.get(Campaign, first)
        assert old is not None and old.status is CampaignStatus.SUPERSEDED
    [progress] = list_round_progress_now(db)
    assert progress.campaign_id == second.campaign.id and progress.done == 0
    assert progress.total == 51
    stale = item_of(db, first, company.employees[30])
    with pytest.raises(Conflict, match="replaced by a newer round"):
        accept(db, company.employees[30], stale.id or 0)
    fresh = item_of(db, second.campaign.id or 0, company.employees[0])
    assert accept(db, company.employees[0], fresh.id or 0).card.statement.endswith("version 2.0.")
    assert [e.details["by"] for e in events(db, "campaign.superseded")] == [second.campaign.id]


def list_round_progress_now(db: Database, now: dt.datetime = START) -> list:  # type: ignore[type-arg]
    with db.session() as session:
        return list_round_progress(session=session, now=now)


def test_people_added_later_get_open_rounds_and_their_dm(db: Database, company: Company) -> None:
    campaign_id = start_policy(db).campaign.id or 0
    later = START + dt.timedelta(days=10)
    with db.transaction() as session:
        hire = make_person(session, "newhire@acme.test", name="New Hire")
        session.add(Person(email="auditor2@audit.test", name="Second Auditor", role="auditor"))
        from tests.campaign_support import link

        link(session, hire.id or 0, "slack", "UNEW")
    with db.transaction() as session:
        assert enroll_new_people(session=session, now=later) == 1
    with db.transaction() as session:
        assert enroll_new_people(session=session, now=later) == 0  # idempotent
    item = item_of(db, campaign_id, hire.id or 0)
    # A joiner gets the round's usual time from the day they join, not the round's deadline.
    assert item.due_on == dt.date(2026, 3, 26)
    assert [r.recipient for r in outbox(db, f"campaign:{item.id}:invite")] == ["UNEW"]
    [event] = events(db, "campaign.person_enrolled")
    assert event.details["person"] == "newhire@acme.test"


def test_deactivated_people_drop_out_and_what_they_said_stays(
    db: Database, company: Company
) -> None:
    campaign_id = start_policy(db).campaign.id or 0
    done_then_left, left = company.employees[5], company.employees[6]
    accept(db, done_then_left, item_of(db, campaign_id, done_then_left).id or 0)
    with db.transaction() as session:
        for person_id in (done_then_left, left):
            person = session.get(Person, person_id)
            assert person is not None
            person.active = False
            session.add(person)
    with db.transaction() as session:
        assert withdraw_inactive_people(session=session, now=START) == 1
    with db.transaction() as session:
        assert refresh_campaign_audiences(session=session, now=START).withdrawn == 0
    assert item_of(db, campaign_id, left).decision is ItemDecision.WITHDRAWN
    assert item_of(db, campaign_id, done_then_left).decision is ItemDecision.ACKNOWLEDGED
    [progress] = list_round_progress_now(db)
    assert (progress.total, progress.done) == (50, 1)
    [event] = events(db, "campaign.item_withdrawn")
    assert event.details["reason"] == "deactivated"
    with pytest.raises(Conflict, match="no longer part"):
        accept(db, left, item_of(db, campaign_id, left).id or 0)


def test_progress_shows_in_status_digest_audit_and_ack(db: Database, company: Company) -> None:
    campaign_id = start_policy(db).campaign.id or 0
    for person in company.employees[:40]:
        accept(db, person, item_of(db, campaign_id, person).id or 0)
    overdue = START + dt.timedelta(days=20)
    with db.session() as session:
        [p] = get_status_summary(session=session, now=overdue).rounds
        assert (p.total, p.done, p.overdue, round(p.pct)) == (51, 40, 11, 78)
        digest = compose_digest(session=session, now=overdue)
        detail = get_round_detail(session=session, campaign_id=campaign_id, now=overdue)
    [line] = [c for c in digest.campaigns if c.campaign_id == campaign_id]
    assert (line.decided, line.total) == (40, 51)
    assert len(detail.done) == 40 and len(detail.pending) == 11
    assert all("OVERDUE" in row.detail for row in detail.pending)

    status = say(db, Actor.cli(), "status", overdue)
    assert "Acceptable Use Policy, version 1.0 — 40 of 51 accepted (78%) · 11 overdue" in status
    audit = say(db, actor(db, company.auditor), f"audit camp-{campaign_id}", overdue)
    assert "Not yet (11)" in audit and "Accepted (40)" in audit
    assert "accepted version 1.0" in audit
    late = company.employees[45]
    mine = say(db, actor(db, late), "ack acceptable-use", overdue)
    assert "I have read and accept Acceptable Use Policy, version 1.0." in mine
    assert "[I have read and accept version 1.0]" in mine
    done = say(db, actor(db, company.employees[0]), f"ack camp-{campaign_id}", overdue)
    assert "You accepted version 1.0" in done
    with pytest.raises(PermissionDenied):
        say(db, actor(db, company.auditor), "ack acceptable-use", overdue)
    assert "no policy acknowledgements matching" in say(db, actor(db, late), "ack travel", overdue)


def say(db: Database, who: Actor, text: str, now: dt.datetime) -> str:
    message = run_command(parse_command(text), CommandContext(db=db, actor=who, now=now))
    return render_plain(message, width=200)


def test_my_rounds_lists_only_open_rounds_of_the_kind(db: Database, company: Company) -> None:
    start_policy(db)
    person = company.employees[0]
    with db.session() as session:
        cards = list_my_rounds(session=session, person_id=person, kind=CampaignKind.POLICY_ACK)
        assert [c.title for c in cards] == [TITLE]
        assert list_my_rounds(session=session, person_id=person, kind=CampaignKind.TRAINING) == []
    with pytest.raises(NotFound), db.transaction() as session:
        confirm_training(session=session, actor=actor(db, person), item_id=cards[0].item_id,
                         now=START)  # fmt: skip
    with db.session() as session:
        assert session.exec(select(Campaign)).one().kind is CampaignKind.POLICY_ACK


def test_mine_lists_a_pending_acknowledgement_with_its_button_until_it_is_accepted(
    db: Database, company: Company
) -> None:
    campaign_id = start_policy(db).campaign.id or 0
    person = company.employees[3]
    item = item_of(db, campaign_id, person)
    mine = run_command(parse_command("mine"), CommandContext(db, actor(db, person), START))
    [section] = [s for s in mine.sections if s.heading == "Policies and training"]
    [entry] = section.items
    assert "Acceptable Use Policy, version 1.0" in entry.text
    assert "I have read and accept Acceptable Use Policy, version 1.0." in (entry.detail or "")
    assert [b.action_id for b in entry.buttons] == [f"camp_ack:{item.id}"]
    accept(db, person, item.id or 0)
    mine = run_command(parse_command("mine"), CommandContext(db, actor(db, person), START))
    assert all(s.heading != "Policies and training" for s in mine.sections)
