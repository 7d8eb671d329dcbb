"""Slack scenario fixtures: the real app over HTTP, a fake Slack Web API, signed requests."""

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
from bot.core.settings import load_settings
from tests.handlers.slack.fake_slack import Call, FakeSlack
from tests.handlers.slack.signing import (
    event_body,
    interaction_body,
    signed_headers,
    slash_command_body,
)

SECRET = "test-signing-secret"
TOKEN = "xoxb-test-token"
# Slack users of the scenario workspace and the people of its catalog.
USERS = {
    "UANA": ("ana@acme.test", "Ana Ruiz", "admin"),
    "URAJ": ("raj@acme.test", "Raj Iyer", "member"),
    "UEVE": ("eve@acme.test", "Eve Park", "member"),
    "UAUD": ("audrey@audit.test", "Audrey Auditor", "auditor"),
}


def scenario_catalog(today: dt.date, *, extra_tasks: int = 0) -> dict[str, Any]:
    """A program whose window started three months ago, so there is open and overdue work."""
    start = (today.replace(day=1) - dt.timedelta(days=85)).replace(day=1)
    people = [
        {
            "email": e,
            "name": n,
            "role": r,
            **({"manager": "ana@acme.test"} if r == "member" else {}),
        }
        for e, n, r in USERS.values()
    ]
    extra = [
        {
            "id": f"extra-{n}",
            "title": f"Extra check {n}",
            "schedule": "quarterly",
            "due": "100d",
            "evidence": "attestation",
        }
        for n in range(extra_tasks)
    ]
    return {
        "program": {
            "name": "Acme SOC 2",
            "timezone": "UTC",
            "window": {
                "start": start.isoformat(),
                "end": (start + dt.timedelta(days=364)).isoformat(),
            },
        },
        "people": people,
        "controls": [
            {
                "id": "CC6.1-AR",
                "title": "Production access review",
                "criteria": ["CC6.1", "CC6.2"],
                "owner": "raj@acme.test",
                "tasks": [
                    {
                        "id": "prod-access-review",
                        "title": "Review production access",
                        "kind": "access_review",
                        "schedule": "monthly",
                        "due": "20d",
                        "evidence": "any",
                    },
                    *extra,
                ],
            },
            {
                "id": "CC7.1-VULN",
                "title": "Vulnerability scanning",
                "criteria": ["CC7.1"],
                "owner": "ana@acme.test",
                "tasks": [
                    {
                        "id": "vuln-scan",
                        "title": "Run the vulnerability scan",
                        "kind": "vulnerability_scan",
                        "schedule": "monthly",
                        "due": "7d",
                        "evidence": "file",
                    }
                ],
            },
        ],
    }


class SlackScenario:
    """One running app plus its fake Slack: send signed requests, read what Slack was told."""

    def __init__(self, client: TestClient, fake: FakeSlack) -> None:
        self.client = client
        self.fake = fake
        # response_url posts land on the fake as a pseudo-method, so they are recorded too.
        self.response_url = fake.base_url + "response_url"

    def post(self, body: str, content_type: str, **headers: str) -> Any:
        """Send a signed request; return once the Slack calls that follow its answer are done."""
        response = self.post_now(body, content_type, **headers)
        wait_for_follow_ups(self.client)
        return response

    def post_now(self, body: str, content_type: str, **headers: str) -> Any:
        """Send a signed request; return with its answer (follow-ups may still be running)."""
        signed = signed_headers(body, SECRET, content_type=content_type)
        return self.client.post("/slack/events", content=body, headers={**signed, **headers})

    def command(self, text: str, *, user: str = "URAJ", channel: str = "C1", **team: Any) -> Any:
        """`/soc2 text` as `user`; `team_id=`/`enterprise_id=` send it from another team."""
        body = slash_command_body(
            text, user_id=user, channel_id=channel, response_url=self.response_url, **team
        )
        return self.post(body, "application/x-www-form-urlencoded")

    def interact(self, payload: dict[str, Any]) -> Any:
        payload.setdefault("response_url", self.response_url)
        return self.post(interaction_body(payload), "application/x-www-form-urlencoded")

    def event(
        self,
        event: dict[str, Any],
        *,
        event_id: str = "Ev1",
        team: dict[str, str] | None = None,
        **headers: str,
    ) -> Any:
        """An Events API delivery; `team` holds event_body's team_id/enterprise_id/user_team."""
        body = event_body(event, event_id=event_id, **(team or {}))
        return self.post(body, "application/json", **headers)

    def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        """Lazy work runs after the HTTP answer; wait until Slack has been called."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            calls = self.fake.calls_to(method)
            if len(calls) >= count:
                return calls
            time.sleep(0.02)
        raise AssertionError(f"{method} was called {len(self.fake.calls_to(method))} times")


def wait_for_follow_ups(client: TestClient, timeout: float = 10.0) -> None:
    """Slack calls that follow an answer (redraws, confirmations) run after it: wait for them."""
    handler = getattr(client.app.state, "slack", None)  # type: ignore[attr-defined]
    follow_ups = getattr(getattr(handler, "app", None), "follow_ups", None)
    deadline = time.monotonic() + timeout
    while follow_ups is not None and follow_ups.pending and time.monotonic() < deadline:
        time.sleep(0.01)


def wait_for_owner_linking(client: TestClient) -> None:
    """Start-up links owners in the background; scenarios begin once it has finished."""
    task = getattr(client.app.state, "slack_owner_linking", None)  # type: ignore[attr-defined]
    deadline = time.monotonic() + 5
    while task is not None and not task.done() and time.monotonic() < deadline:
        time.sleep(0.02)


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    with FakeSlack(token=TOKEN) as fake:
        for user_id, (email, name, _) in USERS.items():
            fake.add_user(user_id, email, name=name, tz="Europe/Berlin")
        yield fake


@pytest.fixture
def make_scenario(tmp_path: Path, fake_slack: FakeSlack) -> Iterator[Callable[..., SlackScenario]]:
    clients: list[TestClient] = []

    def make(*, extra_tasks: int = 0, **overrides: Any) -> SlackScenario:
        catalog = tmp_path / "catalog.yaml"
        data = scenario_catalog(dt.date.today(), extra_tasks=extra_tasks)
        catalog.write_text(yaml.safe_dump(data))
        settings = load_settings(
            database_url=f"sqlite:///{tmp_path}/slack.db",
            evidence_url=f"file://{tmp_path}/evidence",
            catalog=catalog,
            slack_bot_token=TOKEN,
            slack_signing_secret=SECRET,
            slack_api_url=fake_slack.base_url,
            evidence_max_bytes=1024 * 1024,
            **overrides,
        )
        client = TestClient(create_app(settings))
        client.__enter__()
        clients.append(client)
        wait_for_owner_linking(client)
        return SlackScenario(client, fake_slack)

    yield make
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def slack(make_scenario: Callable[..., SlackScenario]) -> SlackScenario:
    return make_scenario()
