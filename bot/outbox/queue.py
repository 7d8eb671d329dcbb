"""The outbox: every outbound chat message is a row with a unique idempotency key.

Deciding to send and queuing the message happen in the caller's transaction, so a decision
is never lost and never doubled: a second decision with the same key finds the row there.
Claiming, sending and recording outcomes are in `bot.outbox.delivery`.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Session, col, func, select

from bot.core.messages import Message, info_message
from bot.core.payload import message_to_payload
from bot.outbox.channels import channel_key, is_channel_name, known_channel_ids
from models import OutboxMessage, OutboxStatus, Program, utcnow

log = logging.getLogger(__name__)

ALERT_PREFIX = "deadletter-alert:"


@dataclass(frozen=True)
class Outgoing:
    """One message to queue: where it goes (platform + recipient) and its idempotency key."""

    key: str
    platform: str
    recipient: str
    message: Message
    kind: str = "message"
    not_before: dt.datetime | None = None
    # What the message is about (e.g. `occurrence_id`), stored as the payload's "meta" so the
    # sender can link the posted message to it; the message itself stays renderable as is.
    meta: dict[str, Any] | None = None


def enqueue_messages(*, session: Session, messages: Sequence[Outgoing]) -> list[int]:
    """Queue the messages whose keys are new; return the new rows' ids (already queued: skipped).

    Keys already present are looked up in one query, so a tick that re-decides the same
    reminders costs one SELECT, not one failed INSERT each. Two replicas racing on the same
    key still cannot both insert it: the unique constraint makes the loser's commit fail.
    New rows go in as one bulk INSERT … RETURNING, not as ORM objects: a reminder wave is
    thousands of rows.
    """
    wanted = {m.key: m for m in messages}
    existing = _existing_keys(session, wanted)
    resolved = _channel_ids(session, [m for key, m in wanted.items() if key not in existing])
    now = utcnow()
    values = [
        {
            "idempotency_key": m.key,
            "platform": m.platform,
            "recipient": resolved.get((m.platform, m.recipient), m.recipient),
            "kind": m.kind,
            "payload": _payload(m),
            "status": OutboxStatus.PENDING,
            "attempts": 0,
            "next_attempt_at": m.not_before or now,
            "created_at": now,
        }
        for key, m in wanted.items()
        if key not in existing
    ]
    if not values:
        return []
    table = OutboxMessage.__table__  # type: ignore[attr-defined]
    result = session.execute(sa.insert(table).returning(table.c.id), values)
    return [int(row_id) for row_id in result.scalars()]


def _channel_ids(session: Session, messages: Sequence[Outgoing]) -> dict[tuple[str, str], str]:
    """(platform, name) → id for Slack channel names already resolved: rows carry the id.

    A name not resolved yet stays a name: the Slack port resolves it on first use.
    """
    names = {
        m.recipient for m in messages if m.platform == "slack" and is_channel_name(m.recipient)
    }
    if not names:
        return {}
    known = known_channel_ids(session=session, platform="slack", names=names)
    return {("slack", n): known[channel_key(n)] for n in names if channel_key(n) in known}


def _payload(outgoing: Outgoing) -> dict[str, Any]:
    payload = message_to_payload(outgoing.message)
    if outgoing.meta:
        payload["meta"] = dict(outgoing.meta)
    return payload


def enqueue_message(*, session: Session, outgoing: Outgoing) -> int | None:
    """Queue one message unless its key is already queued; its id, or None when it was."""
    ids = enqueue_messages(session=session, messages=[outgoing])
    return ids[0] if ids else None


def queued_keys(*, session: Session, keys: Iterable[str]) -> set[str]:
    """Which of these keys are queued already, so a caller can skip building their messages."""
    return _existing_keys(session, keys)


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
    key = col(OutboxMessage.idempotency_key)
    if session.get_bind().dialect.name == "postgresql":
        # One array parameter: a generic plan of `IN (500 parameters)` (psycopg prepares a
        # statement after 5 runs) is a sequential scan until the table is analysed again.
        condition = key == sa.any_(sa.bindparam(None, keys, type_=ARRAY(sa.String)))
    else:
        condition = key.in_(keys)
    return set(session.exec(select(OutboxMessage.idempotency_key).where(condition)).all())


def channel_target(channel: str | None) -> tuple[str, str] | None:
    """(platform, recipient) for a program channel: `teams:conv:<id>` is Teams, else Slack.

    Slack takes an id (`C…`, `G…`) as given, or a `#name`: queued as the id once the name
    was resolved (`bot.outbox.channels`), else resolved by the Slack port on first use.

    Teams is reached through the conversation reference its front end stores under that key
    when the bot is @mentioned in a conversation: a group chat, or the channel thread it was
    mentioned in (a channel's id there carries `;messageid=…`).
    """
    channel = (channel or "").strip()
    if not channel:
        return None
    return ("teams", channel) if channel.startswith("teams:") else ("slack", channel)


def outbox_depth(*, session: Session) -> dict[str, int]:
    """How many rows are in each status (every status present, zeros included)."""
    counts = {status.value: 0 for status in OutboxStatus}
    query = select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
    for status, count in session.exec(query).all():
        counts[OutboxStatus(status).value] = int(count)
    return counts


def queue_dead_letter_alert(*, session: Session, row: OutboxMessage, now: dt.datetime) -> None:
    """One alert per dead row to the compliance channel, through the outbox itself."""
    if row.idempotency_key.startswith(ALERT_PREFIX):
        log.error("Dead-letter alert %s could not be delivered either", row.idempotency_key)
        return  # never an alert about an alert
    program = session.exec(select(Program)).first()
    target = channel_target(program.compliance_channel if program else None)
    if target is None:
        log.error("Outbox message %s is dead and no compliance channel is set", row.id)
        return
    message = info_message(
        "A message could not be delivered and will not be retried.",
        title="Undelivered message",
        fields=[
            ("Message", row.idempotency_key),
            ("To", f"{row.recipient} ({row.platform})"),
            ("Attempts", str(row.attempts)),
            ("Last error", row.last_error or "unknown"),
        ],
        ephemeral=False,
    )
    platform, recipient = target
    alert = Outgoing(
        key=f"{ALERT_PREFIX}{row.id}",
        platform=platform,
        recipient=recipient,
        message=message,
        kind="alert",
        meta={"dead_letter_of": row.id},
        not_before=now,
    )
    enqueue_message(session=session, outgoing=alert)
