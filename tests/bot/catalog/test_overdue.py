"""A sync that would create work already overdue stops, writes nothing, and says how much."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import col, func, select

from bot.catalog.bootstrap import apply_catalog
from bot.catalog.overdue import OverdueWorkRefused
from bot.catalog.sync import SyncReport
from bot.catalog.validate import validate_catalog_text
from bot.core.actor import Actor
from bot.core.db import Database
from models import AuditEvent, Occurrence, Program, Task
from tests.catalog_text import as_yaml, catalog

# December: the catalog's window started in January, so its past quarters are overdue.
DECEMBER = dt.datetime(2026, 12, 2, 15, 0, tzinfo=dt.UTC)
JANUARY = dt.datetime(2026, 1, 5, 15, 0, tzinfo=dt.UTC)


def apply(
    db: Database, data: dict[str, object], now: dt.datetime = DECEMBER, **flags: bool
) -> tuple[SyncReport, int]:
    spec = validate_catalog_text(as_yaml(data))
    return apply_catalog(db, spec, actor=Actor.cli(), now=now, horizon_days=90, **flags)


def count(db: Database, model: type) -> int:
    with db.session() as session:
        return int(session.exec(select(func.count()).select_from(model)).one())


def test_a_sync_that_would_create_overdue_work_stops_and_writes_nothing(db: Database) -> None:
    with pytest.raises(OverdueWorkRefused) as refused:
        apply(db, catalog())
    forecast = refused.value.forecast
    assert forecast.total == 6  # four quarters and two half-years, all due before December
    assert [(c.control, c.count) for c in forecast.controls] == [
        ("CC6.1-AR", 4),
        ("A1.2-BACKUP", 2),
    ]
    oldest = forecast.controls[0].oldest
    assert [p.period for p in oldest] == ["2026-Q1", "2026-Q2", "2026-Q3"]  # the worst three
    assert oldest[0].task == "prod-access-review" and oldest[0].due_on == dt.date(2026, 1, 15)
    assert "6 occurrence(s) would already be overdue" in refused.value.message
    assert "Nothing was applied." in refused.value.message
    assert (count(db, Program), count(db, Occurrence), count(db, AuditEvent)) == (0, 0, 0)


def test_accepting_overdue_work_creates_it_and_reports_how_much(db: Database) -> None:
    report, created = apply(db, catalog(), accept_overdue=True)
    assert report.overdue == 6 and created == count(db, Occurrence) > 6
    now = DECEMBER
    with db.session() as session:
        due = session.exec(select(func.count()).where(col(Occurrence.due_at) <= now)).one()
    assert due == 6


def test_start_today_plans_tasks_from_today_without_past_periods(db: Database) -> None:
    report, created = apply(db, catalog(), start_today=True)
    assert report.overdue == 0 and created > 0
    assert "task.replanned prod-access-review (planned_from)" in report.changes
    with db.session() as session:
        starts = session.exec(select(col(Occurrence.period_start))).all()
        planned = set(session.exec(select(col(Task.planned_from))).all())
        logged = session.exec(select(AuditEvent).where(AuditEvent.action == "task.replanned"))
        reasons = {e.details["reason"] for e in logged}
    assert min(starts) >= DECEMBER.date() and planned == {DECEMBER.date()}
    assert reasons == {"the sync started it on this day, without periods before it"}
    again, created = apply(db, catalog(), start_today=True)
    assert (again.changes, created) == ([], 0)  # idempotent: nothing left in the past


def test_start_today_leaves_tasks_without_past_periods_alone(db: Database) -> None:
    apply(db, catalog(), now=JANUARY)  # the first quarter is not due yet: nothing to refuse
    data = catalog()
    data["controls"][1]["tasks"].append(
        {"id": "restore-drill", "title": "Drill", "schedule": "monthly", "due": "3d"}
    )
    report, _ = apply(db, data, now=JANUARY + dt.timedelta(days=10), start_today=True)
    assert report.changes == [  # the tasks already generated have no past gap to skip
        "task.created restore-drill",
        "task.replanned restore-drill (planned_from)",
    ]


def test_a_new_task_with_past_periods_stops_a_later_sync(db: Database) -> None:
    apply(db, catalog(), now=JANUARY)
    data = catalog()
    data["controls"][0]["tasks"].append(
        {"id": "weekly-check", "title": "Check", "schedule": "weekly", "due": "2d"}
    )
    before = count(db, AuditEvent)
    with pytest.raises(OverdueWorkRefused) as refused:
        apply(db, data, now=JANUARY + dt.timedelta(days=14))
    assert [(c.control, c.count) for c in refused.value.forecast.controls] == [("CC6.1-AR", 2)]
    assert count(db, AuditEvent) == before
