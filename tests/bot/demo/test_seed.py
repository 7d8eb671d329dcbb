"""`seed_demo`: Northwind Analytics with a year of history, through the real services."""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import SQLModel, col, select

from bot.audit.verify import verify_chain
from bot.catalog.bootstrap import apply_catalog, starter_catalog_text
from bot.catalog.validate import validate_catalog_text
from bot.core.actor import Actor
from bot.core.db import Database
from bot.core.errors import Conflict
from bot.core.settings import DEFAULT_ALLOWED_TYPES
from bot.demo.seed import DemoReport, seed_demo
from bot.evidence.local import LocalEvidenceStore
from models import (
    Campaign,
    CampaignItem,
    CampaignStatus,
    Control,
    Evidence,
    EvidenceKind,
    ItemDecision,
    Occurrence,
    OccurrenceStatus,
    Person,
    Program,
    Role,
)

NOW = dt.datetime(2026, 11, 23, 15, tzinfo=dt.UTC)


@dataclass
class Seeded:
    db: Database
    store: LocalEvidenceStore
    report: DemoReport
    seconds: float


def _fresh(root: Path) -> tuple[Database, LocalEvidenceStore]:
    db = Database(f"sqlite:///{root}/demo.db")
    db.upgrade()
    store = LocalEvidenceStore(
        root / "ev", max_bytes=25 * 1024 * 1024, allowed_types=DEFAULT_ALLOWED_TYPES
    )
    return db, store


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seeded]:
    db, store = _fresh(tmp_path_factory.mktemp("demo"))
    started = time.perf_counter()
    report = seed_demo(db=db, store=store, now=NOW)
    yield Seeded(db, store, report, time.perf_counter() - started)
    db.dispose()


def _past(seeded: Seeded) -> list[Occurrence]:
    with seeded.db.session() as session:
        return list(session.exec(select(Occurrence).where(Occurrence.due_at < NOW)).all())


def test_the_program_has_a_full_type_ii_window_ending_last_month(seeded: Seeded) -> None:
    with seeded.db.session() as session:
        program = session.get(Program, 1)
    assert program is not None
    assert program.name == "Northwind Analytics SOC 2"
    assert program.timezone == "America/New_York"
    assert program.window_start == program.start_date == dt.date(2025, 11, 1)
    assert program.window_end == dt.date(2026, 10, 31)
    assert set(program.criteria) == {"security", "availability", "confidentiality"}


def test_about_twenty_real_people_in_several_timezones_own_the_controls(seeded: Seeded) -> None:
    with seeded.db.session() as session:
        people = session.exec(select(Person)).all()
        controls = session.exec(select(Control).where(col(Control.in_scope))).all()
    assert 18 <= len(people) <= 22 and seeded.report.people == len(people)
    assert not any(p.placeholder for p in people)
    assert all(p.email.endswith("@northwind.example") for p in people)
    assert len({p.timezone for p in people}) >= 4
    roles = Counter(p.role for p in people)
    assert (roles[Role.ADMIN], roles[Role.LEADERSHIP], roles[Role.AUDITOR]) == (2, 2, 1)
    assert sum(p.manager_id is not None for p in people) >= 15
    by_id = {p.id: p for p in people}
    assert all(not by_id[c.owner_id].placeholder for c in controls)
    assert len({c.owner_id for c in controls}) >= 8  # ownership is spread out
    assert seeded.report.controls == len(controls) >= 40


def test_most_past_work_is_done_on_time_some_late_a_few_skipped_or_overdue(
    seeded: Seeded,
) -> None:
    report, past = seeded.report, _past(seeded)
    assert report.occurrences == len(past) > 200
    assert report.completed + report.skipped + report.overdue == report.occurrences
    status = Counter(o.status for o in past)
    assert status[OccurrenceStatus.DONE] == report.completed
    assert status[OccurrenceStatus.SKIPPED] == report.skipped == 3
    assert status[OccurrenceStatus.PENDING] == report.overdue
    assert (report.completed - report.late) / report.occurrences >= 0.75
    assert 0.03 <= report.late / report.occurrences <= 0.15
    assert 1 <= report.overdue <= 0.08 * report.occurrences
    late = [o for o in past if o.completed_at is not None and o.completed_at > o.due_at]
    assert len(late) == report.late
    overdue = [o for o in past if o.status is OccurrenceStatus.PENDING]
    recent = [o for o in overdue if o.due_at > NOW - dt.timedelta(days=45)]
    assert len(recent) > len(overdue) / 2  # mostly recent


def test_skipped_work_carries_a_reason(seeded: Seeded) -> None:
    skipped = [o for o in _past(seeded) if o.status is OccurrenceStatus.SKIPPED]
    reasons = [o.skip_reason or "" for o in skipped]
    assert any("decommissioned in March" in r for r in reasons)
    assert any("contract ended" in r for r in reasons)


