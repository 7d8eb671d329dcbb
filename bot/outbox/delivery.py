"""Delivering the outbox: claim due rows with a lease, record sent, retried or dead outcomes.

Claims are row locks (`FOR UPDATE SKIP LOCKED` on PostgreSQL; SQLite has one writer), so
senders on several replicas never hold the same row. A claim carries a lease: a row whose
claimer crashed is taken over once the lease has expired.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence

import sqlalchemy as sa
from sqlmodel import Session, col, select

from bot.outbox.inbound import remember_message
from bot.outbox.queue import queue_dead_letter_alert
from models import OutboxMessage, OutboxStatus

DEFAULT_MAX_ATTEMPTS = 8
BACKOFF_BASE_SECONDS = 30.0
BACKOFF_MAX_SECONDS = 3600.0


def claim_batch(
    *,
    session: Session,
    worker: str,
    now: dt.datetime,
    limit: int,
    lease: dt.timedelta,
    platforms: Collection[str] | None = None,
) -> list[OutboxMessage]:
    """Claim up to `limit` due rows for `worker` until `now + lease`; the rows, oldest first.

    Due means pending with `next_attempt_at` reached, or sending with an expired lease (its
    claimer crashed). Rows another sender holds locked are skipped, not waited for. Only
    `platforms` this sender can deliver to are claimed, so a replica without a port leaves
    those rows to one that has it.
    """
    expired = sa.and_(
        col(OutboxMessage.status) == OutboxStatus.SENDING, col(OutboxMessage.claimed_until) < now
    )
    due = sa.or_(
        sa.and_(
            col(OutboxMessage.status) == OutboxStatus.PENDING,
            col(OutboxMessage.next_attempt_at) <= now,
        ),
        expired,
    )
    query = select(OutboxMessage).where(due)
    if platforms is not None:
        query = query.where(col(OutboxMessage.platform).in_(sorted(platforms)))
    query = (
        query.order_by(col(OutboxMessage.next_attempt_at), col(OutboxMessage.id))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    rows = list(session.exec(query).all())
    for row in rows:
        if row.status == OutboxStatus.SENDING:  # may or may not have gone out: counts as a try
            row.attempts += 1
            row.last_error = f"lease of {row.claimed_by} expired; reclaimed by {worker}"
        row.status, row.claimed_by, row.claimed_until = OutboxStatus.SENDING, worker, now + lease
    session.add_all(rows)
    session.flush()
    return rows


def release_claims(*, session: Session, worker: str, not_before: Mapping[int, dt.datetime]) -> int:
    """Hand claimed rows back as pending, due at the given times (throttled, not failed)."""
    released = 0
    for row in _owned(session, worker, not_before):
        row.status, row.claimed_by, row.claimed_until = OutboxStatus.PENDING, None, None
        row.next_attempt_at = not_before[row.id or 0]
        session.add(row)
        released += 1
    session.flush()
    return released


def renew_claims(
    *,
    session: Session,
    worker: str,
    ids: Collection[int],
    now: dt.datetime,
    lease: dt.timedelta,
) -> set[int]:
    """Extend `worker`'s live claims on these rows to `now + lease`; the ids it still holds.

    One conditional UPDATE, so the answer is the database's: a row another sender took over,
    or whose lease ran out, is not renewed and must not be sent by `worker`. The row lock it
    takes orders it against a concurrent `claim_batch` (PostgreSQL re-checks the condition on
    the row as the other transaction left it; SQLite has one writer).
    """
    if not ids:
        return set()
    statement = (
        sa.update(OutboxMessage)
        .where(col(OutboxMessage.id).in_(sorted(ids)))
        .where(col(OutboxMessage.status) == OutboxStatus.SENDING)
        .where(col(OutboxMessage.claimed_by) == worker, col(OutboxMessage.claimed_until) > now)
        .values(claimed_until=now + lease)
        .returning(col(OutboxMessage.id))
    )
    return {int(row_id) for row_id in session.execute(statement).scalars()}


def mark_sent(
    *,
    session: Session,
    row_id: int,
    platform_message_id: str,
    channel: str,
    now: dt.datetime,
) -> OutboxMessage | None:
    """Record a delivery, and link the posted message to its occurrence or campaign (meta).

    Applied whoever holds the claim now: the platform has the message, so the row is sent.
    """
    row = _locked(session, row_id)
    if row is None or row.status == OutboxStatus.SENT:
        return row
    row.status, row.sent_at, row.claimed_until = OutboxStatus.SENT, now, None
    row.platform_message_id = platform_message_id[:200]
    session.add(row)
    meta = row.payload.get("meta") or {}
    occurrence_id, campaign_id = meta.get("occurrence_id"), meta.get("campaign_id")
    if row.kind != "update" and (occurrence_id or campaign_id):
        remember_message(
            session=session,
            platform=row.platform,
            channel=channel,
            message_id=row.platform_message_id,
            kind=str(meta.get("chat_kind") or ("task" if occurrence_id else "campaign")),
            occurrence_id=occurrence_id,
            campaign_id=campaign_id,
        )
    session.flush()
    return row


def mark_failed(
    *,
    session: Session,
    row_id: int,
    worker: str,
    error: str,
    now: dt.datetime,
    retry_after: float | None = None,
    permanent: bool = False,
    throttled: bool = False,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    jitter: Callable[[], float] = random.random,
) -> OutboxMessage | None:
    """Schedule a retry with backoff, or dead-letter the row and alert the compliance channel.

    A rate limit (`throttled`) waits `retry_after` without using up an attempt; a permanent
    failure or the `max_attempts`-th one makes the row dead. Ignored when `worker` no longer
    holds the claim (its lease expired and another sender took the row over).
    """
    row = _locked(session, row_id)
    if row is None or row.status != OutboxStatus.SENDING or row.claimed_by != worker:
        return row
    if not throttled:
        row.attempts += 1
    row.last_error, row.claimed_until = error[:2000], None
    if permanent or row.attempts >= max_attempts:
        row.status = OutboxStatus.DEAD
        queue_dead_letter_alert(session=session, row=row, now=now)
    else:
        row.status, row.claimed_by = OutboxStatus.PENDING, None
        row.next_attempt_at = now + retry_delay(
            attempts=max(row.attempts, 1), retry_after=retry_after, jitter=jitter
        )
    session.add(row)
    session.flush()
    return row


def retry_delay(
    *, attempts: int, retry_after: float | None, jitter: Callable[[], float] = random.random
) -> dt.timedelta:
    """The platform's `retry_after` plus up to 10% (max 1 s), else exponential backoff ±50%."""
    if retry_after is not None and retry_after >= 0:
        return dt.timedelta(seconds=retry_after + min(1.0, retry_after * 0.1) * jitter())
    base = min(BACKOFF_BASE_SECONDS * 2 ** (attempts - 1), BACKOFF_MAX_SECONDS)
    return dt.timedelta(seconds=base * (0.5 + jitter()))


