"""The demo's clock: events recorded under it carry its time; the wall clock comes back after."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlmodel import col, select

from bot.audit.trail import record_event
from bot.core.actor import Actor
from bot.core.db import Database
from bot.demo.clock import audit_clock
from models import AuditEvent
from models.base import utcnow

THEN = dt.datetime(2025, 3, 4, 15, 30, 12, 345678, tzinfo=dt.UTC)


def _record(db: Database, action: str) -> None:
    with db.transaction() as session:
        record_event(
            session=session, actor=Actor.cli(), action=action, subject_type="program", subject_id=1
        )


def _times(db: Database) -> dict[str, dt.datetime]:
    with db.session() as session:
        events = session.exec(select(AuditEvent).order_by(col(AuditEvent.seq))).all()
    return {e.action: e.occurred_at for e in events}


def test_events_recorded_under_the_clock_carry_its_time_and_the_wall_clock_returns(
    sqlite_db: Database,
) -> None:
    with audit_clock(THEN) as clock:
        _record(sqlite_db, "first")
        clock.move_to(THEN + dt.timedelta(days=40))
        _record(sqlite_db, "second")
    _record(sqlite_db, "after")
    times = _times(sqlite_db)
    assert times["first"] == THEN.replace(microsecond=345000)  # the trail keeps milliseconds
    assert times["second"] == THEN.replace(microsecond=345000) + dt.timedelta(days=40)
    assert abs(times["after"] - utcnow()) < dt.timedelta(minutes=1)


def test_the_clock_never_runs_backwards() -> None:
    with audit_clock(THEN) as clock, pytest.raises(ValueError, match="runs forward"):
        clock.move_to(THEN - dt.timedelta(seconds=1))


def test_the_wall_clock_returns_when_seeding_fails(sqlite_db: Database) -> None:
    with pytest.raises(RuntimeError), audit_clock(THEN):
        _record(sqlite_db, "during")
        raise RuntimeError("seeding failed")
    _record(sqlite_db, "after")
    times = _times(sqlite_db)
    assert times["during"] == THEN.replace(microsecond=345000)
    assert abs(times["after"] - utcnow()) < dt.timedelta(minutes=1)


def test_the_clock_stays_in_its_own_context(sqlite_db: Database) -> None:
    """Another thread (a request served meanwhile) is stamped by the wall clock."""
    with audit_clock(THEN), ThreadPoolExecutor(1) as pool:
        pool.submit(_record, sqlite_db, "elsewhere").result()
    assert abs(_times(sqlite_db)["elsewhere"] - utcnow()) < dt.timedelta(minutes=1)
