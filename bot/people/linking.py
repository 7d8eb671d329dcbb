"""Chat user → actor: the linked identity, or a link made by email on first contact (spec §7).

Every chat adapter resolves its users this way; each only builds the `ChatAccount` from
what its platform says about the user.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlmodel import Session

from bot.core.actor import Actor, ChatAccount
from bot.core.db import Database
from bot.core.errors import InvalidInput, NotServed
from bot.people.services import (
    actor_for_chat_user,
    check_served,
    link_chat_identity,
    owners_without_identity,
)
from models import Platform


class NotLinked(Exception):
    """The chat user has no linked identity yet: nothing was done (linking asks the platform)."""


@dataclass
class ChatUser:
    """A chat user looked up inside a session the core has open (a press's own: one trip).

    Called with that session, it is the user's actor (remembered once found), or `NotLinked`.
    """

    platform: Platform
    external_id: str
    actor: Actor | None = None

    def __call__(self, session: Session) -> Actor:
        if self.actor is None:
            self.actor = actor_for_chat_user(
                session=session, platform=self.platform, external_id=self.external_id
            )
        if self.actor is None:
            raise NotLinked(self.external_id)
        return self.actor


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


async def link_named_actor(
    db: Database,
    *,
    platform: Platform,
    external_id: str,
    account: Callable[[], Awaitable[ChatAccount]],
    guest: str,
    no_email: str,
) -> None:
    """Link someone a command names (`assign … @eve`) by email if they are new.

    A guest or stranger is refused by name (`guest`, with `{who}`): the caller is not the one
    refused. An account without an email gets `no_email` (with `{who}`).
    """
    known = await asyncio.to_thread(linked_actor, db, platform=platform, external_id=external_id)
    if known is not None:
        return
    found = await account()
    who = found.name or "That person"
    try:
        check_served(found)
    except NotServed:
        raise InvalidInput(guest.format(who=who)) from None
    if not found.email:
        raise InvalidInput(no_email.format(who=who))
    await asyncio.to_thread(link_actor, db, found)


def refusal_for(account: ChatAccount) -> NotServed | None:
    """The polite refusal for a guest or stranger; None for an account the bot serves."""
    try:
        check_served(account)
    except NotServed as refused:
        return refused
    return None


def unlinked_owner_emails(db: Database, platform: Platform) -> list[str]:
    """Emails of active people who own or do work but have no account linked on `platform`."""
    with db.session() as session:
        return owners_without_identity(session=session, platform=platform)
