"""The audit trail: append hash-chained events in the caller's transaction; verify; list."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Sequence
from typing import Any

from sqlmodel import Session, col, select

from bot.actor import Actor
from bot.audit_chain import GENESIS_HASH, ChainReport, event_hash, verify_events
from models import AuditChainHead, AuditEvent, utcnow


def record_event(
    *,
    session: Session,
    actor: Actor,
    action: str,
    subject_type: str,
    subject_id: str | int,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the chain inside the caller's transaction.

    Only the head row is locked (FOR UPDATE) until the caller commits: concurrent writers
    queue on the chain head alone, and the chain can never fork.
    """
    head = _locked_head(session)
    occurred = _ms(utcnow())
    event = AuditEvent(
        seq=head.seq + 1,
        occurred_at=occurred,
        actor=actor.label,
        actor_person_id=actor.person_id,
        actor_platform=str(actor.platform),
        actor_platform_id=actor.platform_id,
        action=action,
        subject_type=subject_type,
        subject_id=str(subject_id),
        details=json.loads(json.dumps(details or {}, default=str)),
        prev_hash=head.hash,
        hash="",
    )
    event.hash = event_hash(event_as_dict(event))
    head.seq, head.hash = event.seq, event.hash
    session.add(event)
    session.add(head)
    session.flush()
    return event


def _locked_head(session: Session) -> AuditChainHead:
    head = session.exec(
        select(AuditChainHead).where(AuditChainHead.id == 1).with_for_update()
    ).first()
    if head is None:
        head = AuditChainHead(id=1, seq=0, hash=GENESIS_HASH)
        session.add(head)
        session.flush()
    return head


def _ms(value: dt.datetime) -> dt.datetime:
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


def format_time(value: dt.datetime) -> str:
    """UTC ISO-8601 with milliseconds and a Z, the spelling that is hashed."""
    return (
        value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.")
        + f"{value.microsecond // 1000:03d}Z"
    )


def event_as_dict(event: AuditEvent) -> dict[str, Any]:
    """The event as plain JSON-ready data (the form hashed, exported and verified)."""
    return {
        "seq": event.seq,
        "occurred_at": format_time(event.occurred_at),
        "actor": event.actor,
        "actor_person_id": event.actor_person_id,
        "actor_platform": event.actor_platform,
        "actor_platform_id": event.actor_platform_id,
        "action": event.action,
        "subject_type": event.subject_type,
        "subject_id": event.subject_id,
        "details": event.details,
        "prev_hash": event.prev_hash,
        "hash": event.hash,
    }


def iter_events(session: Session, *, batch: int = 5000) -> Iterator[dict[str, Any]]:
    """Every event in sequence order, fetched in batches (keyset paging, flat memory)."""
    after = 0
    while True:
        rows = session.exec(
            select(AuditEvent)
            .where(AuditEvent.seq > after)
            .order_by(col(AuditEvent.seq))
            .limit(batch)
        ).all()
        if not rows:
            return
        for row in rows:
            yield event_as_dict(row)
        after = rows[-1].seq
        session.expunge_all()


def verify_chain(*, session: Session) -> ChainReport:
    """Re-hash the whole chain and check it ends at the recorded head."""
    report = verify_events(iter_events(session))
    if not report.ok:
        return report
    head = session.get(AuditChainHead, 1)
    if head is not None and (head.seq, head.hash) != (report.head_seq, report.head_hash):
        return ChainReport(
            report.checked,
            report.head_seq,
            report.head_hash,
            broken_seq=report.head_seq + 1,
            problem=f"the chain ends at event {report.head_seq} but the head records "
            f"event {head.seq}: events after {report.head_seq} were deleted",
        )
    return report


def list_events(
    *,
    session: Session,
    subject_type: str | None = None,
    subject_id: str | None = None,
    limit: int = 50,
) -> Sequence[AuditEvent]:
    """The newest events first, optionally for one subject."""
    query = select(AuditEvent)
    if subject_type:
        query = query.where(AuditEvent.subject_type == subject_type)
    if subject_id is not None:
        query = query.where(AuditEvent.subject_id == subject_id)
    return session.exec(query.order_by(col(AuditEvent.seq).desc()).limit(limit)).all()