def test_completions_are_back_dated_and_done_by_the_assignee(seeded: Seeded) -> None:
    done = [o for o in _past(seeded) if o.status is OccurrenceStatus.DONE]
    with seeded.db.session() as session:
        evidence = {e.occurrence_id: e for e in session.exec(select(Evidence)).all()}
    for occ in done:
        assert occ.completed_at is not None and occ.completed_at < NOW
        assert occ.completed_by_id == occ.assignee_id
        assert evidence[occ.id].submitted_at == occ.completed_at
        assert evidence[occ.id].submitted_by_id == occ.assignee_id
    months = {o.completed_at.strftime("%Y-%m") for o in done if o.completed_at}
    assert len(months) >= 10  # a year of history, not one afternoon


def test_evidence_files_are_in_the_store_with_matching_hashes(seeded: Seeded) -> None:
    with seeded.db.session() as session:
        files = session.exec(select(Evidence).where(Evidence.kind == EvidenceKind.FILE)).all()
        attestations = session.exec(
            select(Evidence).where(Evidence.kind == EvidenceKind.ATTESTATION)
        ).all()
    assert len(files) == seeded.report.evidence_files > 100
    assert attestations and all(a.statement for a in attestations)
    assert {f.media_type for f in files} <= {"text/csv", "text/plain", "application/json"}
    for item in files:
        assert item.storage_key is not None and seeded.store.exists(item.storage_key)
        data = b"".join(seeded.store.open(item.storage_key))
        assert hashlib.sha256(data).hexdigest() == item.sha256
        assert len(data) == item.size


def test_work_done_before_it_is_due_is_counted_apart(seeded: Seeded) -> None:
    with seeded.db.session() as session:
        ahead = session.exec(
            select(Occurrence).where(
                Occurrence.due_at >= NOW, col(Occurrence.completed_at).is_not(None)
            )
        ).all()
    assert len(ahead) == seeded.report.done_ahead
    assert all(o.completed_at is not None and o.completed_at < NOW for o in ahead)


def test_everyone_acknowledged_the_policy_then_its_review_and_the_training_began(
    seeded: Seeded,
) -> None:
    with seeded.db.session() as session:
        rounds = {c.name: c for c in session.exec(select(Campaign))}
        items = session.exec(select(CampaignItem)).all()
    first = rounds["Information Security Policy, version 3.0"]
    review = rounds["Information Security Policy, version 3.1"]
    training = rounds["Security awareness training (2026)"]
    assert (first.status, review.status, training.status) == (
        CampaignStatus.SUPERSEDED, CampaignStatus.OPEN, CampaignStatus.OPEN,
    )  # fmt: skip
    assert first.created_at.date() - dt.date(2025, 11, 1) < dt.timedelta(days=10)
    assert all(i.decision is ItemDecision.ACKNOWLEDGED for i in items if i.campaign_id == first.id)
    answered = [i for i in items if i.decided_at is not None]
    assert len(answered) == seeded.report.answers
    assert all(i.decided_at is not None and i.decided_at < NOW for i in answered)


def test_the_audit_chain_verifies(seeded: Seeded) -> None:
    with seeded.db.session() as session:
        report = verify_chain(session=session)
    assert report.ok, report.problem


def test_seeding_is_quick(seeded: Seeded) -> None:
    assert seeded.seconds < 15


def _row_counts(db: Database) -> dict[str, int]:
    with db.engine.connect() as conn:
        return {
            table.name: conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
            for table in SQLModel.metadata.sorted_tables
        }


def test_seeding_twice_is_refused_and_changes_nothing(seeded: Seeded) -> None:
    before = _row_counts(seeded.db)
    files = sorted(seeded.store.root.rglob("*"))
    with pytest.raises(Conflict, match="fresh database"):
        seed_demo(db=seeded.db, store=seeded.store, now=NOW + dt.timedelta(days=1))
    assert _row_counts(seeded.db) == before
    assert sorted(seeded.store.root.rglob("*")) == files


def test_a_database_holding_only_the_starter_catalog_can_take_the_demo(tmp_path: Path) -> None:
    db, store = _fresh(tmp_path)
    spec = validate_catalog_text(starter_catalog_text())
    apply_catalog(db, spec, actor=Actor.cli(), now=NOW, horizon_days=120)
    report = seed_demo(db=db, store=store, now=NOW, seed=3)
    assert report.completed > 0.75 * report.occurrences
    with db.session() as session:
        assert verify_chain(session=session).ok
        owners = session.exec(select(Person).join(Control, col(Control.owner_id) == Person.id))
        assert not any(p.placeholder for p in owners)
    db.dispose()
