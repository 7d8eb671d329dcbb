"""Status, my work, control detail and history, as a person would read them."""

from __future__ import annotations

import datetime as dt

from sqlmodel import select

from bot.audit.history import get_history
from bot.catalog.controls import assign_owner, get_control_detail, list_controls
from bot.core.actor import Actor
from bot.core.db import Database
from bot.evidence.services import complete_by_attestation
from bot.status.summary import count_open_and_overdue, get_status_summary
from bot.work.facts import State
from bot.work.items import get_my_work
from bot.work.occurrences import skip_occurrence
from models import Occurrence, Person, Role
from tests.factories import generate, make_control, make_person, make_program, make_task

NOW = dt.datetime(2026, 5, 20, 14, 0, tzinfo=dt.UTC)


def seed(db: Database) -> None:
    """Two security controls and one out-of-scope privacy control, quarterly, from 1 Jan."""
    with db.transaction() as s:
        make_program(s, window=(dt.date(2026, 1, 1), dt.date(2026, 12, 31)))
        raj = make_person(s, "raj@acme.test")
        ana = make_person(s, "ana@acme.test", role=Role.ADMIN)
        make_task(s, make_control(s, "CC6.1-AR", owner=raj, criteria=("CC6.1", "CC6.2")), "ar")
        make_task(
            s, make_control(s, "CC7.1-VULN", owner=ana, criteria=("CC7.1",), title="Scans"), "scan"
        )
        make_task(
            s,
            make_control(s, "P1.1-NOTICE", owner=ana, criteria=("P1.1",), in_scope=False),
            "notice",
        )
        generate(s, now=NOW, horizon_days=60)


def occ(db: Database, task: str, period: str) -> int:
    with db.session() as s:
        from models import Task

        row = s.exec(
            select(Occurrence.id)
            .join(Task)
            .where(Task.key == task, Occurrence.period_key == period)
        ).one()
    return int(row or 0)


def raj(db: Database) -> Actor:
    with db.session() as s:
        return Actor.for_person(s.exec(select(Person).where(Person.email == "raj@acme.test")).one())


def test_status_counts_readiness_overdue_and_window_coverage(db: Database) -> None:
    seed(db)
    with db.transaction() as s:
        complete_by_attestation(
            session=s, actor=raj(db), occurrence_id=occ(db, "ar", "2026-Q1"), now=NOW
        )
        complete_by_attestation(
            session=s, actor=raj(db), occurrence_id=occ(db, "ar", "2026-Q2"), now=NOW
        )
    with db.session() as s:
        summary = get_status_summary(session=s, now=NOW)
    # CC6.1-AR is fully done; CC7.1-VULN has Q1 and Q2 overdue; the privacy control is out of scope.
    assert summary.controls_in_scope == 2 and summary.controls_on_track == 1
    assert round(summary.readiness_pct) == 50
    assert summary.overdue_count == 2
    assert [i.control_key for i in summary.overdue] == ["CC7.1-VULN", "CC7.1-VULN"]
    assert {c.group: (c.controls, c.overdue) for c in summary.criteria} == {
        "CC6": (1, 0),
        "CC7": (1, 2),
    }
    coverage = {c.control_key: (c.expected, c.evidenced, c.gaps) for c in summary.coverage}
    assert coverage == {"CC6.1-AR": (2, 2, 0), "CC7.1-VULN": (2, 0, 2)}
    assert round(summary.coverage_pct) == 50 and summary.gap_count == 2
    assert {g.period_key for g in summary.gaps} == {"2026-Q1", "2026-Q2"}


def test_skipped_period_is_an_exception_not_a_gap(db: Database) -> None:
    seed(db)
    with db.transaction() as s:
        skip_occurrence(
            session=s,
            actor=Actor.cli(),
            occurrence_id=occ(db, "scan", "2026-Q1"),
            reason="no systems yet",
        )
    with db.session() as s:
        summary = get_status_summary(session=s, now=NOW)
    vuln = next(c for c in summary.coverage if c.control_key == "CC7.1-VULN")
    assert (vuln.expected, vuln.skipped, vuln.gaps) == (2, 1, 1)


def test_due_soon_lists_work_due_in_the_next_14_days(db: Database) -> None:
    seed(db)
    soon = dt.datetime(2026, 7, 5, tzinfo=dt.UTC)  # Q3 items are due 15 July
    with db.session() as s:
        summary = get_status_summary(session=s, now=soon)
    assert summary.due_soon_count == 2
    assert {i.state for i in summary.due_soon} == {State.OPEN}


def test_mine_lists_only_the_callers_pending_work(db: Database) -> None:
    seed(db)
    actor = raj(db)
    with db.transaction() as s:
        complete_by_attestation(
            session=s, actor=actor, occurrence_id=occ(db, "ar", "2026-Q1"), now=NOW
        )
    with db.session() as s:
        items = get_my_work(session=s, person_id=actor.person_id or 0, now=NOW)
        ahead = get_my_work(session=s, person_id=actor.person_id or 0, now=NOW, ahead_days=60)
    assert [(i.control_key, i.period_key, i.state) for i in items] == [
        ("CC6.1-AR", "2026-Q2", State.OVERDUE),
    ]
    assert [(i.period_key, i.state) for i in ahead][-1] == ("2026-Q3", State.UPCOMING)


def test_reassigning_a_control_moves_pending_work(db: Database) -> None:
    seed(db)
    with db.transaction() as s:
        ana = s.exec(select(Person).where(Person.email == "ana@acme.test")).one()
        assign_owner(session=s, actor=Actor.cli(), key="cc6.1-ar", person=ana)
    with db.session() as s:
        assert get_my_work(session=s, person_id=raj(db).person_id or 0, now=NOW) == []
        history = get_history(session=s, control_key="CC6.1-AR")
    assert history.events[0].action == "control.owner_changed"
    assert history.events[0].details == {"from": "raj@acme.test", "to": "ana@acme.test"}


def test_controls_filter_by_text_or_criterion(db: Database) -> None:
    seed(db)
    with db.session() as s:
        assert [r.key for r in list_controls(session=s, text="cc7")] == ["CC7.1-VULN"]
        assert [r.key for r in list_controls(session=s, text="CC6.2")] == ["CC6.1-AR"]
        assert len(list_controls(session=s)) == 3


def test_control_detail_shows_owner_criteria_tasks_and_last_evidence(db: Database) -> None:
    seed(db)
    with db.transaction() as s:
        complete_by_attestation(
            session=s, actor=raj(db), occurrence_id=occ(db, "ar", "2026-Q1"), now=NOW
        )
    with db.session() as s:
        detail = get_control_detail(session=s, key="CC6.1-AR", now=NOW)
    assert detail.owner is not None and detail.owner.email == "raj@acme.test"
    assert detail.criteria == ["CC6.1", "CC6.2"] and [t.key for t in detail.tasks] == ["ar"]
    assert detail.last_evidence is not None and detail.last_evidence.statement
    assert [o.period_key for o in detail.recent] == ["2026-Q2", "2026-Q1"]


def test_metrics_counts_open_and_overdue(db: Database) -> None:
    seed(db)
    with db.session() as s:
        assert count_open_and_overdue(session=s, now=NOW) == (0, 4)
