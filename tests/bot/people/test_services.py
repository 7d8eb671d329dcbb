"""People: home chat accounts are linked by email on first contact; strangers never are."""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot.core.actor import ChatAccount
from bot.core.db import Database
from bot.core.errors import InvalidInput, NotServed
from bot.people.services import actor_for_chat_user, find_person_by_chat_id, link_chat_identity
from models import AuditEvent, ChatIdentity, Person, Platform, Role
from tests.factories import make_person


def home(platform: Platform, external_id: str, email: str, **more: str) -> ChatAccount:
    return ChatAccount(platform, external_id, email, home=True, **more)  # type: ignore[arg-type]


def test_first_contact_links_the_known_person_by_email(db: Database) -> None:
    with db.transaction() as s:
        make_person(s, "raj@acme.test", role=Role.ADMIN)
    account = home(Platform.SLACK, "U123", "Raj@Acme.test", name="raj", timezone="Asia/Kolkata")
    with db.transaction() as s:
        person = link_chat_identity(session=s, account=account)
    with db.session() as s:
        found = find_person_by_chat_id(session=s, platform=Platform.SLACK, external_id="U123")
        actor = actor_for_chat_user(session=s, platform=Platform.SLACK, external_id="U123")
        event = s.exec(select(AuditEvent).where(AuditEvent.action == "person.linked")).one()
    assert found is not None and found.id == person.id and found.timezone == "Asia/Kolkata"
    assert actor is not None and actor.role is Role.ADMIN and actor.platform_id == "U123"
    assert event.subject_id == "raj@acme.test" and event.details["platform"] == "slack"


def test_unknown_person_becomes_a_member(db: Database) -> None:
    with db.transaction() as s:
        person = link_chat_identity(
            session=s, account=home(Platform.TEAMS, "29:abc", "new@acme.test")
        )
    assert person.role is Role.MEMBER


def test_linking_again_changes_nothing(db: Database) -> None:
    for _ in range(2):
        with db.transaction() as s:
            link_chat_identity(session=s, account=home(Platform.SLACK, "U9", "a@acme.test"))
    with db.session() as s:
        assert len(s.exec(select(ChatIdentity)).all()) == 1
        assert len(s.exec(select(AuditEvent)).all()) == 2  # created + linked, once


def test_not_an_email_is_refused(db: Database) -> None:
    with pytest.raises(InvalidInput), db.transaction() as s:
        link_chat_identity(session=s, account=home(Platform.SLACK, "U1", "nope"))
    with db.session() as s:
        assert s.exec(select(ChatIdentity)).all() == []


@pytest.mark.parametrize(
    ("is_home", "guest"),
    [(False, False), (True, True), (False, True)],
    ids=["foreign", "guest", "both"],
)
def test_a_stranger_whose_email_reads_like_the_admins_is_refused_and_nothing_is_recorded(
    db: Database, is_home: bool, guest: bool
) -> None:
    with db.transaction() as s:
        make_person(s, "ana@acme.test", role=Role.ADMIN)
    stranger = ChatAccount(Platform.TEAMS, "29:evil", "ana@acme.test", home=is_home, guest=guest)
    with pytest.raises(NotServed, match="Nothing was recorded"), db.transaction() as s:
        link_chat_identity(session=s, account=stranger)
    with db.session() as s:
        assert s.exec(select(ChatIdentity)).all() == []
        assert len(s.exec(select(Person)).all()) == 1
        assert s.exec(select(AuditEvent).where(AuditEvent.action == "person.linked")).all() == []
