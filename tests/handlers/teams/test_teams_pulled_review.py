"""A pulled GitHub access review in a Teams channel: the tick opens it, Raj decides on the
card, the re-pull verifies.

The real app over HTTP with its Bot Framework adapter and a fake connector; GitHub is a local
fake of its REST API. The scheduler is off: each test runs the access-review tick and the
outbox sender (through the app's own Teams port) itself, with the app's clock time-travelled.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import time_machine
from fastapi.testclient import TestClient
from sqlmodel import select

from bot.app import create_app
from bot.core.settings import load_settings
from models import ChatMessage
from tests.bot.connectors.fake_github import FakeGitHub
from tests.handlers.pulled_support import (
    ORDER,
    T0,
    Backend,
    assert_review_done,
    github_org,
    removal_is_verified,
    start_review,
    still_there_is_chased,
    write_catalog,
)
from tests.handlers.teams.cardcheck import assert_valid_card, card_text, walk
from tests.handlers.teams.conftest import HOME_TENANT, TeamsScenario
from tests.handlers.teams.fake_connector import FakeConnector
from tests.handlers.teams.test_teams_flows import actions_of

CHANNEL = "19:soc2-reviews@thread.tacv2"
IN_CHANNEL = {"conversation_id": CHANNEL, "conversation_type": "channel"}
App = tuple[TeamsScenario, Backend]


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    with github_org() as fake:
        yield fake


@pytest.fixture
def app(tmp_path: Path, connector: FakeConnector, github: FakeGitHub) -> Iterator[App]:
    with time_machine.travel(T0, tick=True):  # start-up syncs the catalog "today"
        settings = load_settings(
            database_url=f"sqlite:///{tmp_path}/teams.db",
            evidence_url=f"file://{tmp_path}/evidence",
            catalog=write_catalog(tmp_path, f"teams:conv:{CHANNEL}", github.api_url),
            evidence_max_bytes=1024 * 1024,
            teams_allow_unauthenticated=True, microsoft_app_tenant_id=HOME_TENANT,
        )  # fmt: skip
        with TestClient(create_app(settings)) as client:
            teams = TeamsScenario(client, connector)
            # Teams reaches a chat only once someone talked to the bot there: Raj in his
            # personal chat, and Ana @mentioning it in the review channel.
            assert teams.say("whoami", who="raj").status_code in (200, 201)
            response = teams.say("status", who="ana", mention_bot=True, **IN_CHANNEL)
            assert response.status_code in (200, 201)
            connector.clear()
            port = client.app.state.teams_port  # type: ignore[attr-defined]
            yield teams, Backend(client, {"teams": port})


def open_review(teams: TeamsScenario, backend: Backend) -> tuple[str, dict[str, Any]]:
    """The tick starts the review; its prompt is the one card posted, in the channel."""
    start_review(backend)
    [post] = teams.connector.calls_to("POST", f"/v3/conversations/{CHANNEL}/activities")
    [attachment] = (post.body or {})["attachments"]
    card = dict(attachment["content"])
    assert_valid_card(card)
    with backend.db.session() as session:
        card_id = session.exec(select(ChatMessage.message_id)).one()  # as Teams answered
    return card_id, card


def account_rows(card: dict[str, Any]) -> list[tuple[str, dict[str, dict[str, Any]]]]:
    """Each account row of the card: its text, and its buttons' data by action."""
    rows = []
    for node in walk(card["body"]):
        if node.get("type") != "Container":
            continue
        data = [a["data"] for a in actions_of(node)]
        buttons = {str(d["action_id"]).split(":")[0]: d for d in data}
        if "review_keep" in buttons:
            rows.append((card_text(node), buttons))
    return rows


def decide(teams: TeamsScenario, card_id: str, card: dict[str, Any], revoke: str) -> None:
    """Raj, the reviewer, revokes `revoke` (confirmed on its card) and keeps the others."""
    for text, buttons in account_rows(card):
        data = buttons["review_revoke" if text.startswith(f"{revoke}\n") else "review_keep"]
        response = teams.submit(data, who="raj", reply_to_id=card_id, **IN_CHANNEL)
        assert response.status_code in (200, 201), response.text
    puts = teams.connector.calls_to("PUT", f"/v3/conversations/{CHANNEL}/activities/{card_id}")
    assert len(puts) == len(ORDER)  # the prompt is redrawn in place after each decision
    final = dict((puts[-1].body or {})["attachments"][0]["content"])
    assert_valid_card(final)
    assert "review_keep" not in str(final)  # complete: no buttons left
    assert "all 5 accounts decided" in card_text(final)
    assert "1 to remove revoked access" in card_text(final)


def test_the_tick_opens_the_review_and_the_re_pull_verifies_the_revoke(
    app: App, github: FakeGitHub
) -> None:
    teams, backend = app
    card_id, card = open_review(teams, backend)
    rows = account_rows(card)
    # Flagged accounts first (most flags first), then the ordinary ones, each by name.
    assert [text.split("\n")[0] for text, _ in rows] == list(ORDER)
    assert "no person on file" in rows[0][0] and "no MFA" in rows[0][0]
    assert "owner" in rows[1][0] and "no MFA" in rows[2][0]
    assert "⚠" not in rows[3][0] + rows[4][0]

    decide(teams, card_id, card, revoke="zz-deploy-bot")
    follow_up = assert_review_done(backend, "zz-deploy-bot")

    removal_is_verified(backend, github, follow_up)


def test_a_revoke_still_in_github_after_its_due_day_is_chased(app: App, github: FakeGitHub) -> None:
    teams, backend = app
    card_id, card = open_review(teams, backend)
    decide(teams, card_id, card, revoke="eve")
    follow_up = assert_review_done(backend, "eve")

    # Nobody removes Eve: past its due day Raj, who removes it, hears so in his Teams chat.
    assert still_there_is_chased(backend, github, follow_up) == "teams:user:aad-raj"
    assert backend.deliver() == 1
    [dm] = [
        a
        for a in teams.connector.sent_activities()
        if a.get("conversation", {}).get("id") == "a:personal-raj"
    ]
    said = card_text(dm["attachments"][0]["content"]) if dm.get("attachments") else dm["text"]
    assert "Revoked access is still there" in said and "Remove access: eve" in said
    assert "GitHub organization acme" in said
