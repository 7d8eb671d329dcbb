"""Slack user → person: the linked identity, or `users.info` by email on first contact."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.actor import Actor, ChatAccount
from bot.errors import InvalidInput
from bot.runtime import Runtime, in_thread
from bot.services.people import (
    actor_for_chat_user,
    link_chat_identity,
    owners_without_identity,
)
from models import Platform

log = logging.getLogger("soc2bot.slack")


async def resolve_actor(deps: Runtime, client: AsyncWebClient, user_id: str) -> Actor:
    """The actor for a Slack user; links them by email the first time they talk to the bot."""
    actor = await in_thread(_linked, deps, user_id)
    if actor is not None:
        return actor
    user = (await client.users_info(user=user_id)).get("user") or {}
    email = (user.get("profile") or {}).get("email")
    if not email or user.get("is_bot"):
        raise InvalidInput(
            "I could not read your email from Slack, so I cannot tell who you are. "
            "Ask an admin to check the app's users:read.email scope."
        )
    return await in_thread(_link, deps, user_id, user, email)


def _linked(deps: Runtime, user_id: str) -> Actor | None:
    with deps.db.session() as session:
        return actor_for_chat_user(session=session, platform=Platform.SLACK, external_id=user_id)


def _link(deps: Runtime, user_id: str, user: dict[str, Any], email: str) -> Actor:
    name = (user.get("profile") or {}).get("real_name") or user.get("real_name") or user.get("name")
    with deps.db.transaction() as session:
        account = ChatAccount(
            platform=Platform.SLACK,
            external_id=user_id,
            email=email,
            home=True,  # TODO(issue 12): the workspace verdict
            name=name,
            timezone=user.get("tz"),
        )
        person = link_chat_identity(session=session, account=account)
        return Actor.for_person(person, platform=Platform.SLACK, platform_id=user_id)


async def link_owners(deps: Runtime, client: AsyncWebClient) -> int:
    """Link catalog owners to their Slack accounts by email (users.lookupByEmail); count them.

    Runs in the background at start so reminders can reach owners who never wrote to the bot.
    """
    linked = 0
    for email in await in_thread(_unlinked_owners, deps):
        try:
            found = await client.users_lookupByEmail(email=email)
        except SlackApiError as exc:
            log.info("No Slack account for %s (%s)", email, exc.response.get("error"))
            continue
        user = found.get("user") or {}
        if user.get("id") and not user.get("deleted"):
            await in_thread(_link, deps, str(user["id"]), user, email)
            linked += 1
    return linked


def _unlinked_owners(deps: Runtime) -> list[str]:
    with deps.db.session() as session:
        return owners_without_identity(session=session, platform=Platform.SLACK)
