"""Guests and Slack Connect people are refused politely and never linked, whatever their email."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

from tests.handlers.slack.conftest import SlackScenario
from tests.handlers.slack.fake_slack import FakeSlack
from tests.handlers.slack.test_workspace_isolation import NOT_SERVED, db_of, identities
from tests.reliability.world import changed, fingerprint

ADMIN_EMAIL = "ana@acme.test"
# How Slack describes each kind of outsider in users.info.
OUTSIDERS: dict[str, dict[str, Any]] = {
    "slack_connect": {"team_id": "TPARTNER"},
    "slack_connect_stranger": {"team_id": "TPARTNER", "stranger": True},
    "guest": {"guest": "multi"},
    "single_channel_guest": {"guest": "single"},
}


@pytest.mark.parametrize("kind", list(OUTSIDERS))
def test_an_outsider_with_the_admins_email_is_refused_politely_and_never_linked(
    slack: SlackScenario, kind: str
) -> None:
    slack.fake.add_user("UODD", ADMIN_EMAIL, name="Not Ana", **OUTSIDERS[kind])
    before = fingerprint(db_of(slack))
    # In a shared channel the request names the home team: only users.info tells them apart.
    body = slack.command("status", user="UODD", channel="CSHARED").json()
    assert body["response_type"] == "ephemeral" and NOT_SERVED in body["text"]
    assert "UODD" not in identities(slack)
    assert changed(before, fingerprint(db_of(slack))) == []


def test_a_guest_writing_to_the_bot_is_told_in_the_dm_and_not_linked(slack: SlackScenario) -> None:
    slack.fake.add_user("UGST", "gus@acme.test", name="Gus Guest", guest="single")
    before = fingerprint(db_of(slack))
    dm = {"type": "message", "channel_type": "im", "user": "UGST", "channel": "DUGST",
          "text": "mine", "ts": "1700000200.000100"}  # fmt: skip
    assert slack.event(dm, event_id="EvGuestDm").status_code == 200
    reply = slack.wait_for("chat.postMessage")[-1].args
    assert reply["channel"] == "DUGST" and NOT_SERVED in reply["text"]
    assert "UGST" not in identities(slack)
    assert changed(before, fingerprint(db_of(slack))) == []


def test_naming_a_guest_in_a_command_answers_about_them_and_still_serves_the_caller(
    slack: SlackScenario,
) -> None:
    slack.fake.add_user("UGST", "gus@acme.test", name="Gus Guest", guest="multi")
    before = fingerprint(db_of(slack))
    body = slack.command("assign CC7.1-VULN <@UGST|gus>", user="UANA").json()
    said = str(body)
    assert "Gus Guest is a guest or external Slack account and can't be named" in said
    assert NOT_SERVED not in said  # the admin asking is not the one refused
    assert "UGST" not in identities(slack)
    assert changed(before, fingerprint(db_of(slack))) == []


def test_owners_are_not_linked_at_start_to_a_guest_account_that_has_their_email(
    fake_slack: FakeSlack, make_scenario: Callable[..., SlackScenario]
) -> None:
    # Ana's email now belongs to a guest account in Slack (re-registered under her id).
    fake_slack.add_user("UANA", ADMIN_EMAIL, name="Ana Ruiz", guest="multi")
    slack = make_scenario()
    deadline = time.monotonic() + 5
    while "URAJ" not in identities(slack) and time.monotonic() < deadline:
        time.sleep(0.05)
    looked_up = {c.args["email"] for c in slack.fake.calls_to("users.lookupByEmail")}
    assert looked_up == {"raj@acme.test", ADMIN_EMAIL}
    assert identities(slack) == {"URAJ": "raj@acme.test"}
