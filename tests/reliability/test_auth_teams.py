"""Bot Framework tokens: forged, expired, misdirected and missing ones record nothing.

Extends tests/handlers/teams/test_teams_jwt.py: every refused activity is one that *would*
change state if it got through, and the check is the whole state fingerprint, not one table.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlmodel import select

from models import ConversationRef, InboundEvent
from tests.handlers.teams.activities import card_submit_activity, message_activity
from tests.handlers.teams.fake_openid import FakeOpenId
from tests.reliability.world import PEOPLE, World, changed

APP_ID = "11111111-2222-3333-4444-555555555555"


@pytest.fixture
def openid() -> Iterator[FakeOpenId]:
    with FakeOpenId() as fake:
        yield fake


@pytest.fixture
def secured(make_world: Callable[..., World], openid: FakeOpenId) -> World:
    return make_world(
        link=False,
        microsoft_app_id=APP_ID,
        microsoft_app_password="app-secret",
        teams_allow_unauthenticated=False,
        teams_openid_metadata_url=openid.metadata_url,
    )


def _token(kind: str, openid: FakeOpenId, url: str) -> str | None:
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    tokens: dict[str, Callable[[], str | None]] = {
        "no header": lambda: None,
        "empty bearer": lambda: "Bearer ",
        "garbage bearer": lambda: "Bearer not.a.jwt",
        "basic auth": lambda: "Basic cmFqOnBhc3N3b3Jk",
        "unsigned (alg none)": lambda: (
            "Bearer eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0."
            + "eyJhdWQiOiIxMTExMTExMS0yMjIyLTMzMzMtNDQ0NC01NTU1NTU1NTU1NTUifQ."
        ),
        "another bot's audience": lambda: (
            "Bearer " + openid.token(app_id="someone-elses-bot", service_url=url)
        ),
        "another service url": lambda: (
            "Bearer " + openid.token(app_id=APP_ID, service_url="https://attacker.example/")
        ),
        "wrong issuer": lambda: (
            "Bearer " + openid.token(app_id=APP_ID, service_url=url, issuer="https://evil.example")
        ),
        "expired": lambda: (
            "Bearer "
            + openid.token(app_id=APP_ID, service_url=url, expires_in=-dt.timedelta(hours=1))
        ),
        "signed with a foreign key": lambda: (
            "Bearer " + openid.token(app_id=APP_ID, service_url=url, key=other)
        ),
    }
    return tokens[kind]()


TOKENS = ["no header", "empty bearer", "garbage bearer", "basic auth", "unsigned (alg none)",
          "another bot's audience", "another service url", "wrong issuer", "expired",
          "signed with a foreign key"]  # fmt: skip


def _teams_done(world: World) -> dict[str, Any]:
    occurrence = world.open_occurrences("owner")[0]
    who = PEOPLE["owner"]
    return card_submit_activity(
        {"action_id": f"occ_done:{occurrence}"}, service_url=world.connector.service_url,
        user_id=who.teams_id, aad_object_id=who.aad, name=who.name,
        conversation_id="a:personal-raj", activity_id=f"auth-{time.monotonic_ns()}",
    )  # fmt: skip


def _teams_text(world: World) -> dict[str, Any]:
    who = PEOPLE["admin"]
    occurrence = world.open_occurrences("owner")[0]
    return message_activity(
        f"skip #{occurrence} not needed", service_url=world.connector.service_url,
        user_id=who.teams_id, aad_object_id=who.aad, name=who.name,
        conversation_id="a:personal-ana", activity_id=f"auth-{time.monotonic_ns()}",
    )  # fmt: skip


def test_teams_activities_without_a_valid_token_get_401_and_record_nothing(
    secured: World, openid: FakeOpenId
) -> None:
    before, problems = secured.fingerprint(), []
    for build in (_teams_done, _teams_text):
        for token in TOKENS:
            activity = build(secured)
            header = _token(token, openid, secured.connector.service_url)
            headers = {"Authorization": header} if header is not None else {}
            response = secured.teams_post(activity, **headers)
            if response.status_code != 401:
                problems.append(f"{build.__name__}, {token}: HTTP {response.status_code}")
    assert not problems, "\n".join(problems)
    assert changed(before, secured.fingerprint()) == []
    with secured.db.session() as session:  # not even the delivery or the conversation is kept
        assert session.exec(select(InboundEvent)).first() is None
        assert session.exec(select(ConversationRef)).first() is None
    assert secured.connector.calls == []


def test_teams_refuses_a_token_for_another_activity_service_url(
    secured: World, openid: FakeOpenId
) -> None:
    """A valid token taken from one activity and put on one aimed at another connector."""
    activity = _teams_done(secured)
    token = openid.token(app_id=APP_ID, service_url=secured.connector.service_url)
    activity["serviceUrl"] = "http://127.0.0.1:9/"
    before = secured.fingerprint()
    assert secured.teams_post(activity, Authorization=f"Bearer {token}").status_code == 401
    assert changed(before, secured.fingerprint()) == []
