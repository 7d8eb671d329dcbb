"""Slack signatures: forged, stale, replayed and missing ones record nothing.

Extends tests/handlers/slack/test_security.py: here every refused request is one that *would*
change state if it got through (marking work done, deciding, snoozing), and the check is the
whole state fingerprint, not one table. Teams tokens: test_auth_teams.py.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable
from typing import Any

import pytest

from tests.handlers.slack.conftest import wait_for_follow_ups
from tests.handlers.slack.signing import (
    block_action_payload,
    event_body,
    interaction_body,
    signed_headers,
    slash_command_body,
)
from tests.reliability.world import SECRET, World, changed

FORM = "application/x-www-form-urlencoded"
JSON_TYPE = "application/json"


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
