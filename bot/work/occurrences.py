"""Occurrences: generate them from schedules, derive their state, complete or skip them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session, col, select, update

from bot.audit.trail import format_time, record_event
from bot.core.actor import Actor
from bot.core.errors import Conflict, InvalidInput
from bot.core.not_found import no_occurrence
from bot.core.permissions import Action, require
from bot.core.program import get_program_or_raise, program_today
from bot.core.recurrence import parse_duration, parse_schedule, periods
from bot.work.facts import State
from models import Control, Evidence, Occurrence, OccurrenceStatus, Program, Task


def state_of(occ: Occurrence, *, now: dt.datetime, today: dt.date) -> State:
    """Upcoming before its period starts, overdue once its due instant has passed."""
    if occ.status is not OccurrenceStatus.PENDING:
        return State(occ.status.value)
    if occ.due_at <= now:
        return State.OVERDUE
    return State.UPCOMING if occ.period_start > today else State.OPEN


@dataclass(frozen=True)
class OccurrencePlan:
    """The occurrences missing through `through`, built but not added to the session."""

    through: dt.date
    occurrences: list[Occurrence]


def plan_occurrences(*, session: Session, now: dt.datetime, horizon_days: int) -> OccurrencePlan:
    """What generation would create now: each task's missing periods up to the horizon.

    Periods start at the program start, or at the task's `planned_from` when that is
    later (a rescheduled task, or one a sync started from a given day): never before it.
    """
    program = get_program_or_raise(session=session)
    end = program_today(program, now) + dt.timedelta(days=horizon_days)
    missing = [
        o
        for task, control in _live_tasks(session)
        for o in _missing(session, program, task, control, end)
    ]
    return OccurrencePlan(through=end, occurrences=missing)


def tasks_missing_periods_before(*, session: Session, day: dt.date) -> list[Task]:
    """The live tasks that generation would give a period starting before `day`."""
    program = get_program_or_raise(session=session)
    end = day - dt.timedelta(days=1)
    return [
        task
        for task, control in _live_tasks(session)
        if _missing(session, program, task, control, end)
    ]


def _live_tasks(session: Session) -> list[tuple[Task, Control]]:
    """Tasks that get occurrences: not retired, of an in-scope control that is not retired."""
    rows = session.exec(
        select(Task, Control)
        .join(Control, col(Control.id) == Task.control_id)
        .where(col(Task.retired_at).is_(None), col(Control.retired_at).is_(None), Control.in_scope)
    ).all()
    return [(task, control) for task, control in rows]


def materialize_occurrences(
    *, session: Session, actor: Actor, now: dt.datetime, horizon_days: int
) -> int:
    """Create the missing occurrences from program start to the horizon; return how many."""
    plan = plan_occurrences(session=session, now=now, horizon_days=horizon_days)
    return add_planned_occurrences(session=session, actor=actor, plan=plan)


def add_planned_occurrences(*, session: Session, actor: Actor, plan: OccurrencePlan) -> int:
    """Add a plan's occurrences and log how many; return how many."""
    created = len(plan.occurrences)
    session.add_all(plan.occurrences)
    if created:
        record_event(
            session=session,
            actor=actor,
            action="occurrences.generated",
            subject_type="program",
            subject_id="1",
            details={"created": created, "through": plan.through.isoformat()},
        )
    return created


def _missing(
    session: Session, program: Program, task: Task, control: Control, end: dt.date
) -> list[Occurrence]:
    existing = set(session.exec(select(Occurrence.period_key).where(Occurrence.task_id == task.id)))
    wanted = periods(
        parse_schedule(task.schedule),
        due=parse_duration(task.due_offset),
        tz=ZoneInfo(program.timezone),
        anchor=program.start_date,
        start=max(program.start_date, task.planned_from or program.start_date),
        end=end,
    )
    assignee = task.assignee_id or control.owner_id
    return [
        Occurrence(
            task_id=task.id or 0,
            control_id=control.id or 0,
            assignee_id=assignee,
            period_key=p.key,
            period_start=p.start,
            period_end=p.end,
            due_on=p.due_on,
            due_at=p.due_at,
        )
        for p in wanted
        if p.key not in existing
    ]


