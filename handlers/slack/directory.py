"""The Slack workspace as a people directory: `users.list`, page by page, as directory entries."""

from __future__ import annotations

from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.errors import InvalidInput
from bot.core.settings import Settings
from bot.directory.facts import DirectoryEntry
from handlers.slack.files import slack_token
from models import Platform

PAGE_SIZE = 200  # Slack's advice for users.list; larger pages time out on big workspaces
SLACKBOT = "USLACKBOT"


def directory_client(settings: Settings) -> AsyncWebClient:
    """A client for the CLI; users.list is rate tier 2, so 429s wait and retry."""
    return AsyncWebClient(
        token=slack_token(settings),
        base_url=settings.slack_api_url,
        retry_handlers=[
            AsyncRateLimitErrorRetryHandler(max_retry_count=5),
            AsyncServerErrorRetryHandler(max_retry_count=2),
        ],
    )


async def fetch_slack_directory(
    client: AsyncWebClient, *, page_size: int = PAGE_SIZE
) -> list[DirectoryEntry]:
    """Every human member of the workspace; deactivated (`deleted`) members come back inactive."""
    entries: list[DirectoryEntry] = []
    cursor: str | None = None
    while True:
        try:
            page = await client.users_list(limit=page_size, cursor=cursor)
        except SlackApiError as exc:
            error = exc.response.get("error") or "unknown error"
            raise InvalidInput(
                f"Slack refused users.list ({error}). The app needs the users:read and "
                "users:read.email scopes; reinstall it after adding them."
            ) from None
        for user in page.get("members") or []:
            entry = slack_entry(user)
            if entry is not None:
                entries.append(entry)
        cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
        if not cursor:
            break
    if entries and not any(e.email for e in entries):
        raise InvalidInput(
            "Slack gave no email addresses: add the users:read.email scope to the app "
            "and reinstall it."
        )
    return entries


def slack_entry(user: dict[str, Any]) -> DirectoryEntry | None:
    """A member as a directory entry; bots and Slackbot are not people (None).

    Guests (`is_restricted`, `is_ultra_restricted`) are people too: they become members like
    anyone else the catalog does not name.
    """
    if user.get("is_bot") or user.get("is_app_user") or user.get("id") == SLACKBOT:
        return None
    profile = user.get("profile") or {}
    name = profile.get("real_name") or user.get("real_name") or user.get("name")
    return DirectoryEntry(
        email=profile.get("email"),
        name=name,
        active=not user.get("deleted"),
        timezone=user.get("tz"),
        platform=Platform.SLACK,
        external_id=str(user.get("id") or "") or None,
        title=profile.get("title") or None,
    )
