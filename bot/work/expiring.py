"""Evidence that expires (work layer): the work it no longer covers, and what expires soon.

One rule, for every count of coverage (`status`, the digest, the export and its verify.py):
evidence counts at an instant unless that instant is after its `expires_at`, and a period
of work is judged at its due time, or now (the export: when it is generated) if that is
earlier. Evidence that expired after its period was due still covered that period;
evidence that expired before covered nothing from then on.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from bot.core.program import get_program_or_raise, local_day, program_today, zone
from bot.work.facts import ExpiringEvidence
from bot.work.items import active_controls
from models import Control, Evidence, Occurrence, OccurrenceStatus, Task

_CHUNK = 500
_INSTANT = dt.timedelta(microseconds=1)


def judged_at(due_at: dt.datetime, now: dt.datetime) -> dt.datetime:
    """The instant a period of work is judged at: its due time, or `now` if earlier."""
    return min(due_at, now)


def counts_at(expires_at: dt.datetime | None, instant: dt.datetime) -> bool:
    """Whether evidence expiring at `expires_at` (None: never) still counts at `instant`."""
    return expires_at is None or instant <= expires_at


def last_valid_day(expires_at: dt.datetime, tz: dt.tzinfo) -> dt.date:
    """The last day evidence counts, in `tz`: expiry is the end of that day (local midnight)."""
    return local_day(expires_at - _INSTANT, tz)


def lapsed_occurrences(*, session: Session, where: Any, now: dt.datetime) -> dict[int, int]:
    """Done work matching `where` whose accepted evidence had all expired when it was judged:
    occurrence id → control id.

    Only work with evidence expired by `now` can be lapsed (it is judged at `now` or
    earlier), so the index on `expires_at` finds the few candidates; most programs have none.
    """
    expired = sa.select(col(Evidence.occurrence_id)).where(
        col(Evidence.superseded_at).is_(None),
        col(Evidence.expires_at).is_not(None),
        col(Evidence.expires_at) < now,
    )
    rows = session.execute(
        sa.select(col(Occurrence.id), col(Occurrence.control_id), col(Occurrence.due_at)).where(
            where,
            col(Occurrence.status) == OccurrenceStatus.DONE,
            col(Occurrence.id).in_(expired),
        )
    ).all()
    candidates = {int(o): (int(c), due_at) for o, c, due_at in rows}
    covered = {
        occurrence
        for occurrence, expires_at in _accepted_expiries(session, candidates)
        if counts_at(expires_at, judged_at(candidates[occurrence][1], now))
    }
    return {o: control for o, (control, _) in candidates.items() if o not in covered}


def _accepted_expiries(
    session: Session, occurrences: Iterable[int]
) -> Iterator[tuple[int, dt.datetime | None]]:
    ids = sorted(occurrences)
    for start in range(0, len(ids), _CHUNK):
        query = sa.select(col(Evidence.occurrence_id), col(Evidence.expires_at)).where(
            col(Evidence.occurrence_id).in_(ids[start : start + _CHUNK]),
            col(Evidence.superseded_at).is_(None),
        )
        for occurrence, expires_at in session.execute(query):
            yield int(occurrence), expires_at


def list_expiring_evidence(
    *, session: Session, now: dt.datetime, until: dt.datetime
) -> list[ExpiringEvidence]:
    """Each active task's current evidence that stops counting by `until`, soonest first
    (already expired included: it stays listed until a renewal is attached).

    A task's current evidence is its latest accepted evidence, on any of its periods: a
    renewal attached later, with or without an expiry of its own, takes its place.
    """
    program = get_program_or_raise(session=session)
    tz, today = zone(program.timezone), program_today(program, now)
    later, later_occ = aliased(Evidence), aliased(Occurrence)
    at, ev_id = col(later.submitted_at), col(later.id)
    renewed = (
        sa.select(ev_id)
        .join(later_occ, col(later_occ.id) == later.occurrence_id)
        .where(
            col(later_occ.task_id) == Occurrence.task_id,
            col(later.superseded_at).is_(None),
            sa.or_(
                at > Evidence.submitted_at,
                sa.and_(at == Evidence.submitted_at, ev_id > Evidence.id),
            ),
        )
        .exists()
    )
    query = (
        sa.select(
            Evidence,
            Occurrence,
            col(Task.title),
            col(Control.key),
            col(Control.owner_id),
            _current_occurrence(today),
        )  # fmt: skip
        .join(Occurrence, col(Occurrence.id) == Evidence.occurrence_id)
        .join(Task, col(Task.id) == Occurrence.task_id)
        .join(Control, col(Control.id) == Occurrence.control_id)
        .where(
            col(Evidence.superseded_at).is_(None),
            col(Evidence.expires_at).is_not(None),
            col(Evidence.expires_at) <= until,
            col(Task.retired_at).is_(None),
            active_controls(),
            sa.not_(renewed),
        )
        .order_by(col(Evidence.expires_at), col(Evidence.id))
    )
    return [
        ExpiringEvidence(
            evidence_id=ev.id or 0,
            occurrence_id=occ.id or 0,
            task_id=occ.task_id,
            control_key=key,
            task_title=title,
            period_key=occ.period_key,
            submitted_at=ev.submitted_at,
            expires_at=ev.expires_at,
            expires_on=last_valid_day(ev.expires_at, tz),
            owner_id=occ.assignee_id or owner_id,
            current_occurrence_id=current,
        )
        for ev, occ, title, key, owner_id, current in session.execute(query).all()
    ]


def _current_occurrence(today: dt.date) -> Any:
    """The id of the task's occurrence whose period holds `today` (a scalar subquery)."""
    now_occ = aliased(Occurrence)
    return (
        sa.select(col(now_occ.id))
        .where(
            col(now_occ.task_id) == Occurrence.task_id,
            col(now_occ.period_start) <= today,
            col(now_occ.period_end) >= today,
        )
        .order_by(col(now_occ.period_start).desc())
        .limit(1)
        .scalar_subquery()
    )