def replan_task(*, session: Session, task: Task, today: dt.date) -> None:
    """After a schedule change or retirement: drop future pending occurrences without evidence.

    Past ones stay (they are history); a retired task's still-pending past ones are
    skipped with the reason, so they do not show as overdue forever.
    """
    has_evidence = select(Evidence.id).where(Evidence.occurrence_id == Occurrence.id).exists()
    session.exec(
        sa.delete(Occurrence).where(
            col(Occurrence.task_id) == task.id,
            col(Occurrence.status) == OccurrenceStatus.PENDING,
            col(Occurrence.period_start) > today,
            ~has_evidence,
        )
    )
    if task.retired_at is not None:
        session.exec(
            update(Occurrence)
            .where(
                col(Occurrence.task_id) == task.id,
                col(Occurrence.status) == OccurrenceStatus.PENDING,
            )
            .values(status=OccurrenceStatus.SKIPPED, skip_reason="task retired from the catalog")
        )


def move_pending_occurrences(*, session: Session, task: Task) -> None:
    """After a task moves to another control, its pending work moves with it.

    Finished periods stay under the control they were performed for.
    """
    session.exec(
        update(Occurrence)
        .where(
            col(Occurrence.task_id) == task.id,
            col(Occurrence.status) == OccurrenceStatus.PENDING,
        )
        .values(control_id=task.control_id)
    )


def refresh_assignees(*, session: Session, control_id: int) -> None:
    """Point pending occurrences at the current assignee (task assignee, else control owner)."""
    control = session.get(Control, control_id)
    if control is None:
        return
    for task in session.exec(select(Task).where(Task.control_id == control_id)).all():
        session.exec(
            update(Occurrence)
            .where(
                col(Occurrence.task_id) == task.id,
                col(Occurrence.status) == OccurrenceStatus.PENDING,
            )
            .values(assignee_id=task.assignee_id or control.owner_id)
        )


def get_occurrence_or_raise(*, session: Session, occurrence_id: int) -> Occurrence:
    occ = session.get(Occurrence, occurrence_id)
    if occ is None:
        raise no_occurrence(occurrence_id)
    return occ


def is_responsible(session: Session, actor: Actor, occ: Occurrence) -> bool:
    """Owner, backup owner or assignee of this occurrence."""
    if actor.person_id is None:
        return False
    control = session.get(Control, occ.control_id)
    people = {occ.assignee_id}
    if control is not None:
        people |= {control.owner_id, control.backup_owner_id}
    return actor.person_id in people


def check_can_complete(
    session: Session, actor: Actor, occ: Occurrence, *, now: dt.datetime
) -> None:
    """Permission and state checks shared by attestations and file evidence."""
    require(actor, Action.COMPLETE_OCCURRENCE, related=is_responsible(session, actor, occ))
    if occ.status is OccurrenceStatus.SKIPPED:
        raise Conflict(f"#{occ.id} was skipped ({occ.skip_reason}); it takes no evidence.")
    program = get_program_or_raise(session=session)
    if occ.period_start > program_today(program, now):
        raise Conflict(
            f"#{occ.id} is for the period starting {occ.period_start:%d %b %Y}; "
            "evidence can be given from that day on."
        )


def mark_done(*, session: Session, occ: Occurrence, actor: Actor, now: dt.datetime) -> None:
    """Set an occurrence done and log it (caller has recorded the evidence)."""
    occ.status = OccurrenceStatus.DONE
    occ.completed_at = now
    occ.completed_by_id = actor.person_id
    session.add(occ)
    record_event(
        session=session,
        actor=actor,
        action="occurrence.completed",
        subject_type="occurrence",
        subject_id=str(occ.id),
        details={
            "on_time": now <= occ.due_at,
            "at": format_time(now),  # completed_at, for the bundle's verifier
            **_on_behalf(session, actor, occ),
        },
    )


def _on_behalf(session: Session, actor: Actor, occ: Occurrence) -> dict[str, bool]:
    return {} if is_responsible(session, actor, occ) else {"on_behalf": True}


def skip_occurrence(
    *, session: Session, actor: Actor, occurrence_id: int, reason: str
) -> Occurrence:
    """Admin: skip pending work with a reason (an exception the auditor will see)."""
    require(actor, Action.SKIP_OCCURRENCE)
    reason = reason.strip()
    if len(reason) < 3:
        raise InvalidInput("Give a reason for skipping (it goes into the audit trail).")
    occ = get_occurrence_or_raise(session=session, occurrence_id=occurrence_id)
    if occ.status is not OccurrenceStatus.PENDING:
        raise Conflict(
            f"#{occ.id} is already {occ.status.value}; only pending work can be skipped."
        )
    occ.status, occ.skip_reason = OccurrenceStatus.SKIPPED, reason
    session.add(occ)
    record_event(
        session=session,
        actor=actor,
        action="occurrence.skipped",
        subject_type="occurrence",
        subject_id=str(occ.id),
        details={"reason": reason},
    )
    return occ
