"""Directory sync: people created, updated, linked and flagged; work of leavers reported at once."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from bot.campaigns.rounds import start_policy_campaign
from bot.core.actor import Actor
from bot.core.db import Database
from bot.core.errors import PermissionDenied
from bot.core.plain import render_plain
from bot.directory.facts import DirectorySyncReport
from bot.directory.sync import DirectoryEntry, sync_directory
from bot.status.messages import status_view
from bot.status.summary import get_status_summary
from models import (
    AuditEvent,
    CampaignItem,
    ChatIdentity,
    ItemDecision,
    OutboxMessage,
    Person,
    Platform,
    Role,
)
from tests.factories import generate, make_control, make_person, make_program, make_task

NOW = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)
SLACK = Platform.SLACK


def entry(email: str | None, name: str, uid: str, **kw: object) -> DirectoryEntry:
    return DirectoryEntry(email=email, name=name, platform=SLACK, external_id=uid, **kw)  # type: ignore[arg-type]


DIRECTORY = [
    entry("ana@acme.test", "Ana Ruiz", "UANA", timezone="America/New_York"),
    entry("raj@acme.test", "Raj Iyer", "URAJ", timezone="Asia/Kolkata", title="SRE"),
    entry("eve@acme.test", "Eve Park", "UEVE", timezone="Europe/Paris"),
]


def sync(
    db: Database,
    entries: Sequence[DirectoryEntry],
    *,
    source: str = "slack",
    deactivate_missing: bool = False,
    now: dt.datetime = NOW,
) -> DirectorySyncReport:
    with db.transaction() as s:
        return sync_directory(
            session=s,
            actor=Actor.cli(),
            entries=entries,
            source=source,
            now=now,
            deactivate_missing=deactivate_missing,
        )


def count(s: Session, model: type) -> int:
    return int(s.execute(sa.select(sa.func.count()).select_from(model)).scalar_one())


def person(s: Session, email: str) -> Person:
    return s.exec(select(Person).where(Person.email == email)).one()


@pytest.fixture
def company(db: Database) -> Database:
    """Raj owns a control, backs up another and is assigned a task with pending occurrences."""
    with db.transaction() as s:
        make_program(s)
        ana = make_person(s, "ana@acme.test", role=Role.ADMIN, name="Ana Ruiz")
        raj = make_person(s, "raj@acme.test", name="Raj Iyer", manager=ana)
        ar = make_control(s, "CC6.1-AR", owner=raj)
        make_task(s, ar, "prod-access-review")
        backup = make_control(s, "CC7.1-VS", owner=ana, backup_owner_id=raj.id, title="Scans")
        make_task(s, backup, "vuln-scan", schedule="monthly", assignee=raj, title="Run scans")
        generate(s, now=NOW)
    return db


def test_first_sync_creates_updates_and_links_everyone(company: Database) -> None:
    report = sync(company, DIRECTORY)
    assert report.created == ["eve@acme.test"]
    assert report.updated == ["ana@acme.test", "raj@acme.test"]  # timezones, title
    assert len(report.linked) == 3 and report.deactivated == [] and report.changes == 6
    with company.session() as s:
        eve, raj = person(s, "eve@acme.test"), person(s, "raj@acme.test")
        accounts = {a.external_id: a.person_id for a in s.exec(select(ChatIdentity))}
        actions = sorted(e.action for e in s.exec(select(AuditEvent)) if e.subject_type == "person")
    assert eve.role is Role.MEMBER and eve.timezone == "Europe/Paris" and eve.name == "Eve Park"
    assert raj.timezone == "Asia/Kolkata" and raj.title == "SRE"
    assert accounts == {"UANA": 1, "URAJ": 2, "UEVE": eve.id}
    assert actions == ["person.created"] + ["person.linked"] * 3 + ["person.updated"] * 2


def test_a_second_identical_sync_changes_nothing_and_logs_nothing(company: Database) -> None:
    gone = [
        *DIRECTORY,
        DirectoryEntry("eve@acme.test", manager_email="ana@acme.test", department="Data"),
        entry("raj@acme.test", "Raj Iyer", "URAJ", active=False),
    ]
    first = sync(company, gone)
    assert first.created and first.linked and first.deactivated and first.alerts_queued == 1
    with company.session() as s:
        events, queued = count(s, AuditEvent), count(s, OutboxMessage)
    report = sync(company, gone)
    assert report.changes == 0 and report.alerts_queued == 0 and report.people_deactivated == []
    with company.session() as s:
        assert (count(s, AuditEvent), count(s, OutboxMessage)) == (events, queued)


def test_a_deactivated_owner_is_reported_to_the_compliance_channel(company: Database) -> None:
    report = sync(company, [entry("raj@acme.test", "Raj Iyer", "URAJ", active=False)])
    assert report.deactivated == ["raj@acme.test"] and report.alerts_queued == 1
    [held] = report.to_reassign
    assert [(c.key, c.relation) for c in held.controls] == [
        ("CC6.1-AR", "owner"),
        ("CC7.1-VS", "backup owner"),
    ]
    assert [t.key for t in held.tasks] == ["vuln-scan"] and held.pending > 0
    with company.session() as s:
        raj = person(s, "raj@acme.test")
        [row] = s.exec(select(OutboxMessage)).all()
        event = s.exec(select(AuditEvent).where(AuditEvent.action == "person.deactivated")).one()
    assert not raj.active and report.people_deactivated == [raj.id]
    assert row.idempotency_key == f"deactivated-owner:{raj.id}:2026-03-10"
    assert (row.platform, row.recipient, row.kind) == ("slack", "#soc2", "alert")
    text = json.dumps(row.payload)
    assert "Raj Iyer" in text and "CC6.1-AR" in text and "CC7.1-VS" in text
    assert "vuln-scan" in text and "/soc2 assign" in text
    assert event.subject_id == "raj@acme.test" and event.details["reason"] == "inactive in slack"


def test_status_lists_work_held_by_inactive_people(company: Database) -> None:
    sync(company, [entry("raj@acme.test", "Raj Iyer", "URAJ", active=False)])
    with company.session() as s:
        summary = get_status_summary(session=s, now=NOW)
    assert [w.email for w in summary.needs_new_owner] == ["raj@acme.test"]
    text = render_plain(status_view(summary))
    assert "Needs a new owner" in text
    assert "CC6.1-AR" in text and "owner: Raj Iyer (raj@acme.test) is inactive" in text
    assert "Task vuln-scan (CC7.1-VS)" in text


def test_status_has_no_reassignment_section_when_everyone_is_active(company: Database) -> None:
    with company.session() as s:
        summary = get_status_summary(session=s, now=NOW)
    assert summary.needs_new_owner == () and "Needs a new owner" not in render_plain(
        status_view(summary)
    )


def test_someone_coming_back_is_reactivated(company: Database) -> None:
    sync(company, [entry("raj@acme.test", "Raj Iyer", "URAJ", active=False)])
    report = sync(company, [entry("raj@acme.test", "Raj Iyer", "URAJ")])
    assert report.reactivated == ["raj@acme.test"] and report.to_reassign == []
    with company.session() as s:
        assert person(s, "raj@acme.test").active


def test_missing_people_are_listed_or_deactivated_within_the_directory_domains(
    company: Database,
) -> None:
    with company.transaction() as s:
        make_person(s, "audrey@audit.test", role=Role.AUDITOR)
        stand_in = make_person(s, "it-lead@acme.test")
        stand_in.placeholder = True
    listed = [DIRECTORY[0]]
    report = sync(company, listed)
    assert report.not_in_directory == ["raj@acme.test"] and report.deactivated == []
    report = sync(company, listed, deactivate_missing=True)
    assert report.deactivated == ["raj@acme.test"] and report.alerts_queued == 1
    with company.session() as s:
        assert person(s, "audrey@audit.test").active and person(s, "it-lead@acme.test").active
        event = s.exec(select(AuditEvent).where(AuditEvent.action == "person.deactivated")).one()
    assert event.details["reason"] == "not listed by slack"


def test_an_empty_directory_deactivates_nobody(company: Database) -> None:
    report = sync(company, [], deactivate_missing=True)
    assert report.changes == 0


def test_a_manager_set_by_the_catalog_stands_and_one_set_by_the_directory_moves(
    company: Database,
) -> None:
    with company.transaction() as s:
        make_person(s, "bob@acme.test")
    hr = [
        DirectoryEntry("raj@acme.test", manager_email="bob@acme.test"),
        DirectoryEntry("eve@acme.test", manager_email="ana@acme.test"),
    ]
    report = sync(company, hr, source="csv")
    assert report.updated == [] and report.created == ["eve@acme.test"]
    moved = [DirectoryEntry("eve@acme.test", manager_email="bob@acme.test")]
    assert sync(company, moved, source="csv").updated == ["eve@acme.test"]
    with company.session() as s:
        raj, eve, bob = (person(s, f"{n}@acme.test") for n in ("raj", "eve", "bob"))
        ana = person(s, "ana@acme.test")
    assert raj.manager_id == ana.id  # the catalog's choice
    assert eve.manager_id == eve.directory_manager_id == bob.id


def test_an_unknown_manager_is_reported_not_guessed(company: Database) -> None:
    report = sync(company, [DirectoryEntry("raj@acme.test", manager_email="who@acme.test")])
    assert report.skipped == ["raj@acme.test: manager who@acme.test is unknown"]


def test_an_entry_without_email_is_matched_by_its_linked_account(company: Database) -> None:
    sync(company, DIRECTORY)
    report = sync(company, [entry(None, "Raj Iyer", "URAJ", active=False)])
    assert report.deactivated == ["raj@acme.test"]
    assert sync(company, [entry(None, "Ghost", "UGHOST")]).skipped == ["UGHOST: no usable email"]


def test_someone_already_gone_is_not_created(company: Database) -> None:
    report = sync(company, [entry("old@acme.test", "Old Timer", "UOLD", active=False)])
    assert report.changes == 0
    with company.session() as s:
        assert s.exec(select(Person).where(Person.email == "old@acme.test")).first() is None


def test_inactive_in_any_source_wins_and_entries_merge_by_email(company: Database) -> None:
    teams = DirectoryEntry("raj@acme.test", "Raj", platform=Platform.TEAMS, external_id="aad-raj")
    report = sync(company, [teams, entry("RAJ@acme.test", "Raj", "URAJ", active=False)])
    assert report.deactivated == ["raj@acme.test"] and len(report.linked) == 2


def test_an_account_moves_to_the_person_with_the_new_email(company: Database) -> None:
    sync(company, DIRECTORY)
    report = sync(company, [entry("eve.park@acme.test", "Eve Park", "UEVE")])
    assert report.created == ["eve.park@acme.test"]
    with company.session() as s:
        event = s.exec(
            select(AuditEvent)
            .where(AuditEvent.action == "person.linked")
            .order_by(sa.desc(AuditEvent.seq))  # type: ignore[arg-type]
        ).first()
    assert event is not None and event.details["previously"] == "eve@acme.test"


def test_an_unknown_timezone_is_ignored(company: Database) -> None:
    report = sync(company, [entry("raj@acme.test", "Raj Iyer", "URAJ", timezone="Mars/Olympus")])
    assert report.updated == []


def test_only_an_admin_may_sync(company: Database) -> None:
    with company.session() as s:
        raj = person(s, "raj@acme.test")
    with pytest.raises(PermissionDenied), company.transaction() as s:
        sync_directory(
            session=s, actor=Actor.for_person(raj), entries=DIRECTORY, source="slack", now=NOW
        )


def test_a_leaver_is_withdrawn_from_open_campaigns_in_the_same_sync(company: Database) -> None:
    with company.transaction() as s:
        started = start_policy_campaign(
            session=s,
            actor=Actor.cli(),
            title="Acceptable Use",
            version="1",
            now=NOW,
            link="https://wiki.acme.test/aup",
        )
        raj = person(s, "raj@acme.test")
    sync(company, [entry("raj@acme.test", "Raj Iyer", "URAJ", active=False)])
    with company.session() as s:
        item = s.exec(
            select(CampaignItem).where(
                CampaignItem.campaign_id == started.campaign.id, CampaignItem.person_id == raj.id
            )
        ).one()
    assert item.decision == ItemDecision.WITHDRAWN


def test_overlong_directory_values_are_cut_to_fit(company: Database) -> None:
    sync(company, [entry("eve@acme.test", "E" * 300, "UEVE", title=" T" * 150)])
    with company.session() as s:
        eve = person(s, "eve@acme.test")
    assert len(eve.name) == 200 and eve.title is not None and len(eve.title) <= 200
