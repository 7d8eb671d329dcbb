"""Slack user → person: the linked identity, or `users.info` by email on first contact."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.chat.runtime import Runtime, in_thread
from bot.core.actor import Actor, ChatAccount
from bot.core.errors import InvalidInput, NotServed
from bot.people.linking import (
    link_actor,
    link_named_actor,
    resolve_chat_actor,
    unlinked_owner_emails,
)
from handlers.slack.workspace import Home, fetch_home, home_of, is_guest
from models import Platform

log = logging.getLogger("soc2bot.slack")


async def resolve_actor(deps: Runtime, client: AsyncWebClient, user_id: str) -> Actor:
    """The actor for a Slack user; links them by email the first time they talk to the bot.

    Guests and people of other workspaces (Slack Connect) get the polite refusal instead.
    """
    return await resolve_chat_actor(
        deps.db,
        platform=Platform.SLACK,
        external_id=user_id,
        account=lambda: _account(client, user_id),
        no_email="I could not read your email from Slack, so I cannot tell who you are. "
        "Ask an admin to check the app's users:read.email scope.",
    )


async def link_named(deps: Runtime, client: AsyncWebClient, user_id: str) -> None:
    """Link someone a command names (`assign … @eve`) by email if they are new.

    A guest or external account is refused by name: the caller is not the one refused.
    """
    await link_named_actor(
        deps.db,
        platform=Platform.SLACK,
        external_id=user_id,
        account=lambda: _account(client, user_id),
        guest="{who} is a guest or external Slack account and can't be named: "
        "only members of this workspace can own or do work.",
        no_email="I could not read the email of {who} from Slack, so I can't name them.",
    )


async def _account(client: AsyncWebClient, user_id: str) -> ChatAccount:
    user = (await client.users_info(user=user_id)).get("user") or {}
    return slack_account(await home_of(client), user_id, user)


def slack_account(
    home: Home, user_id: str, user: dict[str, Any], email: str | None = None
) -> ChatAccount:
    """The account as Slack describes it, with the verdict: of the home workspace, a guest?"""
    profile = user.get("profile") or {}
    name = profile.get("real_name") or user.get("real_name") or user.get("name")
    return ChatAccount(
        platform=Platform.SLACK,
        external_id=user_id,
        # A bot has no person behind it: it is never linked.
        email=None if user.get("is_bot") else (email or profile.get("email")),
        home=home.is_home_user(user),
        guest=is_guest(user),
        name=name,
        timezone=user.get("tz"),
    )


async def link_owners(deps: Runtime, client: AsyncWebClient) -> int:
    """Link catalog owners to their Slack accounts by email (users.lookupByEmail); count them.

    Runs in the background at start so reminders can reach owners who never wrote to the bot.
    An account with an owner's email that is a guest or of another workspace is not linked.
    """
    owners = await in_thread(unlinked_owner_emails, deps.db, Platform.SLACK)
    if not owners:
        return 0
    home, linked = await fetch_home(client), 0
    for email in owners:
        try:
            found = await client.users_lookupByEmail(email=email)
        except SlackApiError as exc:
            log.info("No Slack account for %s (%s)", email, exc.response.get("error"))
            continue
        user = found.get("user") or {}
        if not user.get("id") or user.get("deleted"):
            continue
        account = slack_account(home, str(user["id"]), user, email)
        try:
            await in_thread(link_actor, deps.db, account)
        except (NotServed, InvalidInput) as refused:  # a guest, a stranger, a bot
            why = "a guest or external account" if isinstance(refused, NotServed) else "no email"
            log.warning("Slack user %s not linked to a catalog owner: %s", user["id"], why)
            continue
        linked += 1
    return linked
