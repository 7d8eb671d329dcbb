"""Occurrence generation, derived states, skipping."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import col, select, update

from bot.core.actor import Actor
from bot.core.db import Database
from bot.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from bot.work.facts import State
from bot.work.occurrences import (
    plan_occurrences,
    skip_occurrence,
    state_of,
    tasks_missing_periods_before,
)
from models import AuditEvent, Occurrence, OccurrenceStatus, Role, Task
from tests.factories import generate, make_control, make_person, make_program, make_task

NOW = dt.datetime(2026, 5, 20, 14, 0, tzinfo=dt.UTC)


def seed(db: Database, *, timezone: str = "UTC", schedule: str = "quarterly") -> None:
    with db.transaction() as s:
        make_program(s, timezone=timezone)
        raj = make_person(s, "raj@acme.test")
        make_task(s, make_control(s, owner=raj), schedule=schedule, due="14d")
        generate(s, now=NOW, horizon_days=90)


def occurrences(db: Database) -> list[Occurrence]:
    with db.session() as s:
        return list(s.exec(select(Occurrence).order_by(col(Occurrence.period_start))).all())


def test_generation_covers_program_start_to_horizon(db: Database) -> None:
    seed(db)
    occs = occurrences(db)
    assert [o.period_key for o in occs] == ["2026-Q1", "2026-Q2", "2026-Q3"]
    assert occs[0].due_on == dt.date(2026, 1, 15)
    assert all(o.assignee_id is not None for o in occs)


def test_generation_is_idempotent(db: Database) -> None:
    seed(db)
    with db.transaction() as s:
        assert generate(s, now=NOW, horizon_days=90) == 0
    assert len(occurrences(db)) == 3


def test_planning_never_goes_before_a_tasks_planned_from_and_writes_nothing(
    db: Database,
) -> None:
    with db.transaction() as s:
        make_program(s)
        task = make_task(s, make_control(s, owner=make_person(s, "raj@acme.test")))
        task.planned_from = dt.date(2026, 4, 2)
        plan = plan_occurrences(session=s, now=NOW, horizon_days=90)
    assert [o.period_key for o in plan.occurrences] == ["2026-Q3"]  # Q2 began before it
    assert plan.through == dt.date(2026, 8, 18) and occurrences(db) == []
    with db.transaction() as s:
        assert [t.key for t in tasks_missing_periods_before(session=s, day=NOW.date())] == []
        s.exec(update(Task).values(planned_from=None))
        missing = tasks_missing_periods_before(session=s, day=NOW.date())
    assert [t.key for t in missing] == ["prod-access-review"]  # Q1 and Q2 started before


def test_due_instant_is_end_of_due_day_in_program_timezone(db: Database) -> None:
    seed(db, timezone="America/New_York", schedule="monthly")
    march = next(o for o in occurrences(db) if o.period_key == "2026-03")
    # Due 15 March (after the DST change on 8 March): midnight EDT = 04:00 UTC on the 16th.
    assert march.due_at == dt.datetime(2026, 3, 16, 4, 0, tzinfo=dt.UTC)


def test_states_are_derived_from_dates(db: Database) -> None:
    seed(db)
    q1, q2, q3 = occurrences(db)
    today = NOW.date()
    assert state_of(q1, now=NOW, today=today) is State.OVERDUE
    assert state_of(q2, now=NOW, today=today) is State.OVERDUE  # due 15 April
    assert state_of(q3, now=NOW, today=today) is State.UPCOMING
    assert (
        state_of(q2, now=dt.datetime(2026, 4, 10, tzinfo=dt.UTC), today=dt.date(2026, 4, 10))
        is State.OPEN
    )


def test_admin_skips_with_reason_and_it_is_logged(db: Database) -> None:
    seed(db)
    q1 = occurrences(db)[0]
    with db.transaction() as s:
        skip_occurrence(
            session=s, actor=Actor.cli(), occurrence_id=q1.id or 0, reason="system decommissioned"
        )
    with db.session() as s:
        occ = s.get(Occurrence, q1.id)
        event = s.exec(select(AuditEvent).where(AuditEvent.action == "occurrence.skipped")).one()
    assert occ is not None and occ.status is OccurrenceStatus.SKIPPED
    assert event.details == {"reason": "system decommissioned"}


@pytest.mark.parametrize(
    ("actor", "reason", "error"),
    [
        (Actor(label="raj@acme.test", role=Role.MEMBER, person_id=1), "because", PermissionDenied),
        (Actor.cli(), "  ", InvalidInput),
    ],
)
def test_skip_refusals_change_nothing(db: Database, actor: Actor, reason: str, error: type) -> None:
    seed(db)
    q1 = occurrences(db)[0]
    with pytest.raises(error), db.transaction() as s:
        skip_occurrence(session=s, actor=actor, occurrence_id=q1.id or 0, reason=reason)
    assert occurrences(db)[0].status is OccurrenceStatus.PENDING


def test_skipping_twice_or_a_missing_occurrence_is_a_friendly_error(db: Database) -> None:
    seed(db)
    q1 = occurrences(db)[0]
    with db.transaction() as s:
        skip_occurrence(session=s, actor=Actor.cli(), occurrence_id=q1.id or 0, reason="n/a here")
    with pytest.raises(Conflict, match="already skipped"), db.transaction() as s:
        skip_occurrence(session=s, actor=Actor.cli(), occurrence_id=q1.id or 0, reason="again")
    with pytest.raises(NotFound, match="#99999"), db.transaction() as s:
        skip_occurrence(session=s, actor=Actor.cli(), occurrence_id=99999, reason="nope")
