"""Before authentication: oversized bodies, deep JSON, malformed Slack timestamps, /metrics.

Every request here is refused at the HTTP edge, and refusals record nothing (fingerprint).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from slack_sdk.signature import SignatureVerifier

from bot.core.messages import Button, Confirm, ListItem, Message
from bot.web.limits import MAX_BODY_BYTES, MAX_JSON_DEPTH, json_depth
from handlers.slack.blocks import render_blocks
from handlers.teams.cards import render_card
from tests.handlers.slack.signing import (
    block_action_payload,
    event_body,
    signed_headers,
    slash_command_body,
    view_submission_payload,
)
from tests.handlers.teams.activities import card_submit_activity, message_activity
from tests.reliability.streamed import Streamed
from tests.reliability.world import PEOPLE, SECRET, World, changed

FORM = "application/x-www-form-urlencoded"
JSON_TYPE = "application/json"
CHUNK = 64 * 1024


def _slack_command(world: World, padding: int) -> tuple[str, bytes, dict[str, str]]:
    """A signed `/soc2 done` whose text is padded to make the body `padding` bytes longer."""
    occurrence = world.open_occurrences("owner")[0]
    text = f"done #{occurrence} checked " + "x" * padding
    body = slash_command_body(text, user_id="URAJ", response_url=world.slack.response_url)
    return "/slack/events", body.encode(), signed_headers(body, SECRET, content_type=FORM)


def _teams_message(world: World, padding: int) -> tuple[str, bytes, dict[str, str]]:
    who = PEOPLE["admin"]
    occurrence = world.open_occurrences("owner")[0]
    activity = message_activity(
        f"skip #{occurrence} not needed", service_url=world.connector.service_url,
        user_id=who.teams_id, aad_object_id=who.aad, name=who.name,
        conversation_id="a:personal-admin", activity_id=f"edge-{time.monotonic_ns()}",
    )  # fmt: skip
    activity["channelData"] = {**activity.get("channelData", {}), "padding": "x" * padding}
    return "/api/messages", json.dumps(activity).encode(), {"Content-Type": JSON_TYPE}


def _other_route(world: World, padding: int) -> tuple[str, bytes, dict[str, str]]:
    return "/readyz", b"x" * (padding + 1), {"Content-Type": "text/plain"}


ROUTES: dict[str, Callable[[World, int], tuple[str, bytes, dict[str, str]]]] = {
    "Slack": _slack_command,
    "Teams": _teams_message,
    "any other route": _other_route,
}


def _refused(world: World, response: Any, before: dict[str, str], status: int) -> None:
    assert response.status_code == status, response.text
    assert "error" in response.json()
    time.sleep(0.2)  # a lazy listener would have started by now
    assert changed(before, world.fingerprint()) == []
    assert world.fake.calls == [] and world.connector.calls == []


@pytest.mark.parametrize("route", list(ROUTES))
def test_a_body_over_1_mb_gets_413_at_once_and_records_nothing(world: World, route: str) -> None:
    path, body, headers = ROUTES[route](world, MAX_BODY_BYTES)
    assert len(body) > MAX_BODY_BYTES
    before = world.fingerprint()
    _refused(world, world.client.post(path, content=body, headers=headers), before, 413)


def _endless(start: bytes) -> Iterator[bytes]:
    yield start
    while True:
        yield b" " * CHUNK


@pytest.mark.parametrize("route", list(ROUTES))
def test_a_chunked_body_is_counted_and_cut_off_just_past_1_mb(world: World, route: str) -> None:
    """No Content-Length: the body streams in 64 KB chunks, without end; reading stops."""
    path, start, headers = ROUTES[route](world, 0)
    before = world.fingerprint()
    sent = Streamed(world, path, headers).post(_endless(start))
    assert sent.status == 413 and b"larger than 1 MB" in sent.body
    assert sent.pulled <= MAX_BODY_BYTES // CHUNK + 2  # no more than the limit was read
    assert changed(before, world.fingerprint()) == []


def test_a_declared_length_over_1_mb_is_refused_before_reading_the_body(world: World) -> None:
    path, start, headers = _teams_message(world, 0)
    headers["Content-Length"] = str(MAX_BODY_BYTES + 1)
    before = world.fingerprint()
    sent = Streamed(world, path, headers).post(_endless(start))
    assert sent.status == 413 and sent.pulled == 0
    assert changed(before, world.fingerprint()) == []


@pytest.mark.parametrize("route", ["Slack", "Teams"])
def test_a_body_just_under_1_mb_is_served(world: World, route: str) -> None:
    path, body, headers = ROUTES[route](world, MAX_BODY_BYTES - 4096)
    assert len(body) <= MAX_BODY_BYTES
    assert world.client.post(path, content=body, headers=headers).status_code in (200, 201)


# --- Deeply nested JSON ----------------------------------------------------------------------


DEEP_MARK = '"deep-here"'


def _deep(levels: int) -> Any:
    """A marker to splice `levels` nested arrays into (json.dumps itself recurses too deep)."""
    return "deep-here" if levels > 900 else json.loads("[" * levels + "1" + "]" * levels)


def _splice(body: str, levels: int) -> str:
    return body.replace(DEEP_MARK, "[" * levels + "1" + "]" * levels)


def _teams_raw_brackets(world: World) -> tuple[str, str, dict[str, str]]:
    return "/api/messages", "[" * 100_000, {"Content-Type": JSON_TYPE}


def _teams_deep_value(world: World) -> tuple[str, str, dict[str, str]]:
    path, body, headers = _teams_message(world, 0)
    activity = json.loads(body)
    activity["value"] = {"action_id": "noop", "nested": _deep(50_000)}
    return path, _splice(json.dumps(activity), 50_000), headers


def _slack_deep_event(world: World) -> tuple[str, str, dict[str, str]]:
    event = {"type": "message", "user": "URAJ", "channel": "DURAJ", "channel_type": "im",
             "text": "mine", "ts": "1700000009.000100", "blocks": _deep(50_000)}  # fmt: skip
    body = _splice(event_body(event, event_id=f"EvDeep{time.monotonic_ns()}"), 50_000)
    return "/slack/events", body, signed_headers(body, SECRET, content_type=JSON_TYPE)


def _slack_deep_payload(world: World) -> tuple[str, str, dict[str, str]]:
    occurrence = world.open_occurrences("owner")[0]
    payload = block_action_payload(
        action_id=f"occ_done:{occurrence}", value=str(occurrence), user_id="URAJ",
        response_url=world.slack.response_url,
    )  # fmt: skip
    payload["state"] = {"values": _deep(50_000)}
    body = urlencode({"payload": _splice(json.dumps(payload), 50_000)})
    return "/slack/events", body, signed_headers(body, SECRET, content_type=FORM)


DEEP: dict[str, Callable[[World], tuple[str, str, dict[str, str]]]] = {
    "Teams: 100,000 `[`": _teams_raw_brackets,
    "Teams: activity value nested 50,000 deep": _teams_deep_value,
    "Slack: signed event nested 50,000 deep": _slack_deep_event,
    "Slack: signed click whose payload= is nested 50,000 deep": _slack_deep_payload,
}


@pytest.mark.parametrize("case", list(DEEP))
def test_deeply_nested_json_gets_400_and_records_nothing(world: World, case: str) -> None:
    path, body, headers = DEEP[case](world)
    before = world.fingerprint()
    response = world.client.post(path, content=body, headers=headers)
    _refused(world, response, before, 400)
    assert "nested" in response.json()["error"]


def test_json_nested_to_the_limit_still_reaches_the_route(world: World) -> None:
    """A card submit nested exactly 64 deep is served; one level more is refused at the edge."""
    who = PEOPLE["member"]
    activity = card_submit_activity(
        {"action_id": "noop", "nested": _deep(1000)}, service_url=world.connector.service_url,
        user_id=who.teams_id, aad_object_id=who.aad, name=who.name,
        conversation_id="a:personal-member", activity_id=f"edge-{time.monotonic_ns()}",
    )  # fmt: skip
    template = json.dumps(activity)
    depth = {json_depth(_splice(template, n).encode()): n for n in range(70)}
    for extra, status in ((depth[MAX_JSON_DEPTH], 201), (depth[MAX_JSON_DEPTH + 1], 400)):
        body = _splice(template, extra)
        response = world.client.post("/api/messages", content=body,
                                     headers={"Content-Type": JSON_TYPE})  # fmt: skip
        assert response.status_code in ((200, 201) if status == 201 else (400,)), extra


# --- Malformed Slack timestamps --------------------------------------------------------------


MALFORMED_TIMESTAMPS: dict[str, bytes] = {
    "superscript digits ²³": "²³".encode("latin-1"),
    "letters": b"abc",
    "empty": b"",
    "exponent": b"1e9",
    "negative": b"-1700000000",
    "5,000 digits (int() refuses them)": b"9" * 5000,
    "fraction": b"1700000000.5",
}


@pytest.mark.parametrize("kind", list(MALFORMED_TIMESTAMPS))
def test_a_slack_request_with_a_malformed_timestamp_gets_401(world: World, kind: str) -> None:
    """Signed with the real secret over the malformed timestamp: only its shape is wrong."""
    raw = MALFORMED_TIMESTAMPS[kind]
    _, body, _ = _slack_command(world, 0)
    signature = SignatureVerifier(SECRET).generate_signature(
        timestamp=raw.decode("latin-1"), body=body.decode()
    )
    headers = [("Content-Type", FORM), ("X-Slack-Request-Timestamp", raw),
               ("X-Slack-Signature", signature or "")]  # fmt: skip
    before = world.fingerprint()
    sent = Streamed(world, "/slack/events", headers).post([body])
    assert sent.status == 401, (kind, sent.status, sent.body[:300])
    time.sleep(0.2)
    assert changed(before, world.fingerprint()) == []
    assert world.fake.calls == []


# --- /metrics --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "authorization",
    [None, "", "Bearer ", "Bearer wrong-token", "Bearer scrape-secretX", "scrape-secret",
     "Basic c2NyYXBlLXNlY3JldA==", "Bearer scrape-secre"],
)  # fmt: skip
def test_metrics_with_a_token_set_refuse_a_missing_or_wrong_token(
    make_world: Callable[..., World], authorization: str | None
) -> None:
    world = make_world(link=False, metrics_token="scrape-secret")
    headers = {} if authorization is None else {"Authorization": authorization}
    before = world.fingerprint()
    response = world.client.get("/metrics", headers=headers)
    assert response.status_code == 401 and "soc2bot_" not in response.text
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert changed(before, world.fingerprint()) == []


def test_metrics_with_the_right_token_are_served(make_world: Callable[..., World]) -> None:
    world = make_world(link=False, metrics_token="scrape-secret")
    assert world.client.get("/metrics").status_code == 401
    response = world.client.get("/metrics", headers={"Authorization": "Bearer scrape-secret"})
    assert response.status_code == 200 and "soc2bot_http_requests_total" in response.text


def test_metrics_name_no_person_after_activity_on_both_platforms(world: World) -> None:
    """Everyone has talked to the bot (the world links them); add work, refusals and 404s."""
    occurrence = world.open_occurrences("owner")[0]
    assert world.slack.command(f"done #{occurrence} checked", user="URAJ").status_code == 200
    world.teams_say("mine", "admin")
    world.teams_say("status", "auditor")
    for who in PEOPLE.values():  # people's ids and emails in paths and methods
        world.client.get(f"/exports/{who.email}?expires=1&sig=x")
        world.client.get(f"/people/{who.slack_id}/{who.aad}")
        world.client.request("PURGE", f"/{who.teams_id}", headers={"X-Request-ID": who.slack_id})
    scrape = world.client.get("/metrics").text
    for who in PEOPLE.values():
        for value in (who.email, who.name, who.slack_id, who.teams_id, who.aad):
            assert value not in scrape, value
    assert 'route="/exports/{name}"' in scrape and 'route="unmatched"' in scrape


def test_real_payload_depths_sit_far_below_the_limit() -> None:
    """The deepest bodies Slack and Teams send us, as the suites build them, stay under half
    the limit (a Teams row's buttons beside its text, one with a confirmation, nest 18 deep)."""
    confirm = Confirm("Sure?", "I confirm.")
    done = Button("Done", "occ_done:1", "1", confirm=confirm)
    message = Message(items=(ListItem("#1", "detail", (done,)),), buttons=(done,))
    blocks = render_blocks(message)
    click = block_action_payload(action_id="occ_done:1", value="1", blocks=blocks)
    files = {"files": [{"id": "F1", "name": "a.csv", "url_private_download": "https://x/y"}]}
    form = view_submission_payload(callback_id="review_start_submit",
                                   values={"review_csv": {"csv": files}})  # fmt: skip
    form["view"]["blocks"] = blocks
    card = {"type": "message", "attachments": [{"content": render_card(message)}]}
    depths = [json_depth(json.dumps(body).encode()) for body in (click, form, card)]
    assert max(depths) < MAX_JSON_DEPTH // 2, depths