def note_unroutable(*, session: Session, platforms: Collection[str], now: dt.datetime) -> int:
    """Say on due pending rows for platforms without a chat port why they wait; how many."""
    other = sa.and_(
        col(OutboxMessage.status) == OutboxStatus.PENDING,
        col(OutboxMessage.next_attempt_at) <= now,
        col(OutboxMessage.platform).not_in(sorted(platforms)),
    )
    names = session.exec(select(OutboxMessage.platform).where(other).distinct()).all()
    noted = 0
    for name in names:
        reason = f"no chat port for platform {name!r} is configured: waiting, never dead-lettered"
        statement = (
            sa.update(OutboxMessage)
            .where(other, col(OutboxMessage.platform) == name)
            .where(
                sa.or_(
                    col(OutboxMessage.last_error).is_(None), col(OutboxMessage.last_error) != reason
                )
            )
            .values(last_error=reason)
        )
        noted += int(session.execute(statement).rowcount)  # type: ignore[attr-defined]
    return noted


def _locked(session: Session, row_id: int) -> OutboxMessage | None:
    query = select(OutboxMessage).where(OutboxMessage.id == row_id).with_for_update()
    return session.exec(query).first()


def _owned(session: Session, worker: str, ids: Iterable[int]) -> Sequence[OutboxMessage]:
    query = (
        select(OutboxMessage)
        .where(col(OutboxMessage.id).in_(list(ids)))
        .where(OutboxMessage.status == OutboxStatus.SENDING, OutboxMessage.claimed_by == worker)
        .with_for_update()
    )
    return session.exec(query).all()
