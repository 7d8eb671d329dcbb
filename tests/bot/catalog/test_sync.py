"""Catalog sync: applies and logs changes, is idempotent, all-or-nothing, retires with history."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from sqlmodel import col, func, select

from bot.catalog.bootstrap import apply_catalog
from bot.catalog.validate import validate_catalog_text
from bot.core.actor import Actor
from bot.core.db import Database
from bot.core.errors import PermissionDenied
from models import AuditEvent, Control, ControlCriterion, Occurrence, Person, Program, Role, Task
from tests.catalog_text import as_yaml, catalog

NOW = dt.datetime(2026, 3, 10, 15, 0, tzinfo=dt.UTC)


def sync(db: Database, data: dict[str, object], *, actor: Actor | None = None) -> list[str]:
    spec = validate_catalog_text(as_yaml(data))
    # The window starts before NOW: its past work is history these tests want.
    report, _ = apply_catalog(
        db, spec, actor=actor or Actor.cli(), now=NOW, horizon_days=90, accept_overdue=True
    )
    return report.changes


def count(db: Database, model: type) -> int:
    with db.session() as session:
        return int(session.exec(select(func.count()).select_from(model)).one())


def actions(db: Database) -> list[str]:
    with db.session() as session:
        return list(session.exec(select(AuditEvent.action).order_by(col(AuditEvent.seq))).all())


def test_first_sync_creates_everything_and_logs_each_change(db: Database) -> None:
    changes = sync(db, catalog())
    assert "control.created CC6.1-AR" in changes
    assert count(db, Program) == 1 and count(db, Person) == 2 and count(db, Control) == 2
    assert count(db, Task) == 2 and count(db, ControlCriterion) == 4
    assert count(db, Occurrence) > 0
    logged = actions(db)
    assert logged.count("control.created") == 2 and logged.count("task.created") == 2
    assert "occurrences.generated" in logged


def test_second_sync_of_the_same_catalog_changes_nothing(db: Database) -> None:
    sync(db, catalog())
    before = (count(db, AuditEvent), count(db, Occurrence))
    assert sync(db, catalog()) == []
    assert (count(db, AuditEvent), count(db, Occurrence)) == before


def test_owner_change_is_logged_and_pending_work_follows_the_new_owner(db: Database) -> None:
    sync(db, catalog())
    changes = sync(db, catalog(controls__0__owner="ana@acme.test"))
    assert "control.owner_changed CC6.1-AR" in changes
    with db.session() as session:
        ana = session.exec(select(Person).where(Person.email == "ana@acme.test")).one()
        control = session.exec(select(Control).where(Control.key == "CC6.1-AR")).one()
        assignees = set(
            session.exec(
                select(Occurrence.assignee_id).where(
                    Occurrence.control_id == control.id, Occurrence.status == "pending"
                )
            ).all()
        )
    assert assignees == {ana.id}


def test_removed_control_is_retired_and_keeps_its_history(db: Database) -> None:
    sync(db, catalog())
    with db.session() as session:
        occurrences_before = session.exec(
            select(func.count())
            .select_from(Occurrence)
            .join(Control)
            .where(Control.key == "A1.2-BACKUP")
        ).one()
    data = catalog()
    data["controls"] = data["controls"][:1]  # type: ignore[index]
    changes = sync(db, data)
    assert "control.retired A1.2-BACKUP" in changes
    with db.session() as session:
        control = session.exec(select(Control).where(Control.key == "A1.2-BACKUP")).one()
        kept = session.exec(
            select(func.count()).select_from(Occurrence).where(Occurrence.control_id == control.id)
        ).one()
    assert control.retired_at is not None
    assert 0 < kept <= occurrences_before  # past periods stay; only future pending ones go
    assert sync(db, data) == []  # retiring is idempotent too


def test_restoring_a_retired_control_is_logged(db: Database) -> None:
    sync(db, catalog())
    data = catalog()
    data["controls"] = data["controls"][:1]  # type: ignore[index]
    sync(db, data)
    assert "control.restored A1.2-BACKUP (retired_at)" in sync(db, catalog())


def test_schedule_change_replans_from_today_without_inventing_past_work(db: Database) -> None:
    sync(db, catalog())
    sync(db, catalog(controls__0__tasks__0__schedule="monthly"))
    with db.session() as session:
        keys = session.exec(
            select(Occurrence.period_key)
            .join(Task)
            .where(Task.key == "prod-access-review")
            .order_by(col(Occurrence.period_start))
        ).all()
    # The quarters already under way stay; the monthly cadence starts with the next month.
    assert keys[:1] == ["2026-Q1"] and "2026-02" not in keys and "2026-04" in keys


def test_task_moved_to_another_control_takes_its_pending_work_along(db: Database) -> None:
    sync(db, catalog())
    data = catalog()
    task = data["controls"][0]["tasks"].pop()  # type: ignore[index]
    data["controls"][1]["tasks"].append(task)  # type: ignore[index]
    changes = sync(db, data)
    assert "task.updated prod-access-review (control_id)" in changes
    with db.session() as session:
        backup = session.exec(select(Control).where(Control.key == "A1.2-BACKUP")).one()
        controls = set(
            session.exec(
                select(Occurrence.control_id)
                .join(Task)
                .where(Task.key == "prod-access-review", Occurrence.status == "pending")
            ).all()
        )
    assert controls == {backup.id}


def test_sync_by_a_member_is_refused_and_applies_nothing(db: Database) -> None:
    member = Actor(label="raj@acme.test", role=Role.MEMBER, person_id=None)
    with pytest.raises(PermissionDenied):
        sync(db, catalog(), actor=member)
    assert count(db, Program) == 0 and count(db, AuditEvent) == 0


def test_failure_half_way_rolls_back_the_whole_sync(db: Database) -> None:
    # Validation trusted an email "known" elsewhere that the database does not have:
    # the sync fails after it created the program and people, and must leave nothing.
    text = as_yaml(catalog(controls__1__owner="ghost@acme.test"))
    spec = validate_catalog_text(text, known_emails=["ghost@acme.test"])
    with pytest.raises(sa.exc.NoResultFound):
        apply_catalog(db, spec, actor=Actor.cli(), now=NOW, horizon_days=90, accept_overdue=True)
    assert count(db, Program) == 0 and count(db, Person) == 0 and count(db, AuditEvent) == 0


def test_catalog_sync_keeps_directory_names_and_timezones_it_does_not_set(db: Database) -> None:
    data = catalog()
    sync(db, data)
    email = data["people"][0]["email"]  # type: ignore[index]
    with db.transaction() as session:  # as a directory sync would: HR's name, Slack's timezone
        person = session.exec(select(Person).where(Person.email == email)).one()
        person.name, person.timezone = "Name From HR", "Asia/Kolkata"
        session.add(person)
    assert sync(db, data) == []  # nothing to undo, nothing logged
    with db.session() as session:
        person = session.exec(select(Person).where(Person.email == email)).one()
    assert (person.name, person.timezone) == ("Name From HR", "Asia/Kolkata")
    data["people"][0]["timezone"] = "Europe/Berlin"  # type: ignore[index]
    assert sync(db, data) == [f"person.updated {email} (timezone)"]  # a timezone it gives wins
