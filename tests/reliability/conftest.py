"""Reliability fixtures: `world` (Slack + Teams on one app, one person per role of spec §7)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient

from bot.app import create_app
from bot.core.settings import load_settings
from tests.handlers.slack.conftest import (
    SECRET,
    TOKEN,
    scenario_catalog,
    wait_for_owner_linking,
)
from tests.handlers.slack.fake_slack import FakeSlack
from tests.handlers.teams.conftest import HOME_TENANT, assert_all_cards_valid
from tests.handlers.teams.fake_connector import FakeConnector
from tests.reliability.access_matrix import Fixture, seed
from tests.reliability.policy_matrix import seed_policies
from tests.reliability.world import PEOPLE, World


def world_catalog(today: dt.date, *, extra_tasks: int) -> dict[str, Any]:
    data = scenario_catalog(today, extra_tasks=extra_tasks)
    known = {p["email"] for p in data["people"]}
    for who in PEOPLE.values():
        if who.email not in known:
            data["people"].append({"email": who.email, "name": who.name, "role": who.catalog_role})
    return data


@pytest.fixture
def world_fakes() -> Iterator[tuple[FakeSlack, FakeConnector]]:
    with FakeSlack(token=TOKEN) as slack, FakeConnector() as connector:
        for who in PEOPLE.values():
            slack.add_user(who.slack_id, who.email, name=who.name, tz="Europe/Berlin")
            connector.add_member(
                aad_object_id=who.aad, user_id=who.teams_id, name=who.name, email=who.email
            )
        yield slack, connector
        assert_all_cards_valid(connector)


@pytest.fixture
def make_world(
    tmp_path: Path, world_fakes: tuple[FakeSlack, FakeConnector]
) -> Iterator[Callable[..., World]]:
    clients: list[TestClient] = []

    def make(*, extra_tasks: int = 0, link: bool = True, **overrides: Any) -> World:
        slack, connector = world_fakes
        catalog = tmp_path / "catalog.yaml"
        catalog.write_text(yaml.safe_dump(world_catalog(dt.date.today(), extra_tasks=extra_tasks)))
        options: dict[str, Any] = {
            "database_url": f"sqlite:///{tmp_path}/world.db",
            "evidence_url": f"file://{tmp_path}/evidence",
            "catalog": catalog,
            "slack_bot_token": TOKEN,
            "slack_signing_secret": SECRET,
            "slack_api_url": slack.base_url,
            "teams_allow_unauthenticated": True,
            # The home tenant of the activity builders: the world serves no other.
            "microsoft_app_tenant_id": HOME_TENANT,
            "evidence_max_bytes": 1024 * 1024,
            **overrides,
        }
        client = TestClient(create_app(load_settings(**options)))
        client.__enter__()
        clients.append(client)
        wait_for_owner_linking(client)
        world = World(client, slack, connector)
        if link:  # everyone has talked to the bot once, so linking is not a change under test
            for role in PEOPLE:
                assert world.slack.command("whoami", user=PEOPLE[role].slack_id).status_code == 200
                assert world.teams_say("whoami", role).status_code in (200, 201)
        slack.clear()
        connector.clear()
        return world

    yield make
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def world(make_world: Callable[..., World]) -> World:
    return make_world()


@pytest.fixture
def busy(make_world: Callable[..., World]) -> World:
    """A world where Raj has a dozen open tasks, one per file sent."""
    return make_world(extra_tasks=12)


@pytest.fixture
def fx(make_world: Callable[..., World]) -> Fixture:
    fixture = seed(make_world(extra_tasks=12))
    seed_policies(fixture)
    return fixture


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Heavier variants (`slow`) run only when asked for with `-m slow`, as elsewhere in tests/."""
    if "slow" in (config.getoption("markexpr") or ""):
        return
    skip = pytest.mark.skip(reason="heavier variant: run with -m slow (docs/reliability.md)")
    for item in items:
        if "reliability" in item.path.parts and item.get_closest_marker("slow"):
            item.add_marker(skip)
