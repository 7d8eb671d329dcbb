"""Teams team rosters as a people directory: paged members through stored channel references."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from botbuilder.core import TurnContext
from botbuilder.core.teams import TeamsInfo
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import ConversationReference

from bot.chat.directory import channel_id, known_team_channels, team_channels
from bot.chat.runtime import in_thread
from bot.core.db import Database
from bot.core.errors import InvalidInput
from bot.core.settings import Settings
from bot.directory.facts import DirectoryEntry
from handlers.teams.app import build_adapter
from models import Platform

PAGE_SIZE = 500  # the most Teams hands out per page


async def fetch_teams_roster(
    settings: Settings,
    db: Database,
    conversations: Sequence[str] = (),
    *,
    page_size: int = PAGE_SIZE,
) -> list[DirectoryEntry]:
    """Members of these team conversations (ids or `teams:conv:` keys; none: all known)."""
    references = await in_thread(team_channels, db, conversations)
    adapter = build_adapter(settings)
    entries: list[DirectoryEntry] = []
    for reference in references.values():
        members = await _roster(adapter, settings.microsoft_app_id or "", reference, page_size)
        entries.extend(e for e in map(teams_entry, members) if e is not None)
    return entries


def known_team_conversations(db: Database) -> list[str]:
    """Ids of the Teams channel conversations the bot has a reference for."""
    return list(known_team_channels(db))


async def _roster(
    adapter: CloudAdapter, app_id: str, stored: dict[str, Any], page_size: int
) -> list[Any]:
    reference = ConversationReference().deserialize(stored)
    channel = reference.conversation.id = channel_id(str(reference.conversation.id))
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
