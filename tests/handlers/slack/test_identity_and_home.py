"""Identity linking (users.info, users.lookupByEmail), the App Home tab, and unknown errors."""

from __future__ import annotations

import re
import time

import pytest
from sqlmodel import select

from bot.core.db import Database
from models import ChatIdentity, Person
from tests.handlers.slack.conftest import SlackScenario


def db_of(slack: SlackScenario) -> Database:
    return slack.client.app.state.db  # type: ignore[attr-defined, no-any-return]


def linked(slack: SlackScenario) -> dict[str, str]:
    with db_of(slack).session() as session:
        rows = session.exec(select(Person.email, ChatIdentity.external_id).join(ChatIdentity)).all()
    return dict(rows)


def test_catalog_owners_are_linked_by_email_at_start(slack: SlackScenario) -> None:
    slack.wait_for("users.lookupByEmail", 2)
    deadline = time.monotonic() + 5
    while len(linked(slack)) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    looked_up = {c.args["email"] for c in slack.fake.calls_to("users.lookupByEmail")}
    assert looked_up == {"raj@acme.test", "ana@acme.test"}  # owners only, not everyone
    assert linked(slack) == {"raj@acme.test": "URAJ", "ana@acme.test": "UANA"}


def test_assign_to_someone_who_never_wrote_to_the_bot_links_them(slack: SlackScenario) -> None:
    body = slack.command("assign CC7.1-VULN <@UEVE|eve>", user="UANA").json()
    assert "Eve Park now owns CC7.1-VULN" in str(body["blocks"])
    assert linked(slack)["eve@acme.test"] == "UEVE"


def test_app_home_shows_my_work_and_status(slack: SlackScenario) -> None:
    event = {"type": "app_home_opened", "user": "URAJ", "channel": "DRAJ", "tab": "home"}
    assert slack.event(event, event_id="EvHome").status_code == 200
    view = slack.wait_for("views.publish")[-1].args
    assert view["user_id"] == "URAJ" and view["view"]["type"] == "home"
    blocks = view["view"]["blocks"]
    assert len(blocks) <= 100
    assert "Your work" in str(blocks) and "SOC 2 status" in str(blocks)


def test_an_unknown_failure_answers_with_a_reference_that_is_in_the_log(
    slack: SlackScenario, capfd: pytest.CaptureFixture[str]
) -> None:
    slack.fake.respond("users.info", {"ok": False, "error": "fatal_error"})
    body = slack.command("whoami", user="UEVE").json()
    match = re.search(r"Reference: ([0-9a-f]+)", body["text"])
    assert match and "Traceback" not in body["text"]
    assert match.group(1) in capfd.readouterr().err


def test_text_sent_to_the_bot_dm_runs_as_a_command(slack: SlackScenario) -> None:
    event = {
        "type": "message",
        "channel_type": "im",
        "user": "URAJ",
        "channel": "DRAJ",
        "text": "mine",
        "ts": "1700000009.000100",
    }
    assert slack.event(event, event_id="EvDmText").status_code == 200
    reply = slack.wait_for("chat.postMessage")[-1].args
    assert reply["channel"] == "DRAJ" and "Your work" in str(reply["blocks"])
    bot_echo = {**event, "bot_id": "BBOT", "ts": "1700000010.000100"}
    slack.event(bot_echo, event_id="EvEcho")
    time.sleep(0.3)
    assert len(slack.fake.calls_to("chat.postMessage")) == 1  # its own messages are ignored
