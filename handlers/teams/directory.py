"""Teams team rosters as a people directory: paged members through stored channel references."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from botbuilder.core import TurnContext
from botbuilder.core.teams import TeamsInfo
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import ConversationReference

from bot.chat.runtime import in_thread
from bot.core.db import Database
from bot.core.errors import InvalidInput
from bot.core.settings import Settings
from bot.directory.sync import DirectoryEntry, channel_references
from handlers.teams.app import build_adapter
from models import Platform

PAGE_SIZE = 500  # the most Teams hands out per page
PREFIX = "teams:conv:"
HOW_TO_ADD = "Add the bot to the team and @mention it once in one of the team's channels."


async def fetch_teams_roster(
    settings: Settings,
    db: Database,
    conversations: Sequence[str] = (),
    *,
    page_size: int = PAGE_SIZE,
) -> list[DirectoryEntry]:
    """Members of these team conversations (ids or `teams:conv:` keys; none: all known)."""
    references = await in_thread(_references, db, conversations)
    adapter = build_adapter(settings)
    entries: list[DirectoryEntry] = []
    for reference in references.values():
        members = await _roster(adapter, settings.microsoft_app_id or "", reference, page_size)
        entries.extend(e for e in map(teams_entry, members) if e is not None)
    return entries


def known_team_conversations(db: Database) -> list[str]:
    """Ids of the Teams channel conversations the bot has a reference for."""
    return list(_known(db))


def _known(db: Database) -> dict[str, dict[str, Any]]:
    """Channel conversation id → a stored reference; threads of one channel count once."""
    with db.session() as session:
        stored = channel_references(session=session, platform=Platform.TEAMS.value)
    return {_channel_id(key): reference for key, reference in sorted(stored.items())}


def _channel_id(conversation: str) -> str:
    # A reply in a channel thread carries `;messageid=…`; the roster is the channel's.
    return conversation.removeprefix(PREFIX).split(";messageid=")[0]


def _references(db: Database, conversations: Sequence[str]) -> dict[str, dict[str, Any]]:
    known = _known(db)
    if not conversations:
        if not known:
            raise InvalidInput(f"The bot knows no Teams team yet. {HOW_TO_ADD}")
        return known
    chosen: dict[str, dict[str, Any]] = {}
    for conversation in map(_channel_id, conversations):
        if conversation not in known:
            listed = ", ".join(known) or "none yet"
            raise InvalidInput(
                f"The bot has not been in the Teams conversation {conversation!r}. "
                f"{HOW_TO_ADD} Known team conversations: {listed}."
            )
        chosen[conversation] = known[conversation]
    return chosen


async def _roster(
    adapter: CloudAdapter, app_id: str, stored: dict[str, Any], page_size: int
) -> list[Any]:
    reference = ConversationReference().deserialize(stored)
    channel = reference.conversation.id = _channel_id(str(reference.conversation.id))
    members: list[Any] = []
    failures: list[Exception] = []

    async def read(context: TurnContext) -> None:
        # Caught here: a failing turn would go to on_turn_error, which posts to the channel.
        try:
            token: str | None = None
            while True:
                # By id: a continued conversation has no channelData to find the team in.
                page = await TeamsInfo.get_paged_team_members(context, channel, token, page_size)
                members.extend(page.members or [])
                token = page.continuation_token
                if not token:
                    return
        except Exception as exc:
            failures.append(exc)

    try:
        await adapter.continue_conversation(reference, read, app_id)
    except Exception as exc:  # before the turn: token or connector trouble
        failures.append(exc)
    if failures:
        raise InvalidInput(
            f"Teams did not give the roster of {reference.conversation.id}: "
            f"{type(failures[0]).__name__}: {failures[0]}"
        ) from None
    return members


def teams_entry(member: Any) -> DirectoryEntry | None:
    """A roster member as a directory entry; guests are members too, keyed by AAD object id."""
    upn = getattr(member, "user_principal_name", None) or ""
    # A guest's UPN (`bob_gmail.com#EXT#@acme.onmicrosoft.com`) is no one's mailbox.
    email = getattr(member, "email", None) or ("" if "#EXT#" in upn else upn)
    external_id = getattr(member, "aad_object_id", None) or getattr(member, "id", None)
    if not external_id:
        return None
    return DirectoryEntry(
        email=email if "@" in email else None,
        name=getattr(member, "name", None),
        platform=Platform.TEAMS,
        external_id=str(external_id),
    )
