"""Socket Mode: with SLACK_APP_TOKEN the same listeners answer over a websocket link."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from tests.handlers.slack.blockkit import assert_blockkit_limits
from tests.handlers.slack.conftest import SlackScenario
from tests.handlers.slack.fake_slack import FakeSlack
from tests.handlers.slack.fake_socket_mode import FakeSocketMode


@pytest.fixture
def socket_link(fake_slack: FakeSlack) -> Iterator[FakeSocketMode]:
    link = FakeSocketMode()
    fake_slack.respond("apps.connections.open", {"ok": True, "url": link.url})
    yield link
    link.stop()


def test_slash_command_over_socket_mode_is_answered_in_the_ack(
    socket_link: FakeSocketMode, make_scenario: Callable[..., SlackScenario]
) -> None:
    # socket_link comes first so it outlives the app: the app closes its link, then it stops.
    slack = make_scenario(slack_app_token="xapp-test-token")
    assert slack.client.post("/slack/events").status_code == 404  # no HTTP endpoint needed
    slack.wait_for("apps.connections.open")
    command = {
        "command": "/soc2",
        "text": "status",
        "user_id": "URAJ",
        "channel_id": "C1",
        "team_id": "T1",
        "trigger_id": "1.2",
        "response_url": slack.response_url,
    }
    socket_link.send("slash_commands", command, envelope_id="env-1")
    ack = socket_link.wait_for_ack("env-1")
    assert "Readiness" in str(ack["payload"]["blocks"])
    assert_blockkit_limits(ack["payload"]["blocks"])
