"""Team rosters read through chat: the team channels the bot keeps a conversation reference for.

A Teams roster can only be read through a conversation the bot is in; the adapter asks
here which ones it may read, then reads each roster with its platform's client.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.core.db import Database
from bot.core.errors import InvalidInput
from bot.directory.sync import channel_references
from models import Platform

PREFIX = f"{Platform.TEAMS.value}:conv:"
HOW_TO_ADD = "Add the bot to the team and @mention it once in one of the team's channels."


def channel_id(conversation: str) -> str:
    """The channel of a conversation id or `teams:conv:` key.

    A reply in a channel thread carries `;messageid=…`; the roster is the channel's.
    """
    return conversation.removeprefix(PREFIX).split(";messageid=")[0]


def known_team_channels(db: Database) -> dict[str, dict[str, Any]]:
    """Channel conversation id → a stored reference; threads of one channel count once."""
    with db.session() as session:
        stored = channel_references(session=session, platform=Platform.TEAMS.value)
    return {channel_id(key): reference for key, reference in sorted(stored.items())}


def team_channels(db: Database, conversations: Sequence[str]) -> dict[str, dict[str, Any]]:
    """The references of these team conversations (none named: every known one).

    A conversation the bot has never been in is refused, naming those it knows.
    """
    known = known_team_channels(db)
    if not conversations:
        if not known:
            raise InvalidInput(f"The bot knows no Teams team yet. {HOW_TO_ADD}")
        return known
    chosen: dict[str, dict[str, Any]] = {}
    for conversation in map(channel_id, conversations):
        if conversation not in known:
            listed = ", ".join(known) or "none yet"
            raise InvalidInput(
                f"The bot has not been in the Teams conversation {conversation!r}. "
                f"{HOW_TO_ADD} Known team conversations: {listed}."
            )
        chosen[conversation] = known[conversation]
    return chosen
