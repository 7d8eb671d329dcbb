"""The per-process status cache: a change is seen at once, time-driven changes within a minute."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

from sqlmodel import update

from bot.db import Database
from bot.services.evidence import complete_by_attestation
from bot.services.status_cache import get_cached_status_summary
from models import Occurrence
from tests.bot.services.test_status import NOW, occ, raj, seed


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
