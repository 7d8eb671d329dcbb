"""Audit history of a control (with its tasks and occurrences), an occurrence or a campaign."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from bot.audit.facts import PERSON_ID_KEYS, History, Names
from bot.core.errors import NotFound
from bot.core.not_found import no_control, no_occurrence, normalize_control_key
from models import AuditEvent, Campaign, Control, Occurrence, Person, Task


def get_history(
    *,
    session: Session,
    control_key: str | None = None,
    occurrence_id: int | None = None,
    campaign_id: int | None = None,
    limit: int = 50,
) -> History:
    """Newest events first for exactly one subject."""
    if occurrence_id is not None:
        # Looked up here, not through bot.work: the audit trail sits below the domains it records.
        if session.get(Occurrence, occurrence_id) is None:
            raise no_occurrence(occurrence_id)
        where = _subject("occurrence", [str(occurrence_id)])
        return _history(session, f"occurrence #{occurrence_id}", where, limit)
    if campaign_id is not None:
        if session.get(Campaign, campaign_id) is None:
            raise NotFound(f"There is no campaign camp-{campaign_id}.")
        where = _subject("campaign", [str(campaign_id)])
        return _history(session, f"camp-{campaign_id}", where, limit)
    if control_key is None:
        raise NotFound("Name a control, an occurrence (#123) or a campaign.")
    key = normalize_control_key(control_key)
    control = session.exec(select(Control).where(Control.key == key)).first()
    if control is None:
        raise no_control(control_key)
    occurrences = select(sa.cast(Occurrence.id, sa.String)).where(
        Occurrence.control_id == control.id
    )
    tasks = select(Task.key).where(Task.control_id == control.id)
    where = sa.or_(
        _subject("control", [control.key]),
        sa.and_(
            col(AuditEvent.subject_type) == "occurrence",
            col(AuditEvent.subject_id).in_(occurrences),
        ),
        sa.and_(col(AuditEvent.subject_type) == "task", col(AuditEvent.subject_id).in_(tasks)),
    )
    return _history(session, f"control {control.key}", where, limit)


def get_event(*, session: Session, seq: int) -> History:
    """One event by its sequence number (`audit event 660`), with the names it mentions."""
    event = session.get(AuditEvent, seq)
    if event is None:
        raise NotFound(f"There is no audit event {seq}.")
    return History(f"event {seq}", [event], get_names(session=session, events=[event]))


def get_names(*, session: Session, events: Sequence[AuditEvent]) -> Names:
    """The names of the people `events` mention: their actors, and emails and person ids in
    their details (one query each, however many events)."""
    emails = {e.actor.casefold() for e in events}
    ids: set[int] = set()
    for event in events:
        for key, value in _leaves(event.details):
            if isinstance(value, str) and "@" in value:
                emails.add(value.casefold())
            elif key in PERSON_ID_KEYS and isinstance(value, int):
                ids.add(value)
    by_email = {}
    if emails := {e for e in emails if "@" in e}:
        # Emails are stored lowercased: the unique index answers this.
        query = select(Person.email, Person.name).where(col(Person.email).in_(sorted(emails)))
        by_email = {email.casefold(): name for email, name in session.exec(query)}
    by_id = {}
    if ids:
        found = session.exec(select(Person.id, Person.name).where(col(Person.id).in_(sorted(ids))))
        by_id = {pid: name for pid, name in found if pid is not None}
    return Names(by_email, by_id)


def _leaves(value: Any, key: str = "") -> Iterator[tuple[str, Any]]:
    """Every scalar in a details tree, with the nearest dict key above it."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _leaves(v, str(k))
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _leaves(v, key)
    else:
        yield key, value


def _history(session: Session, subject: str, where: sa.ColumnElement[bool], limit: int) -> History:
    events = _events(session, where, limit)
    return History(subject, events, get_names(session=session, events=events))


def _subject(kind: str, ids: list[str]) -> sa.ColumnElement[bool]:
    return sa.and_(col(AuditEvent.subject_type) == kind, col(AuditEvent.subject_id).in_(ids))


def _events(session: Session, where: sa.ColumnElement[bool], limit: int) -> list[AuditEvent]:
    query = select(AuditEvent).where(where).order_by(col(AuditEvent.seq).desc()).limit(limit)
    return list(session.exec(query).all())
