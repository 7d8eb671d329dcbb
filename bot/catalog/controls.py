"""Controls: list and filter, one control in detail, assign an owner."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlmodel import Session, col, select

from bot.audit.trail import list_events, record_event
from bot.catalog.facts import ControlDetail, ControlRow
from bot.core.actor import Actor
from bot.core.errors import InvalidInput
from bot.core.not_found import no_control, normalize_control_key
from bot.core.permissions import Action, require
from bot.core.text import LIKE_ESCAPE, like_contains
from bot.work.occurrences import refresh_assignees
from models import (
    Control,
    ControlCriterion,
    Evidence,
    Occurrence,
    Person,
    Role,
    Task,
)


def get_control_or_raise(*, session: Session, key: str) -> Control:
    control = session.exec(select(Control).where(Control.key == normalize_control_key(key))).first()
    if control is None:
        raise no_control(key)
    return control


def list_controls(
    *, session: Session, text: str | None = None, include_retired: bool = False, limit: int = 500
) -> list[ControlRow]:
    """Controls whose id, title or criteria contain `text` (case-insensitive)."""
    query = select(Control, Person.name).outerjoin(Person, col(Person.id) == Control.owner_id)
    if not include_retired:
        query = query.where(col(Control.retired_at).is_(None))
    if text and text.strip():
        like = like_contains(text.strip().lower())
        by_criterion = select(ControlCriterion.control_id).where(
            sa.func.lower(ControlCriterion.criterion).like(like, escape=LIKE_ESCAPE)
        )
        query = query.where(
            sa.or_(
                sa.func.lower(Control.key).like(like, escape=LIKE_ESCAPE),
                sa.func.lower(Control.title).like(like, escape=LIKE_ESCAPE),
                col(Control.id).in_(by_criterion),
            )
        )
    rows = session.exec(query.order_by(col(Control.key)).limit(limit)).all()
    criteria = _criteria_by_control(session, [c.id for c, _ in rows if c.id is not None])
    return [
        ControlRow(
            key=c.key,
            title=c.title,
            owner=name,
            criteria=criteria.get(c.id or 0, []),
            in_scope=c.in_scope,
            retired=c.retired_at is not None,
        )
        for c, name in rows
    ]


def _criteria_by_control(session: Session, ids: list[int]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    if not ids:
        return out
    rows = session.exec(
        select(ControlCriterion).where(col(ControlCriterion.control_id).in_(ids))
    ).all()
    for row in rows:
        out.setdefault(row.control_id, []).append(row.criterion)
    return {k: sorted(v) for k, v in out.items()}


def get_control_detail(*, session: Session, key: str, now: dt.datetime) -> ControlDetail:
    """Owner, criteria, tasks, recent and next occurrences, last evidence, history."""
    control = get_control_or_raise(session=session, key=key)
    cid = control.id or 0
    recent = session.exec(
        select(Occurrence)
        .where(Occurrence.control_id == cid, col(Occurrence.period_start) <= now.date())
        .order_by(col(Occurrence.period_start).desc(), col(Occurrence.id).desc())
        .limit(6)
    ).all()
    last_evidence = session.exec(
        select(Evidence)
        .join(Occurrence, col(Occurrence.id) == Evidence.occurrence_id)
        .where(Occurrence.control_id == cid, col(Evidence.superseded_at).is_(None))
        .order_by(col(Evidence.submitted_at).desc())
        .limit(1)
    ).first()
    return ControlDetail(
        control=control,
        owner=session.get(Person, control.owner_id) if control.owner_id else None,
        backup_owner=session.get(Person, control.backup_owner_id)
        if control.backup_owner_id
        else None,
        criteria=_criteria_by_control(session, [cid]).get(cid, []),
        tasks=list(session.exec(select(Task).where(Task.control_id == cid)).all()),
        recent=list(recent),
        last_evidence=last_evidence,
        history=list(
            list_events(session=session, subject_type="control", subject_id=control.key, limit=10)
        ),
    )


def assign_owner(*, session: Session, actor: Actor, key: str, person: Person) -> Control:
    """Admin: make `person` the control's owner; pending work follows the new owner."""
    require(actor, Action.ASSIGN_OWNER)
    control = get_control_or_raise(session=session, key=key)
    if person.role is Role.AUDITOR:  # segregation of duties: auditors only look
        raise InvalidInput(
            f"{person.name} is an auditor (read-only) and cannot own a control; "
            f"choose someone else for {control.key}."
        )
    if control.owner_id == person.id:
        return control
    previous = session.get(Person, control.owner_id) if control.owner_id else None
    control.owner_id = person.id
    session.add(control)
    session.flush()
    refresh_assignees(session=session, control_id=control.id or 0)
    record_event(
        session=session,
        actor=actor,
        action="control.owner_changed",
        subject_type="control",
        subject_id=control.key,
        details={"from": previous.email if previous else None, "to": person.email},
    )
    return control
