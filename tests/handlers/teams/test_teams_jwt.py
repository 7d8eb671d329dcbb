"""With credentials set, only activities carrying a valid Bot Framework token get through."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlmodel import select

from models import ConversationRef, InboundEvent
from tests.handlers.teams.activities import conversation_update_activity
from tests.handlers.teams.conftest import TeamsScenario
from tests.handlers.teams.fake_openid import FakeOpenId

APP_ID = "11111111-2222-3333-4444-555555555555"


@pytest.fixture
def openid() -> Iterator[FakeOpenId]:
    with FakeOpenId() as fake:
        yield fake


@pytest.fixture
def secured(make_teams: Callable[..., TeamsScenario], openid: FakeOpenId) -> TeamsScenario:
    return make_teams(
        microsoft_app_id=APP_ID,
        microsoft_app_password="app-secret",
        teams_allow_unauthenticated=False,
        teams_openid_metadata_url=openid.metadata_url,
    )


def installed(teams: TeamsScenario, activity_id: str) -> dict[str, Any]:
    """The bot was added to a personal chat: an activity the bot takes in without replying."""
    return conversation_update_activity(
        service_url=teams.connector.service_url,
        conversation_id="a:personal-raj",
        activity_id=activity_id,
    )


def arrived(teams: TeamsScenario, activity_id: str) -> bool:
    with teams.db.session() as session:
        seen = session.exec(select(InboundEvent).where(InboundEvent.event_id == activity_id))
        return seen.first() is not None


def test_a_validly_signed_token_is_accepted(secured: TeamsScenario, openid: FakeOpenId) -> None:
    token = openid.token(app_id=APP_ID, service_url=secured.connector.service_url)
    response = secured.post(installed(secured, "signed-1"), Authorization=f"Bearer {token}")
    assert response.status_code in (200, 201), response.text
    assert arrived(secured, "signed-1")
    with secured.db.session() as session:
        assert session.exec(select(ConversationRef)).first() is not None


def _wrong_audience(openid: FakeOpenId, url: str) -> str:
    return openid.token(app_id="someone-elses-bot", service_url=url)


def _wrong_service_url(openid: FakeOpenId, url: str) -> str:
    return openid.token(app_id=APP_ID, service_url="https://attacker.example/")


def _wrong_issuer(openid: FakeOpenId, url: str) -> str:
    return openid.token(app_id=APP_ID, service_url=url, issuer="https://evil.example")


def _expired(openid: FakeOpenId, url: str) -> str:
    return openid.token(app_id=APP_ID, service_url=url, expires_in=-dt.timedelta(hours=1))


def _foreign_key(openid: FakeOpenId, url: str) -> str:
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return openid.token(app_id=APP_ID, service_url=url, key=other)


@pytest.mark.parametrize(
    "forge", [_wrong_audience, _wrong_service_url, _wrong_issuer, _expired, _foreign_key]
)
def test_a_token_that_is_not_for_this_bot_gets_401_and_nothing_is_recorded(
    secured: TeamsScenario, openid: FakeOpenId, forge: Callable[[FakeOpenId, str], str]
) -> None:
    token = forge(openid, secured.connector.service_url)
    response = secured.post(installed(secured, "forged-1"), Authorization=f"Bearer {token}")
    assert response.status_code == 401
    assert not arrived(secured, "forged-1")
    assert secured.connector.calls == []  # not even a reply saying no


def test_a_message_without_a_token_gets_401_and_nothing_is_recorded(
    secured: TeamsScenario,
) -> None:
    assert secured.say("status", activity_id="no-token").status_code == 401
    assert not arrived(secured, "no-token")


BODIES = {
    "not JSON": (b"garbage{", "application/json"),
    "binary": (bytes(range(256)) * 8, "application/octet-stream"),
    "JSON as text": (b'{"type": "message"}', "text/plain"),
    "empty": (b"", "application/json"),
    "a list": (b"[1, 2, 3]", "application/json"),
    "large": (b'{"text": "' + b"x" * 900_000 + b'"}', "application/json"),
    "nested 100,000 deep": (b"[" * 100_000, "application/json"),
}


def test_the_token_is_checked_before_the_body_so_any_body_without_one_gets_401(
    secured: TeamsScenario, openid: FakeOpenId
) -> None:
    url, problems = secured.connector.service_url, []
    for body, (data, content_type) in BODIES.items():
        for header in (None, "Bearer", "Bearer not-a-jwt", f"Bearer {_foreign_key(openid, url)}"):
            headers = {"Content-Type": content_type}
            if header is not None:
                headers["Authorization"] = header
            response = secured.client.post("/api/messages", content=data, headers=headers)
            if response.status_code != 401:
                problems.append(f"{body}, {(header or '')[:20]}: HTTP {response.status_code}")
    assert problems == []
    assert secured.connector.calls == []


def test_with_a_valid_token_a_body_that_is_no_activity_gets_400(
    secured: TeamsScenario, openid: FakeOpenId
) -> None:
    token = openid.token(app_id=APP_ID, service_url=secured.connector.service_url)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    assert secured.client.post("/api/messages", content=b"[1]", headers=headers).status_code == 400
    deep = secured.client.post("/api/messages", content=b"[" * 100_000, headers=headers)
    assert deep.status_code == 400 and "nested" in deep.json()["error"]
