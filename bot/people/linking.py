"""Chat user → actor: the linked identity, or a link made by email on first contact (spec §7).

Every chat adapter resolves its users this way; each only builds the `ChatAccount` from
what its platform says about the user.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from bot.core.actor import Actor, ChatAccount
from bot.core.db import Database
from bot.core.errors import InvalidInput
from bot.people.services import actor_for_chat_user, check_served, link_chat_identity
from models import Platform


def linked_actor(db: Database, *, platform: Platform, external_id: str) -> Actor | None:
    """The actor of an already linked chat account; None when it is not linked yet."""
    with db.session() as session:
        return actor_for_chat_user(session=session, platform=platform, external_id=external_id)


def link_actor(db: Database, account: ChatAccount) -> Actor:
    """Link a home account to the person with its email (refusing strangers); its actor."""
    with db.transaction() as session:
        person = link_chat_identity(session=session, account=account)
        return Actor.for_person(person, platform=account.platform, platform_id=account.external_id)


async def resolve_chat_actor(
    db: Database,
    *,
    platform: Platform,
    external_id: str,
    account: Callable[[], Awaitable[ChatAccount]],
    no_email: str,
) -> Actor:
    """The actor for a chat user, linking them on first contact.

    `account` asks the platform about the user, only when they are not linked yet. A guest or
    stranger gets the polite refusal (NotServed) before any email is asked for; an account
    without an email gets InvalidInput(`no_email`).
    """
    # Database work runs off the event loop, as every adapter's does.
    actor = await asyncio.to_thread(linked_actor, db, platform=platform, external_id=external_id)
    if actor is not None:
        return actor
    found = await account()
    check_served(found)  # before the email: a stranger is told who the bot is for
    if not found.email:
        raise InvalidInput(no_email)
    return await asyncio.to_thread(link_actor, db, found)
