"""Only the installed workspace is served: requests naming another team are refused, unrecorded."""

from __future__ import annotations

import time
from collections.abc import Callable

from sqlmodel import select

from bot.core.db import Database
from models import ChatIdentity, Person
from tests.handlers.slack.conftest import SlackScenario
from tests.handlers.slack.fake_slack import FakeSlack
from tests.handlers.slack.signing import block_action_payload, view_submission_payload
from tests.reliability.world import changed, fingerprint

NOT_SERVED = "only works for members of this organisation's own workspace"


def db_of(slack: SlackScenario) -> Database:
    return slack.client.app.state.db  # type: ignore[attr-defined, no-any-return]


def identities(slack: SlackScenario) -> dict[str, str]:
    """Linked Slack user id → the person's email."""
    with db_of(slack).session() as session:
        rows = session.exec(select(ChatIdentity.external_id, Person.email).join(Person)).all()
    return dict(rows)


def test_a_command_from_another_workspace_is_refused_politely_and_records_nothing(
    slack: SlackScenario,
) -> None:
    # Someone of another workspace whose Slack profile carries the admin's email.
    slack.fake.add_user("UOUT", "ana@acme.test", name="Not Ana", team_id="T9")
    before = fingerprint(db_of(slack))
    body = slack.command("whoami", user="UOUT", team_id="T9").json()
    assert body["response_type"] == "ephemeral" and NOT_SERVED in body["text"]
    assert not slack.fake.calls_to("users.info")  # refused before anyone is looked up
    assert "UOUT" not in identities(slack)
    assert changed(before, fingerprint(db_of(slack))) == []


def test_a_click_naming_another_team_is_refused_in_place_and_changes_nothing(
    slack: SlackScenario,
) -> None:
    blocks = slack.command("mine", user="URAJ").json()["blocks"]
    done = next(
        e for b in blocks if b["type"] == "actions" for e in b["elements"]
        if e["action_id"].startswith("occ_done:")
    )  # fmt: skip
    before = fingerprint(db_of(slack))
    slack.fake.clear()
    # A linked user's id, but the payload says the click came from another team.
    payload = block_action_payload(
        action_id=done["action_id"], value=done["value"], user_id="URAJ", team_id="T9"
    )
    assert slack.interact(payload).status_code == 200
    told = slack.fake.last("response_url").args
    assert told["response_type"] == "ephemeral" and NOT_SERVED in told["text"]
    assert changed(before, fingerprint(db_of(slack))) == []


def test_a_form_submitted_from_another_team_is_closed_with_the_refusal(
    slack: SlackScenario,
) -> None:
    before = fingerprint(db_of(slack))
    payload = view_submission_payload(
        callback_id="snooze_submit", values={}, user_id="URAJ", team_id="T9"
    )
    answer = slack.interact(payload).json()
    assert answer["response_action"] == "update"
    assert NOT_SERVED in str(answer["view"]["blocks"])
    assert changed(before, fingerprint(db_of(slack))) == []


def test_events_from_another_workspace_or_written_by_its_people_are_dropped(
    slack: SlackScenario,
) -> None:
    slack.fake.add_user("UEXT", "ext@partner.test", name="Pat Partner", team_id="T9")
    before = fingerprint(db_of(slack))
    dm = {"type": "message", "channel_type": "im", "channel": "DRAJ", "text": "status"}
    foreign = {**dm, "user": "URAJ", "ts": "1700000100.000100"}
    assert slack.event(foreign, event_id="EvT9", team={"team_id": "T9"}).status_code == 200
    # Slack Connect: delivered to the home team, written by a person of the partner's team.
    shared = {**dm, "user": "UEXT", "channel": "CSHARED", "ts": "1700000101.000100"}
    mention = {**shared, "type": "app_mention", "text": "<@UBOT> status"}
    for n, event in enumerate((shared, mention)):
        assert slack.event(event, event_id=f"EvExt{n}", team={"user_team": "T9"}).status_code == 200
    time.sleep(0.3)  # lazy listeners would have answered by now
    assert not slack.fake.calls_to("chat.postMessage")
    assert not slack.fake.calls_to("chat.postEphemeral")
    assert changed(before, fingerprint(db_of(slack))) == []


def test_on_grid_the_organisations_workspaces_are_served_and_other_organisations_are_not(
    fake_slack: FakeSlack, make_scenario: Callable[..., SlackScenario]
) -> None:
    fake_slack.enterprise_id = "E1"  # the bot is installed in T1 of organisation E1
    fake_slack.add_user("WSIS", "sis@acme.test", name="Sis Ter", team_id="T2", enterprise_id="E1")
    fake_slack.add_user("WOUT", "ana@acme.test", name="Not Ana", team_id="T3", enterprise_id="E9")
    slack = make_scenario()
    colleague = slack.command("whoami", user="WSIS", team_id="T2", enterprise_id="E1").json()
    assert "sis@acme.test" in str(colleague) and identities(slack)["WSIS"] == "sis@acme.test"
    before = fingerprint(db_of(slack))
    other = slack.command("whoami", user="WOUT", team_id="T3", enterprise_id="E9").json()
    assert NOT_SERVED in other["text"] and "WOUT" not in identities(slack)
    assert changed(before, fingerprint(db_of(slack))) == []
