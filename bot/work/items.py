"""Work items: occurrences as people see them, with state, task and assignee; `mine`."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

from bot.core.program import get_program_or_raise, program_today
from bot.work.facts import WorkItem
from bot.work.occurrences import state_of
from bot.work.policy_reviews import policy_reviews
from models import Control, Occurrence, OccurrenceStatus, Person, Task

PENDING = OccurrenceStatus.PENDING


def active_controls() -> Any:
    return sa.and_(col(Control.in_scope), col(Control.retired_at).is_(None))


def work_items(
    session: Session,
    condition: Any,
    now: dt.datetime,
    today: dt.date,
    *,
    limit: int,
    pending_only: bool = True,
) -> list[WorkItem]:
    query = (
        sa.select(
            Occurrence, col(Task.title), col(Task.evidence), col(Control.key), col(Person.name)
        )
        .join(Task, col(Task.id) == Occurrence.task_id)
        .join(Control, col(Control.id) == Occurrence.control_id)
        .outerjoin(Person, col(Person.id) == Occurrence.assignee_id)
        .where(condition, active_controls())
        .order_by(col(Occurrence.due_at), col(Occurrence.id))
        .limit(limit)
    )
    if pending_only:
        query = query.where(col(Occurrence.status) == PENDING)
    rows = session.execute(query).all()
    reviews = policy_reviews(session=session, task_ids={occ.task_id for occ, *_ in rows})
    return [
        WorkItem(
            occurrence_id=occ.id or 0,
            control_key=key,
            task_title=title,
            period_key=occ.period_key,
            due_on=occ.due_on,
            state=state_of(occ, now=now, today=today),
            evidence=str(evidence),
            assignee=name,
            policy=reviews.get(occ.task_id),
        )
        for occ, title, evidence, key, name in rows
    ]


def get_my_work(
    *, session: Session, person_id: int, now: dt.datetime, ahead_days: int = 30, limit: int = 500
) -> list[WorkItem]:
    """The person's pending work whose period has started or starts within `ahead_days`."""
    program = get_program_or_raise(session=session)
    today = program_today(program, now)
    mine = sa.and_(
        col(Occurrence.assignee_id) == person_id,
        col(Occurrence.period_start) <= today + dt.timedelta(days=ahead_days),
    )
    return work_items(session, mine, now, today, limit=limit)


def get_work_item(*, session: Session, occurrence_id: int, now: dt.datetime) -> WorkItem | None:
    """One occurrence as a work item (any status), e.g. to redraw the message that shows it."""
    program = get_program_or_raise(session=session)
    found = work_items(
        session,
        col(Occurrence.id) == occurrence_id,
        now,
        program_today(program, now),
        limit=1,
        pending_only=False,
    )
    return found[0] if found else None
