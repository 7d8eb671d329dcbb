"""Channel names resolved once to the platform's ids and kept, so a rename does not break posts.

The catalog names channels (`#leadership`). Slack's history and update calls take only ids,
and a name stops matching the moment someone renames the channel. A chat port resolves a
name the first time it is used and stores the id here, in the database every replica shares;
from then on the name stands for that id, and the outbox queues messages to the id.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Protocol

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.core.db import Database
from models import ChatChannel, utcnow

# A Slack conversation id: public `C…`, legacy private `G…`, DM `D…` (names are lower case).
SLACK_CONVERSATION_ID = re.compile(r"^[CGD][A-Z0-9]+$")


def channel_key(name: str) -> str:
    """How a configured channel name is stored: `#Leadership ` and `leadership` are one."""
    return name.strip().lstrip("#").strip().lower()


def is_conversation_id(value: str) -> bool:
    return bool(SLACK_CONVERSATION_ID.match(value))


def is_channel_name(value: str) -> bool:
    """A name to resolve, not an id nor a user (`U…`/`W…`, whose DM Slack opens itself)."""
    value = value.strip()
    return bool(value) and not is_conversation_id(value) and not re.match(r"^[UW][A-Z0-9]+$", value)


class ChannelBook(Protocol):
    """Where a chat port keeps the ids of the channel names it resolved."""

    def lookup(self, platform: str, name: str) -> str | None: ...

    def remember(self, platform: str, name: str, channel_id: str) -> str:
        """Store the id unless one is stored already; the stored one (first resolution wins)."""
        ...


class MemoryChannelBook:
    """For a port without a database (one-off DMs from a command): forgotten on exit."""

    def __init__(self) -> None:
        self._ids: dict[tuple[str, str], str] = {}

    def lookup(self, platform: str, name: str) -> str | None:
        return self._ids.get((platform, channel_key(name)))

    def remember(self, platform: str, name: str, channel_id: str) -> str:
        return self._ids.setdefault((platform, channel_key(name)), channel_id)


class StoredChannelBook:
    """The database's book: shared by the replicas, kept across restarts and renames."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def lookup(self, platform: str, name: str) -> str | None:
        with self.db.session() as session:
            return known_channel_ids(session=session, platform=platform, names=[name]).get(
                channel_key(name)
            )

    def remember(self, platform: str, name: str, channel_id: str) -> str:
        with self.db.transaction() as session:
            return remember_channel_id(
                session=session, platform=platform, name=name, channel_id=channel_id
            )


def known_channel_ids(*, session: Session, platform: str, names: Iterable[str]) -> dict[str, str]:
    """The stored ids of these names, keyed by `channel_key(name)`; unresolved names left out."""
    keys = sorted({channel_key(n) for n in names} - {""})
    if not keys:
        return {}
    query = select(ChatChannel.name, ChatChannel.channel_id).where(
        ChatChannel.platform == platform, col(ChatChannel.name).in_(keys)
    )
    return dict(session.exec(query).all())


def remember_channel_id(*, session: Session, platform: str, name: str, channel_id: str) -> str:
    """Store `name` → `channel_id` once; the id stored first, when replicas race on it.

    It records a fact about the platform (like a conversation reference), not a decision,
    so it writes no audit event.
    """
    key = channel_key(name)
    known = known_channel_ids(session=session, platform=platform, names=[key]).get(key)
    if known is not None:
        return known
    try:
        with session.begin_nested():  # the loser of a race keeps its transaction
            session.add(
                ChatChannel(
                    platform=platform, name=key, channel_id=channel_id, resolved_at=utcnow()
                )
            )
    except IntegrityError:
        return known_channel_ids(session=session, platform=platform, names=[key])[key]
    return channel_id
