"""A saturated process answers "busy" at once, records nothing, and counts what it shed."""

from __future__ import annotations

from typing import Any

from bot.core.db import Database
from handlers.slack.shedding import BUSY
from tests.handlers.slack.conftest import SlackScenario, wait_for_follow_ups
from tests.handlers.slack.signing import block_action_payload, view_submission_payload
from tests.reliability.world import changed, fingerprint


def db_of(slack: SlackScenario) -> Database:
    return slack.client.app.state.db  # type: ignore[attr-defined, no-any-return]


def saturate(slack: SlackScenario) -> None:
    """As if every request slot were taken (the gauge's limit is what the test moves)."""
    slack.client.app.state.slack.app.pressure.max_in_flight = 0  # type: ignore[attr-defined]


def test_when_saturated_commands_clicks_and_modals_are_told_busy_and_nothing_changes(
    slack: SlackScenario,
) -> None:
    blocks = slack.command("mine", user="URAJ").json()["blocks"]
    found: list[dict[str, Any]] = [
        e for b in blocks if b["type"] == "actions" for e in b["elements"]
    ]
    done = next(b for b in found if b["action_id"].startswith("occ_done:"))
    before = fingerprint(db_of(slack))
    slack.fake.clear()
    saturate(slack)

    answer = slack.command("status", user="URAJ")
    assert answer.status_code == 200
    assert answer.json() == {"response_type": "ephemeral", "text": BUSY}

    payload = block_action_payload(action_id=done["action_id"], value=done["value"], user_id="URAJ")
    assert slack.interact(payload).status_code == 200
    told = slack.wait_for("response_url")[-1].args
    assert told["text"] == BUSY and told["response_type"] == "ephemeral"

    form = view_submission_payload(
        callback_id="snooze_submit", values={}, private_metadata='{"occ": 1}', user_id="URAJ"
    )
    modal = slack.interact(form).json()
    assert modal == {"response_action": "errors", "errors": {"snooze_reason": BUSY}}

    wait_for_follow_ups(slack.client)
    assert changed(before, fingerprint(db_of(slack))) == []
    assert [c.method for c in slack.fake.calls] == ["response_url"]  # no other Slack call
    metrics = slack.client.get("/metrics").text
    assert 'soc2bot_requests_shed_total{platform="slack"} 3.0' in metrics


def test_a_forged_request_is_refused_even_when_saturated(slack: SlackScenario) -> None:
    saturate(slack)
    body = "command=%2Fsoc2&text=status&user_id=URAJ"
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": "1700000000",
        "X-Slack-Signature": "v0=forged",
    }
    assert slack.client.post("/slack/events", content=body, headers=headers).status_code == 401
