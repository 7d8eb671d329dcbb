"""Builders for test data: small, typed, explicit about what each test needs."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlmodel import Session

from bot.core.actor import Actor
from bot.work.occurrences import materialize_occurrences
from models import (
    Control,
    ControlCriterion,
    EvidenceRequirement,
    Person,
    Program,
    Role,
    Task,
)

UTC = dt.UTC


def make_program(
    session: Session,
    *,
    timezone: str = "UTC",
    start: dt.date = dt.date(2026, 1, 1),
    window: tuple[dt.date, dt.date] = (dt.date(2026, 1, 1), dt.date(2026, 12, 31)),
    criteria: tuple[str, ...] = ("security",),
) -> Program:
    program = Program(
        id=1,
        name="Test program",
        timezone=timezone,
        criteria=list(criteria),
        start_date=start,
        window_start=window[0],
        window_end=window[1],
        compliance_channel="#soc2",
    )
    session.add(program)
    session.flush()
    return program


def make_person(
    session: Session,
    email: str = "raj@acme.test",
    *,
    role: Role = Role.MEMBER,
    name: str | None = None,
    manager: Person | None = None,
    timezone: str | None = None,
) -> Person:
    person = Person(
        email=email,
        name=name or email.split("@")[0].title(),
        role=role,
        manager_id=manager.id if manager else None,
        timezone=timezone,
    )
    session.add(person)
    session.flush()
    return person


def make_control(
    session: Session,
    key: str = "CC6.1-AR",
    *,
    owner: Person | None = None,
    criteria: tuple[str, ...] = ("CC6.1",),
    title: str = "Quarterly production access review",
    **fields: Any,
) -> Control:
    control = Control(key=key, title=title, owner_id=owner.id if owner else None, **fields)
    session.add(control)
    session.flush()
    for criterion in criteria:
        session.add(ControlCriterion(control_id=control.id or 0, criterion=criterion))
    session.flush()
    return control


def make_task(
    session: Session,
    control: Control,
    key: str = "prod-access-review",
    *,
    schedule: str = "quarterly",
    due: str = "14d",
    evidence: EvidenceRequirement = EvidenceRequirement.ANY,
    assignee: Person | None = None,
    title: str = "Review production access",
) -> Task:
    task = Task(
        key=key,
        control_id=control.id or 0,
        title=title,
        schedule=schedule,
        due_offset=due,
        evidence=evidence,
        assignee_id=assignee.id if assignee else None,
    )
    session.add(task)
    session.flush()
    return task


def generate(session: Session, *, now: dt.datetime, horizon_days: int = 60) -> int:
    return materialize_occurrences(
        session=session, actor=Actor.cli(), now=now, horizon_days=horizon_days
    )
