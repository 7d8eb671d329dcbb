"""Apply a validated catalog to the database: idempotent, all-or-nothing, every change logged."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, col, delete, select

from bot.audit.trail import record_event
from bot.catalog.criteria import category_of
from bot.catalog.policy_sync import sync_policies
from bot.catalog.schema import CatalogSpec, ControlSpec, PersonSpec, ProgramSpec, TaskSpec
from bot.core.actor import Actor
from bot.core.permissions import Action, require
from bot.work.occurrences import (
    move_pending_occurrences,
    refresh_assignees,
    replan_task,
    tasks_missing_periods_before,
)
from models import Control, ControlCriterion, Person, Program, Role, Task, utcnow


@dataclass
class SyncReport:
    """What a sync changed, one readable line per change."""

    changes: list[str] = field(default_factory=list)
    overdue: int = 0  # occurrences generated with their due day already past (accepted)

    @property
    def changed(self) -> bool:
        return bool(self.changes)


@dataclass
class _Ctx:
    session: Session
    actor: Actor
    today: dt.date
    report: SyncReport
    people: dict[str, Person]

    def log(self, action: str, subject_type: str, subject_id: str, **details: Any) -> None:
        record_event(
            session=self.session,
            actor=self.actor,
            action=action,
            subject_type=subject_type,
            subject_id=subject_id,
            details=details,
        )
        summary = ", ".join(sorted(details.get("changes", {}))) if "changes" in details else ""
        self.report.changes.append(f"{action} {subject_id}" + (f" ({summary})" if summary else ""))


def sync_catalog(
    *,
    session: Session,
    spec: CatalogSpec,
    actor: Actor,
    today: dt.date,
    start_on: dt.date | None = None,
) -> SyncReport:
    """Make the database match `spec`; the caller's transaction makes it all-or-nothing.

    With `start_on`, no task is left with a period to generate that starts before that day
    (new, restored or rescheduled tasks, or a window moved back): the work starts then.
    """
    require(actor, Action.SYNC_CATALOG)
    ctx = _Ctx(session, actor, today, SyncReport(), {})
    program = _sync_program(ctx, spec.program)
    for person in spec.people:
        _sync_person(ctx, person)
    for person in spec.people:
        _sync_manager(ctx, person)
    scope = {"security", *program.criteria}
    for control in spec.controls:
        _sync_control(ctx, control, scope)
    policy_tasks = sync_policies(ctx, spec.policies, _sync_task)
    _retire_missing(
        ctx,
        controls={c.id.upper() for c in spec.controls},
        tasks={t.id.lower() for c in spec.controls for t in c.tasks} | policy_tasks,
    )
    if start_on is not None:
        _start_on(ctx, start_on)
    session.flush()
    return ctx.report


def default_window(today: dt.date) -> tuple[dt.date, dt.date]:
    """With no window in the catalog: twelve months from the first of next month.

    A new program starts clean instead of with a year of "overdue" work it never had.
    """
    start = (today.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    return start, start.replace(year=start.year + 1) - dt.timedelta(days=1)


def _diff(obj: Any, wanted: dict[str, Any]) -> dict[str, list[Any]]:
    changes = {}
    for name, value in wanted.items():
        if getattr(obj, name) != value:
            changes[name] = [_plain(getattr(obj, name)), _plain(value)]
            setattr(obj, name, value)
    return changes


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def _sync_program(ctx: _Ctx, spec: ProgramSpec) -> Program:
    program = ctx.session.get(Program, 1)
    if spec.window:
        start, end = spec.window.start, spec.window.end
    elif program is not None:  # keep the window chosen when the program was created
        start, end = program.window_start, program.window_end
    else:
        start, end = default_window(ctx.today)
    wanted: dict[str, Any] = {
        "name": spec.name,
        "timezone": spec.timezone,
        "criteria": sorted(set(spec.criteria)),
        "window_start": start,
        "window_end": end,
        "start_date": min(spec.start or start, start),
        "compliance_channel": spec.channels.compliance,
        "leadership_channel": spec.channels.leadership,
        "reminder_policy": spec.reminders.model_dump(),
    }
    if program is None:
        program = Program(id=1, **wanted)
        ctx.session.add(program)
        ctx.log("program.created", "program", "1", name=spec.name)
        return program
    if changes := _diff(program, wanted):
        program.updated_at = utcnow()
        ctx.log("program.updated", "program", "1", changes=changes)
    return program


def _sync_person(ctx: _Ctx, spec: PersonSpec) -> None:
    person = ctx.session.exec(select(Person).where(Person.email == spec.email)).first()
    # The catalog decides roles (managers: `_sync_manager`); names come from the catalog only
    # when it creates someone, and timezones only when it gives one, so that a directory sync
    # (HR's names, Slack's timezones) and a catalog sync do not keep undoing each other.
    wanted: dict[str, Any] = {"role": Role(spec.role), "placeholder": spec.placeholder}
    if spec.timezone:
        wanted["timezone"] = spec.timezone
    if person is None:
        person = Person(email=spec.email, name=spec.name, **wanted)
        ctx.session.add(person)
        ctx.session.flush()
        ctx.log("person.created", "person", spec.email, role=spec.role)
    elif changes := _diff(person, wanted):
        person.updated_at = utcnow()
        ctx.log("person.updated", "person", spec.email, changes=changes)
    ctx.people[spec.email] = person


def _person_id(ctx: _Ctx, email: str | None) -> int | None:
    if email is None:
        return None
    person = (
        ctx.people.get(email) or ctx.session.exec(select(Person).where(Person.email == email)).one()
    )
    ctx.people[email] = person
    return person.id


def _sync_manager(ctx: _Ctx, spec: PersonSpec) -> None:
    person = ctx.people[spec.email]
    if changes := _diff(person, {"manager_id": _person_id(ctx, spec.manager)}):
        ctx.log("person.manager_changed", "person", spec.email, changes=changes)


def _sync_control(ctx: _Ctx, spec: ControlSpec, scope: set[str]) -> None:
    key = spec.id.upper()
    control = ctx.session.exec(select(Control).where(Control.key == key)).first()
    wanted: dict[str, Any] = {
        "title": spec.title,
        "description": spec.description,
        "backup_owner_id": _person_id(ctx, spec.backup_owner),
        "in_scope": any(category_of(c) in scope for c in spec.criteria),
        "retired_at": None,
    }
    owner_id = _person_id(ctx, spec.owner)
    if control is None:
        control = Control(key=key, owner_id=owner_id, **wanted)
        ctx.session.add(control)
        ctx.session.flush()
        ctx.log("control.created", "control", key, owner=spec.owner, criteria=spec.criteria)
    else:
        _update_control(ctx, control, wanted, owner_id, spec.owner)
    _sync_criteria(ctx, control, spec.criteria)
    for task in spec.tasks:
        _sync_task(ctx, control, task)


def _update_control(
    ctx: _Ctx, control: Control, wanted: dict[str, Any], owner_id: int | None, owner: str
) -> None:
    was_retired = control.retired_at is not None
    if changes := _diff(control, wanted):
        control.updated_at = utcnow()
        action = "control.restored" if was_retired else "control.updated"
        ctx.log(action, "control", control.key, changes=changes)
    if control.owner_id != owner_id:
        ctx.log("control.owner_changed", "control", control.key, owner=owner)
        control.owner_id = owner_id
        ctx.session.flush()
        refresh_assignees(session=ctx.session, control_id=_id(control))


def _sync_criteria(ctx: _Ctx, control: Control, criteria: list[str]) -> None:
    rows = ctx.session.exec(
        select(ControlCriterion).where(ControlCriterion.control_id == control.id)
    ).all()
    current, wanted = {r.criterion for r in rows}, set(criteria)
    if current == wanted:
        return
    ctx.session.exec(delete(ControlCriterion).where(col(ControlCriterion.control_id) == control.id))
    for criterion in sorted(wanted):
        ctx.session.add(ControlCriterion(control_id=_id(control), criterion=criterion))
    if current:
        changes = {"criteria": [sorted(current), sorted(wanted)]}
        ctx.log("control.criteria_changed", "control", control.key, changes=changes)


def _sync_task(ctx: _Ctx, control: Control, spec: TaskSpec) -> None:
    key = spec.id.lower()
    task = ctx.session.exec(select(Task).where(Task.key == key)).first()
    wanted: dict[str, Any] = {
        "control_id": control.id,
        "title": spec.title,
        "kind": spec.kind,
        "schedule": spec.schedule,
        "due_offset": spec.due,
        "evidence": spec.evidence,
        "assignee_id": _person_id(ctx, spec.assignee),
        "instructions": spec.instructions,
        "reminder_policy": spec.reminders.model_dump() if spec.reminders else None,
        "review": spec.review.model_dump() if spec.review else None,
        "expires": spec.expires,
        "retired_at": None,
    }
    if task is None:
        task = Task(key=key, **wanted)
        ctx.session.add(task)
        ctx.session.flush()
        ctx.log("task.created", "task", key, control=control.key, schedule=spec.schedule)
        return
    if changes := _diff(task, wanted):
        task.updated_at = utcnow()
        ctx.session.flush()
        ctx.log("task.updated", "task", key, changes=changes)
        if {"schedule", "due_offset"} & changes.keys():
            task.planned_from = ctx.today
            replan_task(session=ctx.session, task=task, today=ctx.today)
        if "control_id" in changes:
            move_pending_occurrences(session=ctx.session, task=task)
        if {"assignee_id", "control_id"} & changes.keys():
            refresh_assignees(session=ctx.session, control_id=_id(control))


def _retire_missing(ctx: _Ctx, controls: set[str], tasks: set[str]) -> None:
    """Retire what the catalog no longer names; history stays, pending past work is skipped."""
    active = ctx.session.exec(select(Control).where(col(Control.retired_at).is_(None))).all()
    for control in active:
        if control.key not in controls:
            control.retired_at = utcnow()
            ctx.log("control.retired", "control", control.key, reason="removed from catalog")
    for task in ctx.session.exec(select(Task).where(col(Task.retired_at).is_(None))).all():
        if task.key not in tasks:
            task.retired_at = utcnow()
            ctx.log("task.retired", "task", task.key, reason="removed from catalog")
            replan_task(session=ctx.session, task=task, today=ctx.today)


_STARTED = "the sync started it on this day, without periods before it"


def _start_on(ctx: _Ctx, day: dt.date) -> None:
    """Plan from `day` the tasks that would otherwise get periods before it (logged: an
    auditor sees why those periods have no occurrence)."""
    ctx.session.flush()
    for task in tasks_missing_periods_before(session=ctx.session, day=day):
        changes = {"planned_from": [_plain(task.planned_from), day.isoformat()]}
        task.planned_from = day
        ctx.log("task.replanned", "task", task.key, changes=changes, reason=_STARTED)


def _id(row: Control) -> int:
    assert row.id is not None
    return row.id
