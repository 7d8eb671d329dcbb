"""Teams scenario fixtures: the real app over HTTP, a fake Bot Framework connector."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient

from bot.app import create_app
from bot.core.db import Database
from bot.core.settings import load_settings
from handlers.teams.actions import replies_pending
from tests.handlers.slack.conftest import scenario_catalog
from tests.handlers.teams.activities import card_submit_activity, message_activity
from tests.handlers.teams.cardcheck import assert_valid_card
from tests.handlers.teams.fake_connector import FakeConnector

HOME_TENANT = "tenant-1"  # activities.py and FakeConnector use it unless told otherwise
# Teams members of the scenario: short name → (Teams id, AAD object id, email, name)
MEMBERS = {
    "raj": ("29:1raj", "aad-raj", "raj@acme.test", "Raj Iyer"),
    "ana": ("29:1ana", "aad-ana", "ana@acme.test", "Ana Ruiz"),
    "eve": ("29:1eve", "aad-eve", "eve@acme.test", "Eve Park"),
    "audrey": ("29:1aud", "aad-aud", "audrey@audit.test", "Audrey Auditor"),
}


def wait_for_replies(timeout: float = 10.0) -> None:
    """A card button's update and replies are sent after its turn: wait until they are."""
    deadline = time.monotonic() + timeout
    while replies_pending() and time.monotonic() < deadline:
        time.sleep(0.01)


class TeamsScenario:
    """One running app and its fake connector: post activities, read what the bot sent."""

    def __init__(self, client: TestClient, connector: FakeConnector) -> None:
        self.client = client
        self.connector = connector
        self._n = 0

    @property
    def db(self) -> Database:
        return self.client.app.state.db  # type: ignore[attr-defined, no-any-return]

    def post(self, activity: dict[str, Any], **headers: str) -> Any:
        response = self.client.post("/api/messages", json=activity, headers=headers)
        wait_for_replies()
        return response

    def _who(self, who: str) -> dict[str, Any]:
        user_id, aad, _, name = MEMBERS[who]
        self._n += 1
        return {
            "service_url": self.connector.service_url,
            "user_id": user_id,
            "aad_object_id": aad,
            "name": name,
            "conversation_id": f"a:personal-{who}",
            "activity_id": f"act-{self._n}",
        }

    def say(self, text: str, who: str = "raj", **kw: Any) -> Any:
        return self.post(message_activity(text, **{**self._who(who), **kw}))

    def submit(self, data: dict[str, Any], who: str = "raj", **kw: Any) -> Any:
        return self.post(card_submit_activity(data, **{**self._who(who), **kw}))

    def sent(self) -> list[dict[str, Any]]:
        return self.connector.sent_activities()

    def last_card(self) -> dict[str, Any]:
        for activity in reversed(self.sent()):
            for attachment in activity.get("attachments") or []:
                if attachment.get("contentType") == "application/vnd.microsoft.card.adaptive":
                    return dict(attachment["content"])
        raise AssertionError("no card was sent")

    def last_text(self) -> str:
        texts = [a.get("text") for a in self.sent() if a.get("text")]
        assert texts, "no text was sent"
        return str(texts[-1])


@pytest.fixture
def connector() -> Iterator[FakeConnector]:
    with FakeConnector() as fake:
        for user_id, aad, email, name in MEMBERS.values():
            fake.add_member(aad_object_id=aad, user_id=user_id, name=name, email=email, upn=email)
        yield fake
        assert_all_cards_valid(fake)


def assert_all_cards_valid(connector: FakeConnector) -> None:
    """Every Adaptive Card a test made the bot send passes the structural and size checks."""
    for activity in connector.sent_activities():
        for attachment in activity.get("attachments") or []:
            if attachment.get("contentType") == "application/vnd.microsoft.card.adaptive":
                assert_valid_card(attachment["content"])


@pytest.fixture
def make_teams(tmp_path: Path, connector: FakeConnector) -> Iterator[Callable[..., TeamsScenario]]:
    clients: list[TestClient] = []

    def make(*, extra_tasks: int = 0, **overrides: Any) -> TeamsScenario:
        catalog = tmp_path / "catalog.yaml"
        data = scenario_catalog(dt.date.today(), extra_tasks=extra_tasks)
        catalog.write_text(yaml.safe_dump(data))
        options: dict[str, Any] = {
            "teams_allow_unauthenticated": True,
            "microsoft_app_tenant_id": HOME_TENANT,  # the tenant of the activity builders
            **overrides,
        }
        settings = load_settings(
            database_url=f"sqlite:///{tmp_path}/teams.db",
            evidence_url=f"file://{tmp_path}/evidence",
            catalog=catalog,
            evidence_max_bytes=1024 * 1024,
            **options,
        )
        client = TestClient(create_app(settings))
        client.__enter__()
        clients.append(client)
        return TeamsScenario(client, connector)

    yield make
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def teams(make_teams: Callable[..., TeamsScenario]) -> TeamsScenario:
    return make_teams()
