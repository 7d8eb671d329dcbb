"""Fuzzing the Teams front end through the real app: activities with random text, random card
data and missing or wrongly typed fields.

Properties, for every example: never an HTTP 5xx; never a change to the program's state; and
for a well-formed message, a reply the person can read that is not an unexpected error's.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from hypothesis import assume
from hypothesis import strategies as st
from sqlmodel import func, select

from models import AuditEvent
from tests.handlers.teams.activities import message_activity
from tests.reliability.fuzzing import COMMAND_TEXT, EXAMPLES, JSON, fuzz
from tests.reliability.test_fuzz_slack import KINDS, REF, WENT_WRONG, writes
from tests.reliability.world import PEOPLE, World, changed

BYSTANDERS = ["member", "leadership", "auditor"]


def replies(world: World) -> list[dict[str, Any]]:
    return world.connector.sent_activities()


@pytest.mark.parametrize("examples", EXAMPLES)
def test_random_message_text_gets_a_friendly_reply_and_changes_nothing(
    world: World, examples: int
) -> None:
    before = world.fingerprint()

    def check(case: tuple[str, str]) -> None:
        text, role = case
        assume(not writes(text))
        assume("review" not in text.casefold())  # `review start` answers with a form
        response = world.teams_say(text, role)
        assert response.status_code in (200, 201), response.text
        sent = replies(world)
        assert sent, f"no reply to {text!r}"
        assert WENT_WRONG not in json.dumps(sent), (text, sent)
        world.connector.clear()

    fuzz(examples, st.tuples(COMMAND_TEXT, st.sampled_from(list(PEOPLE))), check)
    assert changed(before, world.fingerprint()) == []


TEAMS_KINDS = [*KINDS, "occ_snooze_submit", "review_start", "", "occ_done:", ":", "::"]
EXTRA = st.dictionaries(
    st.sampled_from(["page", "value", "snooze_days", "snooze_reason", "review_csv",
                     "review_name", "review_reviewer", "review_control"]),
    st.one_of(JSON, st.integers(-(10**30), 10**30).map(str)),
    max_size=4,
)  # fmt: skip


@pytest.mark.parametrize("examples", EXAMPLES)
def test_random_card_submissions_are_refused_friendly_and_change_nothing(
    world: World, examples: int
) -> None:
    before = world.fingerprint()

    def check(case: tuple[str, str, dict[str, Any], str]) -> None:
        kind, ref, extra, role = case
        data = {**extra, "action_id": f"{kind}:{ref}" if ref else kind}
        response = world.teams_submit(data, role)
        assert response.status_code in (200, 201), (data, response.text)
        sent = replies(world)
        assert sent, f"{data}: the person was told nothing"
        assert WENT_WRONG not in json.dumps(sent), (data, sent)
        world.connector.clear()

    strategy = st.tuples(st.sampled_from(TEAMS_KINDS), REF, EXTRA, st.sampled_from(BYSTANDERS))
    fuzz(examples, strategy, check)
    assert changed(before, world.fingerprint()) == []


PATHS = [["type"], ["id"], ["from"], ["from", "id"], ["from", "aadObjectId"], ["conversation"],
         ["conversation", "id"], ["conversation", "conversationType"], ["recipient"], ["text"],
         ["value"], ["channelData"], ["channelData", "tenant"], ["entities"], ["attachments"],
         ["timestamp"], ["locale"], ["channelId"], ["replyToId"]]  # fmt: skip


def _mutate(activity: dict[str, Any], path: list[str], value: Any) -> None:
    node: Any = activity
    for key in path[:-1]:
        if not isinstance(node, dict) or not isinstance(node.get(key), dict):
            return
        node = node[key]
    if value == "<drop>":
        node.pop(path[-1], None)
    else:
        node[path[-1]] = value


@pytest.mark.parametrize("examples", EXAMPLES)
def test_activities_with_missing_fields_or_wrong_types_never_fail_the_server(
    world: World, examples: int
) -> None:
    before = world.fingerprint()
    base = message_activity(
        "status", service_url=world.connector.service_url, user_id=PEOPLE["auditor"].teams_id,
        aad_object_id=PEOPLE["auditor"].aad, name="Audrey", conversation_id="a:personal-aud",
    )  # fmt: skip
    counter = iter(range(10**9))

    def check(mutations: list[tuple[list[str], Any]]) -> None:
        activity = copy.deepcopy(base)
        activity["id"] = f"fuzz-{next(counter)}"
        for path, value in mutations:
            _mutate(activity, path, value)
        response = world.teams_post(activity)
        assert response.status_code < 500, (mutations, response.status_code, response.text)
        world.connector.clear()

    value = st.one_of(st.just("<drop>"), JSON, st.sampled_from([[], {}, "", 0, None, True]))
    head = _head(world)
    mutations = st.lists(st.tuples(st.sampled_from(PATHS), value), min_size=1, max_size=4)
    fuzz(examples, mutations, check)
    # The one change allowed: an activity whose `from` names Audrey by another id (aadObjectId
    # left out or changed) links that id to her on first contact, as designed. Teams sets these
    # fields itself; with credentials on, nobody else can send an activity at all.
    linking = {"chatidentity", "person", "auditevent", "auditchainhead"}
    assert set(changed(before, world.fingerprint())) <= linking
    assert _actions_after(world, head) <= {"person.linked"}


def _head(world: World) -> int:
    with world.db.session() as session:
        return int(session.exec(select(func.max(AuditEvent.seq))).one() or 0)


def _actions_after(world: World, seq: int) -> set[str]:
    with world.db.session() as session:
        return set(session.exec(select(AuditEvent.action).where(AuditEvent.seq > seq)).all())


@pytest.mark.parametrize(
    "body,content_type",
    [
        ("not json", "application/json"),
        ("[]", "application/json"),
        ("null", "application/json"),
        ('"text"', "application/json"),
        ("{}", "application/json"),
        ('{"type": 5}', "application/json"),
        ("status", "text/plain"),
        ("", "application/json"),
        ('{"type": "message", "text": "' + "a" * 200_000 + '"}', "application/json"),
    ],
)
def test_bodies_that_are_no_activity_get_a_4xx(world: World, body: str, content_type: str) -> None:
    before = world.fingerprint()
    response = world.client.post(
        "/api/messages", content=body, headers={"Content-Type": content_type}
    )
    assert 400 <= response.status_code < 500 or response.status_code in (200, 201), response.text
    assert changed(before, world.fingerprint()) == []
