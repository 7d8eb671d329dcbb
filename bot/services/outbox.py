"""The outbox: every outbound chat message is a row with a unique idempotency key.

Deciding to send and queuing the message happen in the caller's transaction, so a decision
is never lost and never doubled: a second decision with the same key finds the row there.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlmodel import Session, col, select

from bot.messages import Message, message_to_payload
from models import OutboxMessage, utcnow


@dataclass(frozen=True)
class Outgoing:
    """One message to queue: where it goes (platform + recipient) and its idempotency key."""

    key: str
    platform: str
    recipient: str
    message: Message
    kind: str = "message"
    not_before: dt.datetime | None = None


def enqueue_messages(*, session: Session, messages: Sequence[Outgoing]) -> list[OutboxMessage]:
    """Queue the messages whose keys are new; return the rows added (already-queued are skipped).

    Keys already present are looked up in one query, so a tick that re-decides the same
    reminders costs one SELECT, not one failed INSERT each. Two replicas racing on the same
    key still cannot both insert it: the unique constraint makes the loser's commit fail.
    """
    wanted = {m.key: m for m in messages}
    existing = _existing_keys(session, wanted)
    now = utcnow()
    rows = [
        OutboxMessage(
            idempotency_key=m.key,
            platform=m.platform,
            recipient=m.recipient,
            kind=m.kind,
            payload=message_to_payload(m.message),
            next_attempt_at=m.not_before or now,
            created_at=now,
        )
        for key, m in wanted.items()
        if key not in existing
    ]
    session.add_all(rows)
    session.flush()
    return rows


def enqueue_message(*, session: Session, outgoing: Outgoing) -> OutboxMessage | None:
    """Queue one message unless its key is already queued; the row, or None when it was."""
    rows = enqueue_messages(session=session, messages=[outgoing])
    return rows[0] if rows else None


def _existing_keys(session: Session, keys: Iterable[str]) -> set[str]:
    found: set[str] = set()
    chunk: list[str] = []
    for key in keys:
        chunk.append(key)
        if len(chunk) == 500:
            found |= _lookup(session, chunk)
            chunk = []
    if chunk:
        found |= _lookup(session, chunk)
    return found


def _lookup(session: Session, keys: list[str]) -> set[str]:
    query = select(OutboxMessage.idempotency_key).where(
        col(OutboxMessage.idempotency_key).in_(keys)
    )
    return set(session.exec(query).all())
