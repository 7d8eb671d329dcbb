"""`soc2bot people sync`: read the chosen directories, then apply them in one transaction."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

from bot.core.actor import Actor
from bot.core.db import Database
from bot.core.errors import InvalidInput
from bot.core.settings import Settings
from bot.directory.facts import DirectoryEntry, DirectorySyncReport
from bot.directory.hr_csv import parse_directory_csv
from bot.directory.sync import sync_directory
from handlers.slack.directory import directory_client, fetch_slack_directory
from handlers.teams.directory import fetch_teams_roster, known_team_conversations

USAGE = "soc2bot people sync [--slack] [--teams TEAM_CONVERSATION_ID] [--csv FILE]"


def sync_people(
    settings: Settings,
    db: Database,
    *,
    slack: bool,
    teams: str | None,
    csv: Path | None,
    deactivate_missing: bool,
    now: dt.datetime,
) -> tuple[list[str], DirectorySyncReport]:
    """Read every chosen source first (a bad CSV stops here), then sync once; (notes, report).

    With no source named, every configured platform is read. One sync over all of them means
    someone listed by any source is not "missing" from the others.
    """
    notes: list[str] = []
    chosen = slack or teams is not None or csv is not None
    teams_ids: list[str] | None = [teams] if teams is not None else None
    if not chosen:
        slack, teams_ids = settings.slack_enabled, _auto_teams(settings, db, notes)
        if not slack and teams_ids is None:
            raise InvalidInput(_nothing_to_read(settings), usage=USAGE)
    if slack and not settings.slack_enabled:
        raise InvalidInput("--slack: Slack is not configured (set SLACK_BOT_TOKEN).")
    if teams_ids is not None and not settings.teams_enabled:
        raise InvalidInput("--teams: Teams is not configured (set MICROSOFT_APP_ID).")
    sources: list[str] = []
    entries: list[DirectoryEntry] = []
    if csv is not None:
        entries += parse_directory_csv(csv.read_bytes())
        sources.append("csv")
        notes.append(f"CSV: {len(entries)} row(s) read from {csv.name}.")
    read = asyncio.run(_read_platforms(settings, db, slack, teams_ids))
    for name, found, how in read:
        entries += found
        sources.append(name)
        notes.append(f"{how}: {len(found)} member(s) read.")
    with db.transaction() as session:
        report = sync_directory(
            session=session,
            actor=Actor.cli(),
            entries=entries,
            source="+".join(sources),
            now=now,
            deactivate_missing=deactivate_missing,
        )
    return notes, report


def _auto_teams(settings: Settings, db: Database, notes: list[str]) -> list[str] | None:
    if not settings.teams_enabled:
        return None
    known = known_team_conversations(db)
    if not known:
        notes.append("Teams: skipped, the bot has not been added to a team channel yet.")
        return None
    return known


def _nothing_to_read(settings: Settings) -> str:
    if settings.teams_enabled:  # configured, but no team is known yet
        return (
            "No directory to read: Slack is not configured and the bot knows no Teams team yet "
            "(add it to a team and @mention it once in a channel). Or give --csv FILE."
        )
    return (
        "No directory to read: neither Slack (SLACK_BOT_TOKEN) nor Teams (MICROSOFT_APP_ID) is "
        "configured. Configure one, or give an HR export with --csv FILE."
    )


async def _read_platforms(
    settings: Settings, db: Database, slack: bool, teams_ids: list[str] | None
) -> list[tuple[str, list[DirectoryEntry], str]]:
    read: list[tuple[str, list[DirectoryEntry], str]] = []
    if slack:
        found = await fetch_slack_directory(directory_client(settings))
        read.append(("slack", found, "Slack (users.list)"))
    if teams_ids is not None:
        found = await fetch_teams_roster(settings, db, teams_ids)
        read.append(("teams", found, f"Teams ({len(teams_ids)} team conversation(s))"))
    return read
