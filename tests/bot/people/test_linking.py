"""Chat user → actor: linked accounts are found, new ones are checked and linked once."""

from __future__ import annotations

import asyncio

import pytest

from bot.core.actor import Actor, ChatAccount
from bot.core.db import Database
from bot.core.errors import InvalidInput, NotServed
from bot.people.linking import (
    ChatUser,
    NotLinked,
    link_actor,
    link_named_actor,
    linked_actor,
    refusal_for,
    resolve_chat_actor,
    unlinked_owner_emails,
)
from models import Platform, Role
from tests.factories import make_control, make_person


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


def name(db: Database, account: ChatAccount) -> None:
    async def fetch() -> ChatAccount:
        return account

    asyncio.run(
        link_named_actor(
            db,
            platform=account.platform,
            external_id=account.external_id,
            account=fetch,
            guest="{who} is a guest.",
            no_email="No email for {who}.",
        )
    )


def test_a_named_person_is_linked_and_a_guest_is_refused_by_name(db: Database) -> None:
    name(db, ChatAccount(Platform.SLACK, "U7", "eve@acme.test", home=True, name="Eve"))
    assert linked_actor(db, platform=Platform.SLACK, external_id="U7") is not None
    with pytest.raises(InvalidInput, match="^Gia is a guest.$"):
        name(db, ChatAccount(Platform.SLACK, "U8", "gia@x.test", home=True, guest=True, name="Gia"))
    with pytest.raises(InvalidInput, match="^No email for That person.$"):
        name(db, ChatAccount(Platform.SLACK, "U9", None, home=True))


def test_refusal_for_a_stranger_only() -> None:
    assert refusal_for(ChatAccount(Platform.TEAMS, "29:a", None, home=True)) is None
    assert isinstance(refusal_for(ChatAccount(Platform.TEAMS, "29:b", None, home=False)), NotServed)


def test_owners_without_an_account_on_the_platform_are_listed(db: Database) -> None:
    with db.transaction() as s:
        make_control(s, "CC1.1", owner=make_person(s, "raj@acme.test"))
    assert unlinked_owner_emails(db, Platform.SLACK) == ["raj@acme.test"]
    link_actor(db, ChatAccount(Platform.SLACK, "U1", "raj@acme.test", home=True))
    assert unlinked_owner_emails(db, Platform.SLACK) == []
    assert unlinked_owner_emails(db, Platform.TEAMS) == ["raj@acme.test"]


def test_a_chat_user_is_looked_up_in_the_callers_session_and_remembered(db: Database) -> None:
    user = ChatUser(Platform.SLACK, "U1")
    with db.session() as s, pytest.raises(NotLinked):
        user(s)
    linked = link_actor(db, ChatAccount(Platform.SLACK, "U1", "raj@acme.test", home=True))
    with db.session() as s:
        assert user(s) == linked and user.actor == linked
