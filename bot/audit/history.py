"""Audit history of a control (with its tasks and occurrences), an occurrence or a campaign."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Session, col, select

from bot.audit.facts import History
from bot.core.errors import NotFound
from bot.core.not_found import no_control, no_occurrence, normalize_control_key
from models import AuditEvent, Campaign, Control, Occurrence, Task


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
        return History(f"occurrence #{occurrence_id}", _events(session, where, limit))
    if campaign_id is not None:
        if session.get(Campaign, campaign_id) is None:
            raise NotFound(f"There is no campaign {campaign_id}.")
        return History(
            f"campaign {campaign_id}",
            _events(session, _subject("campaign", [str(campaign_id)]), limit),
        )
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
    return History(f"control {control.key}", _events(session, where, limit))


def _subject(kind: str, ids: list[str]) -> sa.ColumnElement[bool]:
    return sa.and_(col(AuditEvent.subject_type) == kind, col(AuditEvent.subject_id).in_(ids))


def _events(session: Session, where: sa.ColumnElement[bool], limit: int) -> list[AuditEvent]:
    query = select(AuditEvent).where(where).order_by(col(AuditEvent.seq).desc()).limit(limit)
    return list(session.exec(query).all())
