"""Digest aggregates over indexed columns: completions, evidence, owners, campaigns, trend."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session, col

from bot.digest.facts import CampaignProgress, Completed, OwnerOverdue, WeekTrend
from bot.work.items import active_controls
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
    Task,
)

DONE, PENDING = OccurrenceStatus.DONE, OccurrenceStatus.PENDING
Between = tuple[dt.datetime, dt.datetime]  # [start, end) as UTC instants


def _completed_in(between: Between) -> sa.ColumnElement[bool]:
    # `completed_at` is set exactly while the status is done (a reopen clears it), so its own
    # index answers this; adding `status = 'done'` makes SQLite pick the status index instead.
    start, end = between
    return sa.and_(col(Occurrence.completed_at) >= start, col(Occurrence.completed_at) < end)


def count_completed(*, session: Session, between: Between) -> tuple[int, int]:
    """(completed, of which late) occurrences completed in `between`."""
    late = sa.func.sum(sa.case((col(Occurrence.completed_at) > col(Occurrence.due_at), 1), else_=0))
    row = session.execute(
        sa.select(sa.func.count(), late)
        .select_from(Occurrence)
        .join(Control, col(Control.id) == Occurrence.control_id)
        .where(_completed_in(between), active_controls())
    ).one()
    return int(row[0]), int(row[1] or 0)


def list_completed(*, session: Session, between: Between, tz: str, limit: int) -> list[Completed]:
    """The first `limit` occurrences completed in `between`, in completion order."""
    rows = session.execute(
        sa.select(Occurrence, col(Control.key), col(Task.title), col(Person.name))
        .join(Task, col(Task.id) == Occurrence.task_id)
        .join(Control, col(Control.id) == Occurrence.control_id)
        .outerjoin(Person, col(Person.id) == Occurrence.completed_by_id)
        .where(_completed_in(between), active_controls())
        .order_by(col(Occurrence.completed_at), col(Occurrence.id))
        .limit(limit)
    ).all()
    zone = ZoneInfo(tz)
    return [
        Completed(
            occurrence_id=occ.id or 0,
            control_key=key,
            task_title=title,
            period_key=occ.period_key,
            completed_by=name,
            completed_on=(occ.completed_at or between[0]).astimezone(zone).date(),
            on_time=occ.completed_at is not None and occ.completed_at <= occ.due_at,
        )
        for occ, key, title, name in rows
    ]


def count_evidence(*, session: Session, between: Between) -> tuple[int, int]:
    """(files, attestations) submitted in `between` and not superseded since."""
    start, end = between
    rows = session.execute(
        sa.select(col(Evidence.kind), sa.func.count())
        .where(
            col(Evidence.submitted_at) >= start,
            col(Evidence.submitted_at) < end,
            col(Evidence.superseded_at).is_(None),
        )
        .group_by(col(Evidence.kind))
    ).all()
    counts = {EvidenceKind(kind): int(n) for kind, n in rows}
    return counts.get(EvidenceKind.FILE, 0), counts.get(EvidenceKind.ATTESTATION, 0)


def count_controls_overdue(*, session: Session, at: dt.datetime, today: dt.date) -> int:
    """In-scope controls that had overdue work at the instant `at`, rebuilt from dates.

    Work was overdue then if it was due by `at` and either is still pending or was completed
    after `at`. Work skipped since counts as not overdue (when it was skipped is not stored),
    and today's set of in-scope controls stands in for the set of that day.
    """

    def controls(condition: sa.ColumnElement[bool]) -> sa.Select[Any]:
        return (
            sa.select(col(Occurrence.control_id))
            .join(Control, col(Control.id) == Occurrence.control_id)
            .where(condition, col(Occurrence.due_at) <= at, active_controls())
        )

    # Two indexed parts: still pending (status, due_at), and done only after `at` (completed_at).
    still_pending = sa.and_(
        col(Occurrence.status) == PENDING, col(Occurrence.period_start) <= today
    )
    done_later = col(Occurrence.completed_at) > at
    either = sa.union(controls(still_pending), controls(done_later)).subquery()
    return int(session.execute(sa.select(sa.func.count()).select_from(either)).scalar_one())


def overdue_by_owner(*, session: Session, now: dt.datetime) -> list[OwnerOverdue]:
    """Overdue work per assignee, most first."""
    count = sa.func.count()
    rows = session.execute(
        sa.select(col(Person.name), count, sa.func.min(col(Occurrence.due_on)))
        .select_from(Occurrence)
        .join(Control, col(Control.id) == Occurrence.control_id)
        .outerjoin(Person, col(Person.id) == Occurrence.assignee_id)
        .where(col(Occurrence.status) == PENDING, col(Occurrence.due_at) <= now, active_controls())
        .group_by(col(Occurrence.assignee_id), col(Person.name))
        .order_by(count.desc(), col(Person.name))
    ).all()
    return [OwnerOverdue(name, int(n), oldest) for name, n, oldest in rows]


def campaigns_in_progress(*, session: Session) -> list[CampaignProgress]:
    """Open campaigns with how many of their items are decided, oldest first."""
    # Withdrawn items (people who left a policy or training round) count neither way.
    counted = col(CampaignItem.decision) != ItemDecision.WITHDRAWN
    decided = sa.func.sum(
        sa.case((sa.and_(counted, col(CampaignItem.decision) != ItemDecision.PENDING), 1), else_=0)
    )
    rows = session.execute(
        sa.select(
            col(Campaign.id),
            col(Campaign.name),
            col(Campaign.kind),
            sa.func.sum(sa.case((counted, 1), else_=0)),
            decided,
        )
        .select_from(Campaign)
        .outerjoin(CampaignItem, col(CampaignItem.campaign_id) == Campaign.id)
        .where(col(Campaign.status) == CampaignStatus.OPEN)
        .group_by(col(Campaign.id), col(Campaign.name), col(Campaign.kind))
        .order_by(col(Campaign.created_at), col(Campaign.id))
    ).all()
    return [
        CampaignProgress(cid, name, str(kind), int(decided or 0), int(total or 0))
        for cid, name, kind, total, decided in rows
    ]


def on_time_trend(*, session: Session, mondays: list[dt.date]) -> list[WeekTrend]:
    """Count work due per week between consecutive `mondays`, and how much was done on time.

    A week holds the work whose local due date (`due_on`) falls in it, so weeks follow the
    program's calendar and DST needs no arithmetic; skipped work is left out. One query: the
    week is a CASE over `due_on`. The `due_at` range around it (a day of slack covers any UTC
    offset) is there so that the database can use the (status, due_at) index.
    """
    due_on, due_at = col(Occurrence.due_on), col(Occurrence.due_at)
    week = sa.case(*((due_on < end, n) for n, end in enumerate(mondays[1:])), else_=-1)
    on_time = sa.and_(col(Occurrence.status) == DONE, col(Occurrence.completed_at) <= due_at)
    slack = dt.timedelta(days=1)
    # A subquery, because PostgreSQL refuses GROUP BY on an expression with bound parameters.
    rows_q = (
        sa.select(week.label("week"), sa.case((on_time, 1), else_=0).label("on_time"))
        .select_from(Occurrence)
        .join(Control, col(Control.id) == Occurrence.control_id)
        .where(
            col(Occurrence.status).in_([PENDING, DONE]),
            due_at > _utc_midnight(mondays[0]) - slack,
            due_at <= _utc_midnight(mondays[-1]) + slack,
            due_on >= mondays[0],
            due_on < mondays[-1],
            active_controls(),
        )
        .subquery()
    )
    rows = session.execute(
        sa.select(rows_q.c.week, sa.func.count(), sa.func.sum(rows_q.c.on_time)).group_by(
            rows_q.c.week
        )
    ).all()
    found = {int(n): (int(due), int(ok or 0)) for n, due, ok in rows}
    return [WeekTrend(monday, *found.get(n, (0, 0))) for n, monday in enumerate(mondays[:-1])]


def _utc_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), dt.UTC)
