"""Inbound events and posted messages: dedupe deliveries, remember what a message is about."""

from __future__ import annotations

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, select

from models import ChatMessage, InboundEvent, utcnow


def claim_event(*, session: Session, platform: str, event_id: str) -> bool:
    """True the first time an event id is seen; a redelivery (retry) gets False."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = (
        insert(InboundEvent)
        .values(platform=platform, event_id=event_id[:200], received_at=utcnow())
        .on_conflict_do_nothing(index_elements=["platform", "event_id"])
    )
    # The inserted row's id says it was new: rowcount is -1 on PostgreSQL for this statement
    # (psycopg through SQLAlchemy), which read as "first delivery" on every redelivery.
    inserted = statement.returning(InboundEvent.__table__.c.id)  # type: ignore[attr-defined]
    return session.connection().execute(inserted).first() is not None


def remember_message(
    *,
    session: Session,
    platform: str,
    channel: str,
    message_id: str,
    kind: str,
    occurrence_id: int | None = None,
    campaign_id: int | None = None,
) -> ChatMessage:
    """Record a message the bot posted so replies in its thread and updates find their subject."""
    row = find_message(session=session, platform=platform, channel=channel, message_id=message_id)
    if row is None:
        row = ChatMessage(platform=platform, channel=channel, message_id=message_id, kind=kind)
    row.occurrence_id, row.campaign_id = occurrence_id, campaign_id
    session.add(row)
    session.flush()
    return row


def find_message(
    *, session: Session, platform: str, channel: str, message_id: str
) -> ChatMessage | None:
    return session.exec(
        select(ChatMessage).where(
            ChatMessage.platform == platform,
            ChatMessage.channel == channel,
            ChatMessage.message_id == message_id,
        )
    ).first()
