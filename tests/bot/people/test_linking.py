"""Chat user → actor: linked accounts are found, new ones are checked and linked once."""

from __future__ import annotations

import asyncio

import pytest

from bot.core.actor import Actor, ChatAccount
from bot.core.db import Database
from bot.core.errors import InvalidInput, NotServed
from bot.people.linking import link_actor, linked_actor, resolve_chat_actor
from models import Platform, Role
from tests.factories import make_person


def resolve(db: Database, account: ChatAccount, asked: list[str]) -> Actor:
    async def fetch() -> ChatAccount:
        asked.append(account.external_id)
        return account

    return asyncio.run(
        resolve_chat_actor(
            db,
            platform=account.platform,
            external_id=account.external_id,
            account=fetch,
            no_email="No email.",
        )
    )


def test_first_contact_links_and_later_ones_do_not_ask_the_platform(db: Database) -> None:
    with db.transaction() as s:
        make_person(s, "raj@acme.test", role=Role.ADMIN)
    account = ChatAccount(Platform.SLACK, "U1", "raj@acme.test", home=True)
    asked: list[str] = []
    first, again = resolve(db, account, asked), resolve(db, account, asked)
    assert first == again and asked == ["U1"]
    assert first.role is Role.ADMIN and first.platform_id == "U1"
    assert linked_actor(db, platform=Platform.SLACK, external_id="U1") == first


def test_a_guest_is_refused_before_being_asked_for_an_email(db: Database) -> None:
    guest = ChatAccount(Platform.TEAMS, "29:g", None, home=True, guest=True)
    with pytest.raises(NotServed):
        resolve(db, guest, [])
    assert linked_actor(db, platform=Platform.TEAMS, external_id="29:g") is None


def test_a_home_account_without_an_email_is_told_so(db: Database) -> None:
    with pytest.raises(InvalidInput, match="No email."):
        resolve(db, ChatAccount(Platform.TEAMS, "29:x", None, home=True), [])


def test_link_actor_returns_the_actor_of_the_account(db: Database) -> None:
    actor = link_actor(db, ChatAccount(Platform.TEAMS, "29:n", "new@acme.test", home=True))
    assert actor.role is Role.MEMBER and actor.platform is Platform.TEAMS
    assert actor.label == "new@acme.test" and actor.platform_id == "29:n"
