"""A pulled GitHub access review in Slack: the tick opens it, Raj decides, the re-pull verifies.

The real app over signed HTTP with its Slack adapter and a fake Slack Web API; GitHub is a
local fake of its REST API. The scheduler is off: each test runs the access-review tick and
the outbox sender itself, at the instants it chooses (the app's clock is time-travelled).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import time_machine
from fastapi.testclient import TestClient
from slack_sdk.web.async_client import AsyncWebClient
from sqlmodel import select

from bot.app import create_app
from bot.core.settings import load_settings
from handlers.slack.port import SlackChatPort
from models import ChatMessage
from tests.bot.connectors.fake_github import FakeGitHub
from tests.handlers.pulled_support import (
    ENV,
    ORDER,
    T0,
    TASK,
    Backend,
    assert_review_done,
    github_org,
    removal_is_verified,
    start_review,
    still_there_is_chased,
    write_catalog,
)
from tests.handlers.slack.blockkit import assert_blockkit_limits
from tests.handlers.slack.conftest import SECRET, TOKEN, SlackScenario, wait_for_owner_linking
from tests.handlers.slack.fake_slack import FakeSlack
from tests.handlers.slack.signing import block_action_payload

CHANNEL = "C42"
App = tuple[SlackScenario, Backend]


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    with github_org() as fake:
        yield fake


@pytest.fixture
def app(tmp_path: Path, fake_slack: FakeSlack, github: FakeGitHub) -> Iterator[App]:
    with time_machine.travel(T0, tick=True):  # start-up syncs the catalog "today"
        settings = load_settings(
            database_url=f"sqlite:///{tmp_path}/slack.db",
            evidence_url=f"file://{tmp_path}/evidence",
            catalog=write_catalog(tmp_path, CHANNEL, github.api_url),
            slack_bot_token=TOKEN, slack_signing_secret=SECRET,
            slack_api_url=fake_slack.base_url, evidence_max_bytes=1024 * 1024,
        )  # fmt: skip
        with TestClient(create_app(settings)) as client:
            wait_for_owner_linking(client)  # Raj, who owns the control, is linked by email
            port = SlackChatPort(AsyncWebClient(token=TOKEN, base_url=fake_slack.base_url))
            yield SlackScenario(client, fake_slack), Backend(client, {"slack": port})


def open_review(slack: SlackScenario, backend: Backend) -> dict[str, Any]:
    """The tick starts the review; its prompt is the one message posted, in the channel."""
    start_review(backend)
    [prompt] = [c.args for c in slack.fake.calls_to("chat.postMessage")]
    assert prompt["channel"] == CHANNEL
    assert_blockkit_limits(prompt["blocks"])
    return prompt


def account_rows(blocks: list[dict[str, Any]]) -> list[tuple[str, dict[str, dict[str, Any]]]]:
    """Each account row of the prompt: its text, and its buttons (review_keep, review_revoke)."""
    rows = []
    for block, after in zip(blocks, blocks[1:], strict=False):
        buttons = {str(e.get("action_id")).split(":")[0]: e for e in after.get("elements") or []}
        if block["type"] == "section" and "review_keep" in buttons:
            rows.append((str(block["text"]["text"]), buttons))
    return rows


def decide(
    slack: SlackScenario, backend: Backend, blocks: list[dict[str, Any]], revoke: str
) -> None:
    """Raj, the reviewer, revokes `revoke` and keeps every other account, in the channel."""
    with backend.db.session() as session:
        ts = session.exec(select(ChatMessage.message_id)).one()  # the prompt, as Slack posted it
    for text, buttons in account_rows(blocks):
        button = buttons["review_revoke" if text.startswith(f"{revoke}\n") else "review_keep"]
        payload = block_action_payload(
            action_id=button["action_id"], value=button["value"], user_id="URAJ",
            channel_id=CHANNEL, message_ts=ts,
        )  # fmt: skip
        assert slack.interact(payload).status_code == 200
    final = slack.wait_for("chat.update", len(ORDER))[-1].args
    assert final["ts"] == ts and "review_keep" not in str(final["blocks"])  # complete: no buttons
    summary = str(final["blocks"])
    assert "all 5 accounts decided" in summary and "1 to remove revoked access" in summary


def test_the_tick_opens_the_review_and_the_re_pull_verifies_the_revoke(
    app: App, github: FakeGitHub
) -> None:
    slack, backend = app
    prompt = open_review(slack, backend)
    rows = account_rows(prompt["blocks"])
    # Flagged accounts first (most flags first), then the ordinary ones, each by name.
    assert [text.split("\n")[0] for text, _ in rows] == list(ORDER)
    assert "no person on file" in rows[0][0] and "no MFA" in rows[0][0]
    assert "owner" in rows[1][0] and "no MFA" in rows[2][0]
    assert "⚠" not in rows[3][0] + rows[4][0]

    decide(slack, backend, prompt["blocks"], revoke="zz-deploy-bot")
    follow_up = assert_review_done(backend, "zz-deploy-bot")

    removal_is_verified(backend, github, follow_up)


def test_a_revoke_still_in_github_after_its_due_day_is_chased(app: App, github: FakeGitHub) -> None:
    slack, backend = app
    prompt = open_review(slack, backend)
    decide(slack, backend, prompt["blocks"], revoke="eve")
    follow_up = assert_review_done(backend, "eve")

    # Nobody removes Eve: past its due day Raj, who removes it, hears so in Slack.
    assert still_there_is_chased(backend, github, follow_up) == "URAJ"
    assert backend.deliver() == 1
    [dm] = [c.args for c in slack.fake.calls_to("chat.postMessage") if c.args["channel"] != CHANNEL]
    assert dm["channel"] == "URAJ" and "Revoked access is still there" in str(dm)
    assert "Remove access: eve" in str(dm) and "GitHub organization acme" in str(dm)


def test_review_start_in_chat_pulls_in_the_background_and_the_tick_leaves_it(
    app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    slack, backend = app
    monkeypatch.setenv("GITHUB_TOKEN", ENV["GITHUB_TOKEN"])  # chat pulls with the server's env
    answer = slack.command(f"review start {TASK}", user="URAJ").json()
    assert "Access review starting" in str(answer) and CHANNEL in str(answer)
    deadline = time.monotonic() + 5  # the pull runs after the answer, in the background
    while not backend.queued("review-prompt:") and time.monotonic() < deadline:
        time.sleep(0.02)
    assert backend.deliver() == 1
    [prompt] = [c.args for c in slack.fake.calls_to("chat.postMessage")]
    assert prompt["channel"] == CHANNEL
    assert [text.split("\n")[0] for text, _ in account_rows(prompt["blocks"])] == list(ORDER)
    # The tick finds the quarter's review started: nothing is pulled or prompted twice.
    assert backend.tick(T0 + dt.timedelta(minutes=10)) == {"started": [], "verified": []}
    assert backend.deliver() == 0
