"""People: chat identities are linked by email on first contact; unknown people are members."""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot.db import Database
from bot.errors import InvalidInput
from bot.services.people import actor_for_chat_user, find_person_by_chat_id, link_chat_identity
from models import AuditEvent, ChatIdentity, Platform, Role
from tests.factories import make_person


def test_first_contact_links_the_known_person_by_email(db: Database) -> None:
    with db.transaction() as s:
        make_person(s, "raj@acme.test", role=Role.ADMIN)
    with db.transaction() as s:
        person = link_chat_identity(
            session=s,
            platform=Platform.SLACK,
            external_id="U123",
            email="Raj@Acme.test",
            name="raj",
            timezone="Asia/Kolkata",
        )
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
            session=s, platform=Platform.TEAMS, external_id="29:abc", email="new@acme.test"
        )
    assert person.role is Role.MEMBER


def test_linking_again_changes_nothing(db: Database) -> None:
    for _ in range(2):
        with db.transaction() as s:
            link_chat_identity(
                session=s, platform=Platform.SLACK, external_id="U9", email="a@acme.test"
            )
    with db.session() as s:
        assert len(s.exec(select(ChatIdentity)).all()) == 1
        assert len(s.exec(select(AuditEvent)).all()) == 2  # created + linked, once


def test_not_an_email_is_refused(db: Database) -> None:
    with pytest.raises(InvalidInput), db.transaction() as s:
        link_chat_identity(session=s, platform=Platform.SLACK, external_id="U1", email="nope")
    with db.session() as s:
        assert s.exec(select(ChatIdentity)).all() == []
