"""Fixtures of the campaign flow tests: the world, on SQLite and on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient

from bot.app import create_app
from bot.core.settings import load_settings
from models import ChatIdentity, Person
from tests.conftest import POSTGRES_URL
from tests.handlers.campaign_world import EXTRA, SLACK_EXTRA, World
from tests.handlers.slack.conftest import SECRET, TOKEN, USERS, scenario_catalog
from tests.handlers.slack.fake_slack import FakeSlack
from tests.handlers.teams.conftest import assert_all_cards_valid
from tests.handlers.teams.fake_connector import FakeConnector


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[World]:
    if request.param == "postgres":
        request.getfixturevalue("postgres_db")  # emptied, migrated
        url = POSTGRES_URL or ""
    else:
        url = f"sqlite:///{tmp_path}/flows.db"
    catalog = tmp_path / "catalog.yaml"
    catalog.write_text(yaml.safe_dump(scenario_catalog(dt.date.today())))
    settings = load_settings(
        database_url=url, evidence_url=f"file://{tmp_path}/evidence", catalog=catalog,
        slack_bot_token=TOKEN, slack_signing_secret=SECRET, evidence_max_bytes=1024 * 1024,
        teams_allow_unauthenticated=True,
    )  # fmt: skip
    with FakeSlack(token=TOKEN) as slack, FakeConnector() as teams:
        settings = settings.model_copy(update={"slack_api_url": slack.base_url})
        for user_id, (email, name, _) in USERS.items():
            slack.add_user(user_id, email, name=name, tz="Europe/Berlin")
        with TestClient(create_app(settings)) as client:
            _settle(client)
            world = World(client, slack, teams)
            _hire(world)
            yield world
        assert_all_cards_valid(teams)


def _settle(client: TestClient) -> None:
    task = getattr(client.app.state, "slack_owner_linking", None)  # type: ignore[attr-defined]
    deadline = time.monotonic() + 5
    while task is not None and not task.done() and time.monotonic() < deadline:
        time.sleep(0.02)


def _hire(world: World) -> None:
    """47 more people: p0…p29 linked to Slack (as a directory sync does), p30…p46 in Teams."""
    ana, raj = world.person("ana@acme.test"), world.person("raj@acme.test")
    with world.db.transaction() as session:
        for n in range(EXTRA):
            manager = raj if n % 2 else ana
            person = Person(email=f"p{n}@acme.test", name=f"Person {n}", manager_id=manager.id)
            session.add(person)
            session.flush()
            if n < SLACK_EXTRA:
                world.slack.add_user(f"UP{n}", person.email, name=person.name, tz="UTC")
                session.add(ChatIdentity(person_id=person.id or 0, platform="slack",
                                         external_id=f"UP{n}"))  # fmt: skip
            else:
                world.teams.add_member(aad_object_id=f"aad-p{n}", user_id=f"29:p{n}",
                                       name=person.name, email=person.email)  # fmt: skip
    for n in range(SLACK_EXTRA, EXTRA):  # Teams reaches people who have talked to the bot
        world.teams_say(n, "whoami")
    world.teams.clear()
