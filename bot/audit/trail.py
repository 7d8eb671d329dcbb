"""The audit trail: append hash-chained events in the caller's transaction; read; list."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from bot.audit.chain import GENESIS_HASH, event_hash
from bot.core.actor import Actor
from models import AuditChainHead, AuditEvent, utcnow

# Built once: statements built per call cost more CPU than running them (a click's budget).
_EVENTS: sa.Table = AuditEvent.__table__  # type: ignore[attr-defined]
_HEAD: sa.Table = AuditChainHead.__table__  # type: ignore[attr-defined]
_LOCKED_HEAD = sa.select(_HEAD.c.seq, _HEAD.c.hash).where(_HEAD.c.id == 1).with_for_update()
_INSERT_HEAD = sa.insert(_HEAD).values(id=1, seq=0, hash=GENESIS_HASH)
_INSERT_EVENT = sa.insert(_EVENTS)
_MOVE_HEAD = sa.update(_HEAD).where(_HEAD.c.id == 1)
# Events are stamped with the wall clock; only a replay of history (the demo) says otherwise,
# and only in its own context (a context variable: other threads and requests never see it).
_STAMP: ContextVar[Callable[[], dt.datetime]] = ContextVar("audit_stamp", default=utcnow)


@contextmanager
def stamped_by(clock: Callable[[], dt.datetime]) -> Iterator[None]:
    """While open, events recorded in this context are stamped with `clock()`: for seeding a
    history (the demo), whose events must carry the times they stand for, in order."""
    token = _STAMP.set(clock)
    try:
        yield
    finally:
        _STAMP.reset(token)


def record_event(
    *,
    session: Session,
    actor: Actor,
    action: str,
    subject_type: str,
    subject_id: str | int,
    details: dict[str, Any] | None = None,
) -> None:
    """Append one event to the chain inside the caller's transaction.

    Only the head row is locked (FOR UPDATE) until the caller commits: concurrent writers
    queue on the chain head alone, and the chain can never fork. Plain inserts and updates
    (no ORM objects to build and flush): every state change pays for this.
    """
    session.flush()  # what the caller changed before the event is written before it
    connection = session.connection()
    head = connection.execute(_LOCKED_HEAD).first()
    if head is None:
        connection.execute(_INSERT_HEAD)
    seq, prev = (int(head[0]), str(head[1])) if head is not None else (0, GENESIS_HASH)
    event: dict[str, Any] = {
        "seq": seq + 1,
        "occurred_at": _ms(_STAMP.get()()),
        "actor": actor.label,
        "actor_person_id": actor.person_id,
        "actor_platform": str(actor.platform),
        "actor_platform_id": actor.platform_id,
        "action": action,
        "subject_type": subject_type,
        "subject_id": str(subject_id),
        "details": json.loads(json.dumps(details or {}, default=str)),
        "prev_hash": prev,
    }
    event["hash"] = event_hash(event | {"occurred_at": format_time(event["occurred_at"])})
    connection.execute(_INSERT_EVENT, event)
    connection.execute(_MOVE_HEAD, {"seq": event["seq"], "hash": event["hash"]})
    loaded = session.identity_map.get(session.identity_key(AuditChainHead, 1))
    if loaded is not None:  # read earlier in this session (`sign_head`): not stale after this
        session.expire(loaded)


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


def iter_events(
    session: Session, *, after: int = 0, until: int | None = None, batch: int = 5000
) -> Iterator[dict[str, Any]]:
    """Events after `after` (up to `until`) in sequence order, fetched in batches (keyset
    paging, flat memory); by default every event."""
    while until is None or after < until:
        query = select(AuditEvent).where(col(AuditEvent.seq) > after)
        if until is not None:
            query = query.where(col(AuditEvent.seq) <= until)
        rows = session.exec(query.order_by(col(AuditEvent.seq)).limit(batch)).all()
        if not rows:
            return
        for row in rows:
            yield event_as_dict(row)
        after = rows[-1].seq
        session.expunge_all()


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
