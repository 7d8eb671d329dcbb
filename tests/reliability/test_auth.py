"""Signatures and tokens: forged, stale, replayed and missing credentials record nothing.

Extends tests/handlers/slack/test_security.py and tests/handlers/teams/test_teams_jwt.py:
here every refused request is one that *would* change state if it got through (marking work
done, deciding, snoozing), and the check is the whole state fingerprint, not one table.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlmodel import select

from models import ConversationRef, InboundEvent
from tests.handlers.slack.conftest import wait_for_follow_ups
from tests.handlers.slack.signing import (
    block_action_payload,
    event_body,
    interaction_body,
    signed_headers,
    slash_command_body,
)
from tests.handlers.teams.activities import card_submit_activity, message_activity
from tests.handlers.teams.fake_openid import FakeOpenId
from tests.reliability.world import PEOPLE, SECRET, World, changed

FORM = "application/x-www-form-urlencoded"
JSON_TYPE = "application/json"
APP_ID = "11111111-2222-3333-4444-555555555555"


def _done_command(world: World) -> tuple[str, str]:
    occurrence = world.open_occurrences("owner")[0]
    body = slash_command_body(
        f"done #{occurrence} checked", user_id="URAJ", response_url=world.slack.response_url
    )
    return body, FORM


def _done_click(world: World) -> tuple[str, str]:
    occurrence = world.open_occurrences("owner")[0]
    payload = block_action_payload(
        action_id=f"occ_done:{occurrence}", value=str(occurrence), user_id="URAJ",
        response_url=world.slack.response_url,
    )  # fmt: skip
    return interaction_body(payload), FORM


def _file_event(world: World) -> tuple[str, str]:
    occurrence = world.open_occurrences("owner")[0]
    file = world.fake.add_file(b"%PDF-1.7\nforged", name="forged.pdf", user="URAJ")
    event = {"type": "message", "subtype": "file_share", "user": "URAJ", "channel": "DURAJ",
             "channel_type": "im", "text": f"#{occurrence}", "ts": "1700000009.000100",
             "files": [file]}  # fmt: skip
    return event_body(event, event_id=f"EvAuth{time.monotonic_ns()}"), JSON_TYPE


REQUESTS: dict[str, Callable[[World], tuple[str, str]]] = {
    "slash command `done`": _done_command,
    "Done button": _done_click,
    "file shared as evidence": _file_event,
}


def _post(world: World, body: str, headers: dict[str, str]) -> Any:
    response = world.client.post("/slack/events", content=body, headers=headers)
    wait_for_follow_ups(world.client)  # what a click sends after its answer is sent by now
    return response


def _nothing_happened(world: World, before: dict[str, str]) -> None:
    time.sleep(0.2)  # a lazy listener would have started by now
    assert changed(before, world.fingerprint()) == []
    assert world.fake.calls == [] and world.fake.downloads == []  # Slack was not even asked


def _forged(body: str, kind: str) -> dict[str, str]:
    return signed_headers(body, "not-the-signing-secret", content_type=kind)


def _stale(body: str, kind: str) -> dict[str, str]:
    return signed_headers(body, SECRET, timestamp=int(time.time()) - 5 * 60 - 30, content_type=kind)


def _future(body: str, kind: str) -> dict[str, str]:
    return signed_headers(body, SECRET, timestamp=int(time.time()) + 5 * 60 + 30, content_type=kind)


def _no_signature(body: str, kind: str) -> dict[str, str]:
    headers = signed_headers(body, SECRET, content_type=kind)
    del headers["X-Slack-Signature"]
    return headers


def _no_timestamp(body: str, kind: str) -> dict[str, str]:
    headers = signed_headers(body, SECRET, content_type=kind)
    del headers["X-Slack-Request-Timestamp"]
    return headers


def _no_headers(body: str, kind: str) -> dict[str, str]:
    return {"Content-Type": kind}


def _not_a_number(body: str, kind: str) -> dict[str, str]:
    return {**signed_headers(body, SECRET, content_type=kind), "X-Slack-Request-Timestamp": "soon"}


def _v1_scheme(body: str, kind: str) -> dict[str, str]:
    headers = signed_headers(body, SECRET, content_type=kind)
    headers["X-Slack-Signature"] = headers["X-Slack-Signature"].replace("v0=", "v1=")
    return headers


def _truncated(body: str, kind: str) -> dict[str, str]:
    headers = signed_headers(body, SECRET, content_type=kind)
    headers["X-Slack-Signature"] = headers["X-Slack-Signature"][:-2]
    return headers


def _uppercase(body: str, kind: str) -> dict[str, str]:
    headers = signed_headers(body, SECRET, content_type=kind)
    headers["X-Slack-Signature"] = headers["X-Slack-Signature"].upper()
    return headers


def _empty_secret(body: str, kind: str) -> dict[str, str]:
    ts = str(int(time.time()))
    digest = hmac.new(b"", f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {
        "Content-Type": kind,
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": f"v0={digest}",
    }


BAD_HEADERS: dict[str, Callable[[str, str], dict[str, str]]] = {
    "forged with another secret": _forged,
    "signed with an empty secret": _empty_secret,
    "stale (5.5 min old)": _stale,
    "from the future (5.5 min ahead)": _future,
    "signature missing": _no_signature,
    "timestamp missing": _no_timestamp,
    "both headers missing": _no_headers,
    "timestamp not a number": _not_a_number,
    "other signature scheme": _v1_scheme,
    "signature cut short": _truncated,
    "signature upper-cased": _uppercase,
}


def test_badly_signed_slack_requests_get_401_and_record_nothing(world: World) -> None:
    """Every bad header variant on every kind of request that would change something."""
    before, problems = world.fingerprint(), []
    for request_kind, build in REQUESTS.items():
        for bad, sign in BAD_HEADERS.items():
            body, kind = build(world)
            response = _post(world, body, sign(body, kind))
            if response.status_code != 401:
                problems.append(f"{request_kind}, {bad}: HTTP {response.status_code}")
            if changed(before, world.fingerprint()):
                problems.append(f"{request_kind}, {bad}: state changed")
    assert not problems, "\n".join(problems)
    _nothing_happened(world, before)


@pytest.mark.parametrize("request_kind", ["slash command `done`", "Done button"])
def test_another_body_under_a_used_signature_is_refused(world: World, request_kind: str) -> None:
    body, kind = REQUESTS[request_kind](world)
    headers = signed_headers(body, SECRET, content_type=kind)
    assert _post(world, body, headers).status_code == 200
    other = world.open_occurrences("owner")[0]  # the next open one: the first is done now
    forged = (
        slash_command_body(f"done #{other} checked", user_id="URAJ")
        if request_kind.startswith("slash")
        else interaction_body(block_action_payload(action_id=f"occ_done:{other}", value=str(other),
                                                   user_id="URAJ"))
    )  # fmt: skip
    world.fake.clear()
    before = world.fingerprint()
    assert _post(world, forged, headers).status_code == 401
    _nothing_happened(world, before)


def test_replaying_a_signed_done_within_the_window_changes_nothing_twice(world: World) -> None:
    body, kind = _done_command(world)
    headers = signed_headers(body, SECRET, content_type=kind)
    first = _post(world, body, headers)
    assert first.status_code == 200 and "Sorry" not in first.text
    before = world.fingerprint()
    replay = _post(world, body, headers)
    assert replay.status_code == 200 and "already done" in replay.json()["text"]
    assert changed(before, world.fingerprint()) == []


def test_a_replayed_file_event_is_stored_once(world: World) -> None:
    body, kind = _file_event(world)
    headers = signed_headers(body, SECRET, content_type=kind)
    assert _post(world, body, headers).status_code == 200
    world.slack.wait_for("chat.postMessage")
    before = world.fingerprint()
    assert _post(world, body, {**headers, "X-Slack-Retry-Num": "1"}).status_code == 200
    assert _post(world, body, headers).status_code == 200  # a replay without retry headers too
    time.sleep(0.3)
    assert changed(before, world.fingerprint()) == []


# --- Teams with credentials ------------------------------------------------------------------


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
