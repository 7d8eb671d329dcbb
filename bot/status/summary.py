"""Program posture and personal work lists, computed as SQL aggregates over indexed columns."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from bot.campaigns.progress import list_round_progress
from bot.catalog.criteria import criterion_group
from bot.core.program import get_program_or_raise, local_day, program_today, program_zone
from bot.directory.owners import work_needing_new_owner
from bot.status.facts import Coverage, CriterionCount, EvidenceExpiry, StatusSummary
from bot.work.expiring import lapsed_occurrences, list_expiring_evidence
from bot.work.facts import WorkItem
from bot.work.items import active_controls, work_items
from models import Control, ControlCriterion, Occurrence, OccurrenceStatus, Person

PENDING = OccurrenceStatus.PENDING
DUE_SOON_DAYS = 14
EXPIRING_DAYS = 30


def get_status_summary(*, session: Session, now: dt.datetime, limit: int = 10) -> StatusSummary:
    """Readiness, per-criterion counts, overdue, due soon and Type II window coverage."""
    program = get_program_or_raise(session=session)
    today = program_today(program, now)
    per_control = _pending_by_control(session, now, today)
    controls = session.exec(select(Control.id).where(active_controls())).all()
    overdue_total = sum(o for _, o in per_control.values())
    soon = sa.and_(
        col(Occurrence.due_at) > now, col(Occurrence.due_at) <= now + _days(DUE_SOON_DAYS)
    )
    overdue_q = col(Occurrence.due_at) <= now
    window = (program.window_start, program.window_end)
    coverage, unproven, lapsed = _coverage(session, *window, now)
    return StatusSummary(
        program=program.name,
        today=today,
        window_start=program.window_start,
        window_end=program.window_end,
        controls_in_scope=len(controls),
        controls_on_track=sum(1 for c in controls if per_control.get(c or 0, (0, 0))[1] == 0),
        open_count=sum(o for o, _ in per_control.values()),
        overdue_count=overdue_total,
        due_soon_count=_count_pending(session, soon),
        overdue=work_items(session, overdue_q, now, today, limit=limit),
        due_soon=work_items(session, soon, now, today, limit=limit),
        criteria=_criteria_counts(session, per_control),
        coverage=coverage,
        gaps=_gap_items(session, window, now, today, limit, unproven, lapsed),
        placeholder_owners=count_placeholder_owned(session=session),
        needs_new_owner=tuple(work_needing_new_owner(session=session)),
        rounds=tuple(list_round_progress(session=session, now=now)),
        expiry=_expiry(session, now, limit),
        lapsed=frozenset(lapsed),
    )


def _days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)


def _pending_by_control(
    session: Session, now: dt.datetime, today: dt.date
) -> dict[int, tuple[int, int]]:
    """control id → (open, overdue) pending occurrences whose period has started."""
    overdue = sa.func.sum(sa.case((col(Occurrence.due_at) <= now, 1), else_=0))
    is_open = sa.and_(col(Occurrence.due_at) > now, col(Occurrence.period_start) <= today)
    rows = session.exec(
        select(Occurrence.control_id, sa.func.sum(sa.case((is_open, 1), else_=0)), overdue)
        .join(Control, col(Control.id) == Occurrence.control_id)
        .where(Occurrence.status == PENDING, col(Occurrence.period_start) <= today)
        .where(active_controls())
        .group_by(col(Occurrence.control_id))
    ).all()
    return {cid: (int(o or 0), int(d or 0)) for cid, o, d in rows}


def _count_pending(session: Session, condition: Any) -> int:
    query = (
        select(sa.func.count())
        .select_from(Occurrence)
        .join(Control, col(Control.id) == Occurrence.control_id)
        .where(Occurrence.status == PENDING, condition, active_controls())
    )
    return int(session.exec(query).one())


def _criteria_counts(
    session: Session, per_control: dict[int, tuple[int, int]]
) -> list[CriterionCount]:
    rows = session.exec(
        select(ControlCriterion.criterion, ControlCriterion.control_id)
        .join(Control, col(Control.id) == ControlCriterion.control_id)
        .where(active_controls())
    ).all()
    groups: dict[str, set[int]] = {}
    for criterion, control_id in rows:
        groups.setdefault(criterion_group(criterion), set()).add(control_id)
    return [
        CriterionCount(
            group=group,
            controls=len(ids),
            open=sum(per_control.get(c, (0, 0))[0] for c in ids),
            overdue=sum(per_control.get(c, (0, 0))[1] for c in ids),
        )
        for group, ids in sorted(groups.items(), key=lambda kv: _group_order(kv[0]))
    ]


def _group_order(group: str) -> tuple[int, str]:
    prefixes = ("CC", "A", "PI", "C", "P")
    prefix = next(p for p in (*prefixes, "") if group.startswith(p))
    return (prefixes.index(prefix) if prefix else 9, group.rjust(6))


def _in_window(start: dt.date, end: dt.date, now: dt.datetime) -> Any:
    """Occurrences of the window that are expected by now: due already, or done anyway."""
    expected = sa.or_(col(Occurrence.due_at) <= now, col(Occurrence.status) != PENDING)
    return sa.and_(
        col(Occurrence.period_start) >= start, col(Occurrence.period_start) <= end, expected
    )


def _coverage(
    session: Session, start: dt.date, end: dt.date, now: dt.datetime
) -> tuple[list[Coverage], list[int], list[int]]:
    """Coverage per in-scope control (by key), the controls with done but unproven work, and
    the done work whose evidence had expired when it was judged (bot/work/expiring.py).

    Grouped by control over ix_occurrence_control_window alone, which holds each
    occurrence's `proven` flag: no evidence is read, and the controls' keys and titles are
    read once, not joined to every row. Expired evidence is looked up on its own index.
    """
    done = col(Occurrence.status) == OccurrenceStatus.DONE
    evidenced = sa.and_(done, col(Occurrence.proven))
    skipped = col(Occurrence.status) == OccurrenceStatus.SKIPPED
    active = sa.select(col(Control.id)).where(active_controls())
    rows = [
        (control_id, int(n), int(e or 0), int(s or 0), int(d or 0))
        for control_id, n, e, s, d in session.execute(
            sa.select(
                col(Occurrence.control_id),
                sa.func.count(),
                sa.func.sum(sa.case((evidenced, 1), else_=0)),
                sa.func.sum(sa.case((skipped, 1), else_=0)),
                sa.func.sum(sa.case((done, 1), else_=0)),
            )
            .where(_in_window(start, end, now), col(Occurrence.control_id).in_(active))
            .group_by(col(Occurrence.control_id))
        )
    ]
    named = sa.select(col(Control.id), col(Control.key), col(Control.title))
    names = {
        cid: (key, title)
        for cid, key, title in session.execute(named.where(col(Control.id).in_(r[0] for r in rows)))
    }
    where = sa.and_(_in_window(start, end, now), col(Occurrence.control_id).in_(active))
    lapsed = lapsed_occurrences(session=session, where=where, now=now)
    expired = Counter(lapsed.values())
    coverage = [Coverage(*names[c], n, e - expired[c], s) for c, n, e, s, _ in rows]
    unproven = [c for c, _, e, _, d in rows if d > e]
    return sorted(coverage, key=lambda c: c.control_key), unproven, sorted(lapsed)


def _gap_items(
    session: Session,
    window: tuple[dt.date, dt.date],
    now: dt.datetime,
    today: dt.date,
    limit: int,
    unproven: list[int],
    lapsed: list[int],
) -> list[WorkItem]:
    """The first gaps by due time: work due in the window that is neither proven nor skipped.

    That is overdue pending work (read in due order from its index), plus done work without
    accepted evidence, which is looked for only in the controls the coverage counts show
    to have some, and done work whose evidence had expired when it was judged.
    """
    in_window = sa.and_(
        col(Occurrence.period_start) >= window[0], col(Occurrence.period_start) <= window[1]
    )
    overdue = sa.and_(in_window, col(Occurrence.due_at) <= now)
    items = work_items(session, overdue, now, today, limit=limit)
    if unproven:
        lacking = sa.and_(
            in_window,
            col(Occurrence.status) == OccurrenceStatus.DONE,
            sa.not_(col(Occurrence.proven)),
            col(Occurrence.control_id).in_(unproven),
        )
        items += work_items(session, lacking, now, today, limit=limit, pending_only=False)
    if lapsed:
        expired = col(Occurrence.id).in_(lapsed)
        items += work_items(session, expired, now, today, limit=limit, pending_only=False)
    return sorted(items, key=lambda i: (i.due_on, i.occurrence_id))[:limit]


def _expiry(session: Session, now: dt.datetime, limit: int) -> EvidenceExpiry:
    """Current evidence expiring within 30 days, and expired without a renewal."""
    until = now + _days(EXPIRING_DAYS)
    found = list_expiring_evidence(session=session, now=now, until=until)
    expired = [e for e in found if e.expires_at < now]
    expiring = [e for e in found if e.expires_at >= now]
    return EvidenceExpiry(
        len(expiring), tuple(expiring[:limit]), len(expired), tuple(expired[:limit])
    )


def count_placeholder_owned(*, session: Session) -> int:
    """In-scope controls whose owner is still a catalog placeholder."""
    query = (
        select(sa.func.count())
        .select_from(Control)
        .join(Person, col(Person.id) == Control.owner_id)
        .where(col(Person.placeholder), active_controls())
    )
    return int(session.exec(query).one())


def count_open_and_overdue(*, session: Session, now: dt.datetime) -> tuple[int, int]:
    """(open, overdue) pending occurrences, for the metrics gauges."""
    overdue = _count_pending(session, col(Occurrence.due_at) <= now)
    today = local_day(now, program_zone(session=session))  # as `status` counts them
    started = sa.and_(col(Occurrence.due_at) > now, col(Occurrence.period_start) <= today)
    return _count_pending(session, started), overdue
