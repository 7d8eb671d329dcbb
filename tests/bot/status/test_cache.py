"""The per-process status cache (a change is seen at once, time-driven changes within a
minute) and the `proven` flag that window coverage is counted from."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

from alembic import command
from sqlmodel import select, update

from bot.core.actor import Actor
from bot.core.db import Database, alembic_config
from bot.evidence.services import complete_by_attestation, supersede_evidence
from bot.status.cache import get_cached_status_summary
from models import Occurrence
from tests.bot.status.test_summary import NOW, occ, raj, seed


def overdue_and_coverage(db: Database, now: dt.datetime) -> tuple[int, int]:
    with db.session() as s:
        summary = get_cached_status_summary(session=s, now=now)
    return summary.overdue_count, sum(c.evidenced for c in summary.coverage)


def test_a_change_through_the_service_shows_at_once(db: Database) -> None:
    seed(db)
    assert overdue_and_coverage(db, NOW) == (4, 0)
    with db.transaction() as s:
        complete_by_attestation(
            session=s, actor=raj(db), occurrence_id=occ(db, "ar", "2026-Q1"), now=NOW
        )
    # same minute: the audit event written with the change invalidates the cached summary
    assert overdue_and_coverage(db, NOW + dt.timedelta(seconds=5)) == (3, 1)


def test_time_driven_changes_show_at_the_next_minute(db: Database) -> None:
    seed(db)
    assert overdue_and_coverage(db, NOW)[0] == 4
    # A change that writes no audit event, as the clock's own changes (work turning overdue)
    # do not: the summary may be up to a minute old, never older.
    with db.transaction() as s:
        s.exec(update(Occurrence).where(Occurrence.due_at <= NOW).values(status="done"))
    assert overdue_and_coverage(db, NOW + dt.timedelta(seconds=59))[0] == 4
    assert overdue_and_coverage(db, NOW + dt.timedelta(seconds=60))[0] == 0


def test_two_databases_in_one_process_do_not_share_answers(
    sqlite_template: Path, tmp_path: Path
) -> None:
    for name in ("a", "b"):
        shutil.copy(sqlite_template, tmp_path / f"{name}.db")
    first, second = (Database(f"sqlite:///{tmp_path / name}.db") for name in ("a", "b"))
    seed(first)
    seed(second)
    with second.transaction() as s:
        complete_by_attestation(
            session=s, actor=raj(second), occurrence_id=occ(second, "ar", "2026-Q1"), now=NOW
        )
    assert overdue_and_coverage(first, NOW) == (4, 0)
    assert overdue_and_coverage(second, NOW) == (3, 1)


def proven_flags(db: Database) -> dict[int, bool]:
    with db.session() as s:
        return {o.id or 0: o.proven for o in s.exec(select(Occurrence)) if o.proven}


def test_coverage_counts_evidence_until_it_is_superseded(db: Database) -> None:
    seed(db)
    q1, q2 = occ(db, "ar", "2026-Q1"), occ(db, "ar", "2026-Q2")
    with db.transaction() as s:
        first = complete_by_attestation(session=s, actor=raj(db), occurrence_id=q1, now=NOW)
        complete_by_attestation(session=s, actor=raj(db), occurrence_id=q2, now=NOW)
    assert proven_flags(db) == {q1: True, q2: True}
    assert overdue_and_coverage(db, NOW) == (2, 2)
    with db.transaction() as s:
        supersede_evidence(
            session=s, actor=Actor.cli(), evidence_id=first.id or 0, reason="wrong quarter",
            now=NOW,
        )  # fmt: skip
    # Q1 lost its only evidence: reopened, overdue again, no longer counted as covered
    assert proven_flags(db) == {q2: True}
    assert overdue_and_coverage(db, NOW) == (3, 1)


def test_the_migration_fills_the_flag_in_from_accepted_evidence(postgres_db: Database) -> None:
    # PostgreSQL only: going down to 0008 drops the column, which SQLite does by copying the
    # table, and the copy's DROP TABLE trips the foreign keys of a database holding data.
    db = postgres_db
    seed(db)
    q1, q2 = occ(db, "ar", "2026-Q1"), occ(db, "ar", "2026-Q2")
    with db.transaction() as s:
        first = complete_by_attestation(session=s, actor=raj(db), occurrence_id=q1, now=NOW)
        complete_by_attestation(session=s, actor=raj(db), occurrence_id=q2, now=NOW)
        supersede_evidence(
            session=s, actor=Actor.cli(), evidence_id=first.id or 0, reason="wrong quarter",
            now=NOW,
        )  # fmt: skip
    config = alembic_config(db.engine)
    command.downgrade(config, "0008")
    command.upgrade(config, "head")
    assert proven_flags(db) == {q2: True}
