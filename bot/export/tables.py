"""The bundle's CSV tables about the program: controls, tasks, occurrences, coverage (export)."""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from bot.core.markup import spreadsheet_safe
from bot.export.window import Window, occurrence_in_window, stream, text
from bot.export.zipout import BundleZip, TextEntry
from bot.work.expiring import lapsed_occurrences
from bot.work.occurrences import state_of
from models import Control, ControlCriterion, Evidence, Occurrence, OccurrenceStatus, Person, Task

Owner, Backup, Assignee, Completer = (aliased(Person) for _ in range(4))


def cell(value: Any) -> str:
    """A CSV cell that a spreadsheet shows as text, never evaluates."""
    shown = text(value)
    return spreadsheet_safe(shown)


def write_csv(
    bundle: BundleZip, name: str, header: Sequence[str], rows: Iterable[Sequence[Any]]
) -> int:
    """Stream rows into a CSV entry; the number of data rows written."""
    count = 0
    with bundle.entry(name) as entry:
        writer = csv.writer(TextEntry(entry))
        writer.writerow(header)
        for row in rows:
            writer.writerow([cell(v) for v in row])
            count += 1
    return count


def accepted_evidence() -> Any:
    """Count of evidence on the occurrence that has not been superseded."""
    return (
        select(sa.func.count(col(Evidence.id)))
        .where(Evidence.occurrence_id == Occurrence.id, col(Evidence.superseded_at).is_(None))
        .scalar_subquery()
    )


def criteria_by_control(session: Session) -> dict[int, str]:
    """control id → its criteria, `;`-separated and sorted (a few hundred rows at most)."""
    found: dict[int, list[str]] = {}
    for control_id, criterion in session.exec(
        select(ControlCriterion.control_id, ControlCriterion.criterion).order_by(
            col(ControlCriterion.control_id), col(ControlCriterion.criterion)
        )
    ):
        found.setdefault(control_id, []).append(criterion)
    return {k: ";".join(v) for k, v in found.items()}


CONTROL_HEADER = (
    "control_id", "title", "description", "criteria", "owner_email", "owner_name",
    "backup_owner_email", "in_scope", "retired_at", "occurrences_in_window",
)  # fmt: skip


def control_rows(session: Session, window: Window) -> Iterable[Sequence[Any]]:
    in_window = (
        select(sa.func.count(col(Occurrence.id)))
        .where(Occurrence.control_id == Control.id, occurrence_in_window(window))
        .scalar_subquery()
    )
    criteria = criteria_by_control(session)
    query = (
        sa.select(Control, col(Owner.email), col(Owner.name), col(Backup.email), in_window)
        .outerjoin(Owner, col(Owner.id) == Control.owner_id)
        .outerjoin(Backup, col(Backup.id) == Control.backup_owner_id)
        .order_by(col(Control.key))
    )
    for c, owner_email, owner_name, backup_email, count in stream(session, query):
        yield (
            c.key, c.title, c.description, criteria.get(c.id, ""), owner_email, owner_name,
            backup_email, c.in_scope, c.retired_at, count,
        )  # fmt: skip


TASK_HEADER = (
    "control_id", "task_id", "title", "kind", "schedule", "due_after_period_start",
    "evidence_required", "assignee_email", "retired_at",
)  # fmt: skip


def task_rows(session: Session) -> Iterable[Sequence[Any]]:
    query = (
        sa.select(Task, col(Control.key), col(Assignee.email))
        .join(Control, col(Control.id) == Task.control_id)
        .outerjoin(Assignee, col(Assignee.id) == Task.assignee_id)
        .order_by(col(Control.key), col(Task.key))
    )
    for t, control_key, assignee in stream(session, query):
        yield (
            control_key, t.key, t.title, t.kind, t.schedule, t.due_offset, t.evidence,
            assignee, t.retired_at,
        )  # fmt: skip


OCCURRENCE_HEADER = (
    "occurrence_id", "control_id", "task_id", "task_title", "task_kind", "period",
    "period_start", "period_end", "due_on", "due_at", "status", "state", "assignee_email",
    "completed_at", "completed_by_email", "skip_reason", "accepted_evidence",
)  # fmt: skip


def _occurrences(window: Window) -> Any:
    return (
        sa.select(
            Occurrence,
            col(Control.key),
            col(Task.key),
            col(Task.title),
            col(Task.kind),
            col(Assignee.email),
            col(Completer.email),
            accepted_evidence(),
        )
        .join(Control, col(Control.id) == Occurrence.control_id)
        .join(Task, col(Task.id) == Occurrence.task_id)
        .outerjoin(Assignee, col(Assignee.id) == Occurrence.assignee_id)
        .outerjoin(Completer, col(Completer.id) == Occurrence.completed_by_id)
        .where(occurrence_in_window(window))
        .order_by(col(Control.key), col(Task.key), col(Occurrence.period_start), col(Occurrence.id))
    )


def occurrence_rows(session: Session, window: Window) -> Iterable[Sequence[Any]]:
    today = window.today
    for o, control, task, title, kind, assignee, completer, accepted in stream(
        session, _occurrences(window)
    ):
        yield (
            o.id, control, task, title, kind, o.period_key, o.period_start, o.period_end,
            o.due_on, o.due_at, o.status, state_of(o, now=window.now, today=today), assignee,
            o.completed_at, completer, o.skip_reason, accepted,
        )  # fmt: skip


COVERAGE_HEADER = (
    "control_id", "task_id", "period", "period_start", "period_end", "due_on", "coverage",
    "accepted_evidence", "occurrence_id",
    # The occurrence's access review, detailed in access_reviews.csv (empty: none).
    "review_campaigns", "revocations", "revocations_verified", "revocations_open",
)  # fmt: skip
_NO_REVIEW = ("", "", "", "")


def coverage_of(o: Occurrence, accepted: int, window: Window) -> str:
    """evidenced, skipped, gap, or not_due (pending and not due yet at generation time)."""
    if o.status is OccurrenceStatus.SKIPPED:
        return "skipped"
    if o.status is OccurrenceStatus.DONE and accepted:
        return "evidenced"
    if o.status is OccurrenceStatus.PENDING and o.due_at > window.now:
        return "not_due"
    return "gap"


def coverage_rows(
    session: Session,
    window: Window,
    tally: Counter[str],
    reviews: Mapping[int, Sequence[Any]] | None = None,
) -> Iterable[Sequence[Any]]:
    """One row per control and period; `tally` counts each coverage class. `reviews` maps an
    occurrence to its access review's columns (bot/export/reviews.py). Work whose evidence
    had all expired when it was judged is a gap (bot/work/expiring.py)."""
    where, now = occurrence_in_window(window), window.now
    lapsed = lapsed_occurrences(session=session, where=where, now=now)
    for o, control, task, *_, accepted in stream(session, _occurrences(window)):
        kind = coverage_of(o, 0 if o.id in lapsed else int(accepted or 0), window)
        tally[kind] += 1
        yield (
            control, task, o.period_key, o.period_start, o.period_end, o.due_on, kind,
            accepted, o.id, *(reviews or {}).get(o.id or 0, _NO_REVIEW),
        )  # fmt: skip
