"""Fuzzing the Slack front end through the real app: signed slash commands, interactions and
events with random text, random ids and broken structure.

Properties, for every example: never an HTTP 5xx; never a change to the program's state (the
`world` fingerprint of every state table); and, for requests Slack could really send, an
answer the person can read that is not the "something went wrong" of an unexpected error.
"""

from __future__ import annotations

import itertools
import json
import time
from typing import Any
from urllib.parse import parse_qsl, urlencode

import pytest
from hypothesis import assume
from hypothesis import strategies as st

from bot.chat import commands as c
from bot.chat.refs import UsageError
from tests.handlers.slack.signing import block_action_payload, slash_command_body
from tests.reliability.fuzzing import COMMAND_TEXT, EXAMPLES, JSON, fuzz
from tests.reliability.world import PEOPLE, World, changed

WENT_WRONG = "something went wrong"
FORM = "application/x-www-form-urlencoded"
_ids = itertools.count(1)
# Intents that change state when an allowed person sends them with real ids.
WRITES = (c.MarkDone, c.Skip, c.Assign, c.Export)


def writes(text: str) -> bool:
    try:
        return isinstance(c.parse_command(text), WRITES)
    except UsageError:
        return False


def said(world: World) -> str:
    return world.slack_texts()


def wait_for_reply(world: World, *methods: str, timeout: float = 3.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(world.fake.calls_to(m) for m in methods):
            return
        time.sleep(0.01)


@pytest.mark.parametrize("examples", EXAMPLES)
def test_random_slash_command_text_gets_a_friendly_answer_and_changes_nothing(
    world: World, examples: int
) -> None:
    before = world.fingerprint()

    def check(case: tuple[str, str]) -> None:
        text, role = case
        assume(not writes(text))
        response = world.slack.command(text, user=PEOPLE[role].slack_id)
        assert response.status_code == 200, response.text
        answer = response.json() if response.content else {}
        views = world.fake.calls_to("views.open")
        assert answer.get("text") or views, f"no answer to {text!r}"
        assert WENT_WRONG not in response.text, (text, response.text)
        world.fake.clear()

    fuzz(examples, st.tuples(COMMAND_TEXT, st.sampled_from(list(PEOPLE))), check)
    assert changed(before, world.fingerprint()) == []


FIELDS = ["token", "team_id", "team_domain", "channel_id", "channel_name", "user_id",
          "user_name", "command", "text", "api_app_id", "is_enterprise_install",
          "response_url", "trigger_id"]  # fmt: skip
MUTATION = st.one_of(
    st.just(None),  # the field is left out
    st.text(max_size=50),
    st.sampled_from(["", "0", "-1", "null", "[]", "{}", "UNOBODY", "U" * 300, "\x00", "/soc2"]),
)


@pytest.mark.parametrize("examples", EXAMPLES)
def test_broken_slash_command_forms_never_fail_the_server_or_change_anything(
    world: World, examples: int
) -> None:
    before = world.fingerprint()
    base = dict(parse_qsl(slash_command_body("status", user_id="UEVE"), keep_blank_values=True))
    base["response_url"] = world.slack.response_url

    def check(mutations: dict[str, Any]) -> None:
        fields = {**base}
        for name, value in mutations.items():
            if value is None:
                fields.pop(name, None)
            else:
                fields[name] = value
        assume(not writes(fields.get("text", "")))
        response = world.slack.post(urlencode(fields), FORM)
        assert response.status_code < 500, (fields, response.status_code, response.text)
        assert "Traceback" not in response.text
        world.fake.clear()

    fuzz(examples, st.dictionaries(st.sampled_from(FIELDS), MUTATION, max_size=5), check)
    assert changed(before, world.fingerprint()) == []


KINDS = ["occ_done", "occ_attach", "occ_snooze", "review_keep", "review_revoke", "review_page",
         "page_more", "fu_done", "camp_ack", "camp_done", "camp_cert", "nonsense"]  # fmt: skip
REF = st.one_of(
    st.integers(-5, 60).map(str),
    st.integers(2**31, 10**40).map(str),  # past every integer column
    st.builds(lambda a, b: f"{a}:{b}", st.integers(0, 10**20), st.integers(0, 10**20)),
    st.text(max_size=20),
)
SUFFIX = st.sampled_from(["", "#1", "#999999999999999999999"])
# Clickers who may change nothing here: the world has no review assigned to anyone.
BYSTANDERS = ["member", "leadership", "auditor"]


@pytest.mark.parametrize("examples", EXAMPLES)
def test_random_button_ids_and_values_are_refused_friendly_and_change_nothing(
    world: World, examples: int
) -> None:
    before = world.fingerprint()

    def check(case: tuple[str, str, str, str, str]) -> None:
        kind, ref, suffix, value, role = case
        action_id = f"{kind}:{ref}{suffix}" if ref else f"{kind}{suffix}"
        payload = block_action_payload(
            action_id=action_id, value=value, user_id=PEOPLE[role].slack_id
        )
        response = world.slack.interact(payload)
        assert response.status_code == 200, (action_id, response.status_code, response.text)
        text = said(world)
        assert WENT_WRONG not in text, (action_id, value, text)
        assert world.fake.calls, f"{action_id}: the person was told nothing"
        world.fake.clear()

    value = st.one_of(st.text(max_size=40), JSON.map(json.dumps))
    strategy = st.tuples(st.sampled_from(KINDS), REF, SUFFIX, value, st.sampled_from(BYSTANDERS))
    fuzz(examples, strategy, check)
    assert changed(before, world.fingerprint()) == []


def _mutate(payload: dict[str, Any], path: list[str], value: Any) -> dict[str, Any]:
    node: Any = payload
    for key in path[:-1]:
        if not isinstance(node, dict) or key not in node:
            return payload
        node = node[key]
    if isinstance(node, dict):
        if value == "<drop>":
            node.pop(path[-1], None)
        else:
            node[path[-1]] = value
    return payload


PATHS = [["user"], ["user", "id"], ["actions"], ["container"], ["container", "channel_id"],
         ["trigger_id"], ["type"], ["team"], ["response_url"], ["message"],
         ["channel"], ["view"], ["state"], ["api_app_id"]]  # fmt: skip


@pytest.mark.parametrize("examples", EXAMPLES)
def test_interaction_payloads_with_missing_fields_or_wrong_types_never_fail_the_server(
    world: World, examples: int
) -> None:
    before = world.fingerprint()
    occurrence = world.open_occurrences("owner")[0]

    def check(mutations: list[tuple[list[str], Any]]) -> None:
        payload = block_action_payload(
            action_id=f"occ_done:{occurrence}", value=str(occurrence), user_id="UAUD"
        )
        payload["response_url"] = world.slack.response_url
        for path, value in mutations:
            payload = _mutate(payload, path, value)
        response = world.slack.post(urlencode({"payload": json.dumps(payload)}), FORM)
        assert response.status_code < 500, (mutations, response.status_code, response.text)
        world.fake.clear()

    mutation = st.tuples(st.sampled_from(PATHS), st.one_of(st.just("<drop>"), JSON))
    fuzz(examples, st.lists(mutation, min_size=1, max_size=4), check)
    assert changed(before, world.fingerprint()) == []


@pytest.mark.parametrize("examples", EXAMPLES)
def test_random_mentions_and_direct_messages_get_a_friendly_reply_and_change_nothing(
    world: World, examples: int
) -> None:
    before = world.fingerprint()

    def check(case: tuple[str, str, bool]) -> None:
        text, role, mention = case
        assume(not writes(text))
        user = PEOPLE[role].slack_id
        if mention:
            event = {"type": "app_mention", "user": user, "channel": "C1",
                     "text": f"<@UBOT> {text}", "ts": "1700000001.000100"}  # fmt: skip
        else:
            event = {"type": "message", "channel_type": "im", "user": user,
                     "channel": f"D{user}", "text": text, "ts": "1700000002.000100"}  # fmt: skip
        response = world.slack.event(event, event_id=f"EvFuzz{next(_ids)}")
        assert response.status_code == 200, response.text
        wait_for_reply(world, "chat.postEphemeral", "chat.postMessage")
        text_said = said(world)
        assert world.fake.calls_to("chat.postEphemeral") or world.fake.calls_to(
            "chat.postMessage"
        ), f"no reply to {text!r}"
        assert WENT_WRONG not in text_said, (text, text_said)
        world.fake.clear()

    strategy = st.tuples(COMMAND_TEXT, st.sampled_from(list(PEOPLE)), st.booleans())
    fuzz(examples, strategy, check)
    assert changed(before, world.fingerprint()) == []


EVENT_PATHS = [["event"], ["event", "type"], ["event", "user"], ["event", "channel"],
               ["event", "text"], ["event", "ts"], ["event", "files"], ["event", "subtype"],
               ["event", "thread_ts"], ["event_id"], ["type"], ["team_id"],
               ["authorizations"]]  # fmt: skip


@pytest.mark.parametrize("examples", EXAMPLES)
def test_event_payloads_with_missing_fields_or_wrong_types_never_fail_the_server(
    world: World, examples: int
) -> None:
    before = world.fingerprint()
    file = world.fake.add_file(b"%PDF-1.7\nfuzz", name="fuzz.pdf")

    def check(case: tuple[str, list[tuple[list[str], Any]]]) -> None:
        kind, mutations = case
        event: dict[str, Any] = {
            "type": "message",
            "user": "UAUD",
            "channel": "DUAUD",
            "channel_type": "im",
            "text": "status",
            "ts": "1700000003.1",
        }
        if kind == "file_share":
            event.update(subtype="file_share", files=[file], text="#1")
        elif kind == "app_mention":
            event.update(type="app_mention", channel="C1", text="<@UBOT> status")
        envelope = json.loads(world.slack_event_body(event, f"EvBad{next(_ids)}"))
        for path, value in mutations:
            envelope = _mutate(envelope, path, value)
        response = world.slack.post(json.dumps(envelope), "application/json")
        assert response.status_code < 500, (mutations, response.status_code, response.text)
        time.sleep(0.02)
        world.fake.clear()

    mutation = st.tuples(st.sampled_from(EVENT_PATHS), st.one_of(st.just("<drop>"), JSON))
    kinds = st.sampled_from(["message", "file_share", "app_mention"])
    fuzz(examples, st.tuples(kinds, st.lists(mutation, min_size=1, max_size=3)), check)
    time.sleep(0.3)  # lazy listeners of the last examples
    assert changed(before, world.fingerprint()) == []
