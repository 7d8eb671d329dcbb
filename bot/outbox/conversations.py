"""Conversation references for proactive messages, and files awaited after "Attach evidence"."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlmodel import Session, col, delete, select

from models import AwaitedFile, ConversationRef, utcnow

AWAIT_FILE_FOR = dt.timedelta(minutes=30)


def save_reference(
    *, session: Session, platform: str, key: str, reference: dict[str, Any]
) -> ConversationRef:
    """Store or refresh how to reach `key` (a person or channel) on `platform`."""
    row = session.exec(select(ConversationRef).where(ConversationRef.key == key)).first()
    if row is None:
        row = ConversationRef(platform=platform, key=key, reference=reference)
    elif row.reference != reference:
        row.reference, row.updated_at = reference, utcnow()
    else:
        return row
    session.add(row)
    session.flush()
    return row


def get_reference(*, session: Session, key: str) -> dict[str, Any] | None:
    row = session.exec(select(ConversationRef).where(ConversationRef.key == key)).first()
    return dict(row.reference) if row else None


def await_file(
    *,
    session: Session,
    conversation: str,
    person_id: int,
    now: dt.datetime,
    occurrence_id: int | None = None,
    campaign_item_id: int | None = None,
) -> None:
    """Remember that the next file here is evidence for an occurrence (or a campaign item)."""
    session.exec(delete(AwaitedFile).where(col(AwaitedFile.conversation) == conversation))
    session.add(
        AwaitedFile(
            conversation=conversation,
            occurrence_id=occurrence_id,
            campaign_item_id=campaign_item_id,
            person_id=person_id,
            expires_at=now + AWAIT_FILE_FOR,
        )
    )
    session.flush()


def take_awaited_file(
    *, session: Session, conversation: str, person_id: int, now: dt.datetime
) -> int | None:
    """The occurrence this person's file is awaited for here (once), or None."""
    row = session.exec(
        select(AwaitedFile).where(
            AwaitedFile.conversation == conversation, AwaitedFile.person_id == person_id
        )
    ).first()
    if row is None:
        return None
    session.delete(row)
    session.flush()
    return row.occurrence_id if row.expires_at > now else None


def take_awaited_certificate(
    *, session: Session, conversation: str, person_id: int, now: dt.datetime
) -> int | None:
    """The campaign item this person's file is awaited for here (once), or None."""
    row = session.exec(
        select(AwaitedFile).where(
            AwaitedFile.conversation == conversation,
            AwaitedFile.person_id == person_id,
            col(AwaitedFile.campaign_item_id).is_not(None),
        )
    ).first()
    if row is None:
        return None
    session.delete(row)
    session.flush()
    return row.campaign_item_id if row.expires_at > now else None
