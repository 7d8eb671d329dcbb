"""Slack workspace isolation: another team, Slack Connect people and guests change nothing.

Every request here would change state if it got through (marking work done, storing a file,
skipping an occurrence as the admin); the check is the whole state fingerprint.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

from tests.handlers.slack.signing import (
    block_action_payload,
    event_body,
    interaction_body,
    slash_command_body,
)
from tests.reliability.world import PEOPLE, World, changed

FORM, JSON_TYPE = "application/x-www-form-urlencoded", "application/json"
NOT_SERVED = "only works for members of this organisation's own workspace"
OWNER = PEOPLE["owner"].slack_id


def _done_command(world: World, occurrence: int) -> tuple[str, str]:
    body = slash_command_body(
        f"done #{occurrence} checked", user_id=OWNER, team_id="T9",
        response_url=world.slack.response_url,
    )  # fmt: skip
    return body, FORM


def _done_click(world: World, occurrence: int) -> tuple[str, str]:
    payload = block_action_payload(
        action_id=f"occ_done:{occurrence}", value=str(occurrence), user_id=OWNER, team_id="T9",
        response_url=world.slack.response_url,
    )  # fmt: skip
    return interaction_body(payload), FORM


def _file(world: World, occurrence: int, **team: str) -> tuple[str, str]:
    file = world.fake.add_file(b"%PDF-1.7\nforeign", name="foreign.pdf", user=OWNER)
    event = {"type": "message", "subtype": "file_share", "user": OWNER, "channel": f"D{OWNER}",
             "channel_type": "im", "text": f"#{occurrence}", "ts": "1700000300.000100",
             "files": [file]}  # fmt: skip
    return event_body(event, event_id=f"EvIso{time.monotonic_ns()}", **team), JSON_TYPE


FROM_ANOTHER_TEAM: dict[str, Callable[[World, int], tuple[str, str]]] = {
    "slash command `done`": _done_command,
    "Done button": _done_click,
    "file shared by an event of another team": lambda w, o: _file(w, o, team_id="T9"),
    "file written by a Slack Connect author": lambda w, o: _file(w, o, user_team="T9"),
}


@pytest.mark.parametrize("kind", list(FROM_ANOTHER_TEAM))
def test_requests_naming_another_team_change_nothing(world: World, kind: str) -> None:
    occurrence = world.open_occurrences("owner")[0]
    body, content_type = FROM_ANOTHER_TEAM[kind](world, occurrence)
    before = world.fingerprint()
    response = world.slack.post(body, content_type)
    assert response.status_code == 200
    time.sleep(0.2)  # a lazy listener would have started by now
    assert changed(before, world.fingerprint()) == []
    assert world.fake.downloads == [] and not world.fake.calls_to("users.info")
    if content_type == FORM:  # the person is told, ephemerally, where Slack lets us answer
        said = response.text + world.slack_texts()
        assert NOT_SERVED in said


OUTSIDERS: dict[str, dict[str, Any]] = {
    "Slack Connect person": {"team_id": "TPARTNER"},
    "guest": {"guest": "multi"},
    "single-channel guest": {"guest": "single"},
}


@pytest.mark.parametrize("kind", list(OUTSIDERS))
def test_an_outsider_with_the_admins_email_cannot_act_as_the_admin(world: World, kind: str) -> None:
    world.fake.add_user("UODD", PEOPLE["admin"].email, name="Not Ana", **OUTSIDERS[kind])
    occurrence = world.open_occurrences("owner")[0]
    before = world.fingerprint()
    for text in ("status", f"skip #{occurrence} not needed"):
        answer = world.slack.command(text, user="UODD", channel="CSHARED").json()
        assert NOT_SERVED in answer["text"], text
    assert changed(before, world.fingerprint()) == []
