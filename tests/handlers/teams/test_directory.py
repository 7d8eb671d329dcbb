"""Teams as a directory: a team's roster, paged, through a stored channel reference."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections.abc import Iterator

import pytest
from botbuilder.core import TurnContext
from botbuilder.schema import Activity
from sqlmodel import select

from bot.core.actor import Actor
from bot.core.db import Database
from bot.core.errors import InvalidInput
from bot.core.settings import Settings, load_settings
from bot.directory.sync import DirectoryEntry, sync_directory
from bot.outbox.conversations import save_reference
from handlers.teams.directory import fetch_teams_roster, known_team_conversations
from models import ChatIdentity, OutboxMessage, Person, Platform
from tests.factories import generate, make_control, make_person, make_program, make_task
from tests.handlers.teams.activities import message_activity
from tests.handlers.teams.fake_connector import FakeConnector

NOW = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)
CHANNEL = "19:general@thread.tacv2"
ROSTER = f"/v3/conversations/{CHANNEL}/pagedmembers"


@pytest.fixture
def connector() -> Iterator[FakeConnector]:
    with FakeConnector() as fake:
        for who, name in (("ana", "Ana Ruiz"), ("raj", "Raj Iyer"), ("eve", "Eve Park")):
            email = f"{who}@acme.test"
            fake.add_member(
                aad_object_id=f"aad-{who}", user_id=f"29:1{who}", name=name, email=email
            )
        guest_upn = "gia_partner.test#EXT#@acme.onmicrosoft.com"
        fake.add_member(
            aad_object_id="aad-gia", user_id="29:1gia", name="Gia", email="", upn=guest_upn
        )
        yield fake


@pytest.fixture
def settings() -> Settings:
    return load_settings(teams_allow_unauthenticated=True)


def remember_channel(db: Database, connector: FakeConnector) -> None:
    """What the bot stores when someone @mentions it in a thread of the team's channel."""
    activity = message_activity(
        "<at>soc2bot</at> status",
        service_url=connector.service_url,
        user_id="29:1ana",
        aad_object_id="aad-ana",
        conversation_id=f"{CHANNEL};messageid=1710000000001",
        conversation_type="channel",
        mention_bot=True,
    )
    reference = TurnContext.get_conversation_reference(Activity().deserialize(activity))
    with db.transaction() as s:
        key = f"teams:conv:{CHANNEL};messageid=1710000000001"
        save_reference(session=s, platform="teams", key=key, reference=reference.serialize())


def roster(settings: Settings, db: Database, *ids: str) -> list[DirectoryEntry]:
    return asyncio.run(fetch_teams_roster(settings, db, ids, page_size=2))


def test_the_roster_is_read_page_by_page(
    db: Database, connector: FakeConnector, settings: Settings
) -> None:
    remember_channel(db, connector)
    assert known_team_conversations(db) == [CHANNEL]
    entries = roster(settings, db, CHANNEL)
    assert len(connector.calls_to("GET", ROSTER)) == 2
    assert [(e.email, e.external_id, e.platform) for e in entries] == [
        ("ana@acme.test", "aad-ana", Platform.TEAMS),
        ("raj@acme.test", "aad-raj", Platform.TEAMS),
        ("eve@acme.test", "aad-eve", Platform.TEAMS),
        (None, "aad-gia", Platform.TEAMS),  # a guest's #EXT# UPN is no mailbox
    ]


def test_someone_who_left_the_team_is_deactivated_and_their_work_reported(
    db: Database, connector: FakeConnector, settings: Settings
) -> None:
    remember_channel(db, connector)
    with db.transaction() as s:
        make_program(s).compliance_channel = f"teams:conv:{CHANNEL}"
        raj = make_person(s, "raj@acme.test", name="Raj Iyer")
        make_task(s, make_control(s, "CC6.1-AR", owner=raj))
        generate(s, now=NOW)
    connector.remove_member("29:1raj")
    with db.transaction() as s:
        report = sync_directory(
            session=s,
            actor=Actor.cli(),
            entries=roster(settings, db),  # every team the bot knows
            source="teams",
            now=NOW,
            deactivate_missing=True,
        )
    assert report.created == ["ana@acme.test", "eve@acme.test"]
    assert report.deactivated == ["raj@acme.test"] and report.alerts_queued == 1
    assert report.skipped == ["aad-gia: no usable email"]
    with db.session() as s:
        [alert] = s.exec(select(OutboxMessage)).all()
        linked = {i.external_id for i in s.exec(select(ChatIdentity))}
        gone = s.exec(select(Person).where(Person.email == "raj@acme.test")).one()
    assert (alert.platform, alert.recipient) == ("teams", f"teams:conv:{CHANNEL}")
    assert "CC6.1-AR" in json.dumps(alert.payload) and not gone.active
    assert linked == {"aad-ana", "aad-eve"}


def test_an_unknown_team_is_a_friendly_error(
    db: Database, connector: FakeConnector, settings: Settings
) -> None:
    with pytest.raises(InvalidInput, match="knows no Teams team yet"):
        roster(settings, db)
    remember_channel(db, connector)
    with pytest.raises(InvalidInput, match=f"Known team conversations: {CHANNEL}"):
        roster(settings, db, "19:other@thread.tacv2")


def test_a_connector_failure_is_reported_not_half_applied(
    db: Database, connector: FakeConnector, settings: Settings
) -> None:
    remember_channel(db, connector)
    connector.fail_next("GET", ROSTER, status=403)
    with pytest.raises(InvalidInput, match="Teams did not give the roster"):
        roster(settings, db, CHANNEL)
