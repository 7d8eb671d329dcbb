"""Teams through the real app: commands, buttons, files, auth, references, parity with Slack."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import pytest
from sqlmodel import select

from bot.chat.port import RateLimited
from bot.core.messages import Message
from models import ConversationRef, Evidence, Occurrence, OccurrenceStatus
from tests.handlers.teams.cardcheck import assert_valid_card, card_text
from tests.handlers.teams.conftest import TeamsScenario


def actions_of(card: dict[str, Any]) -> list[dict[str, Any]]:
    """Every Action.Submit in a card (inside ActionSets, ShowCards and the top level)."""
    found: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "Action.Submit":
                found.append(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(card)
    return found


def first(card: dict[str, Any], prefix: str) -> dict[str, Any]:
    return next(
        a["data"] for a in actions_of(card) if str(a["data"]["action_id"]).startswith(prefix)
    )


def test_status_is_answered_with_a_valid_card(teams: TeamsScenario) -> None:
    assert teams.say("status").status_code in (200, 201)
    card = teams.last_card()
    assert_valid_card(card)
    assert "Readiness" in card_text(card) and "Type II window coverage" in card_text(card)


def test_mention_in_a_channel_is_stripped(teams: TeamsScenario) -> None:
    teams.say(
        "mine",
        mention_bot=True,
        conversation_type="channel",
        conversation_id="19:channel@thread.tacv2",
    )
    assert "Your work" in card_text(teams.last_card())


def test_unknown_command_gets_a_friendly_answer(teams: TeamsScenario) -> None:
    teams.say("stauts")
    assert "did you mean `status`?" in teams.last_text()


def test_mark_done_button_records_the_statement_and_updates_the_card(teams: TeamsScenario) -> None:
    teams.say("mine")
    data = first(teams.last_card(), "occ_done:")
    teams.submit(data, reply_to_id="card-1")
    assert any(c.method == "PUT" for c in teams.connector.calls)  # the card updated in place
    with teams.db.session() as session:
        occ = session.get(Occurrence, int(data["value"]))
        ev = session.exec(select(Evidence).where(Evidence.occurrence_id == occ.id)).one()  # type: ignore[union-attr]
    assert occ is not None and occ.status is OccurrenceStatus.DONE
    assert ev.platform == "teams" and ev.statement and ev.statement in str(teams.sent())


def test_someone_elses_button_is_refused(teams: TeamsScenario) -> None:
    teams.say("mine")
    data = first(teams.last_card(), "occ_done:")
    teams.submit(data, who="eve")
    assert "owner or assignee" in teams.last_text()
    with teams.db.session() as session:
        assert session.exec(select(Evidence)).all() == []


def test_attach_then_send_a_file_stores_it_with_its_hash(teams: TeamsScenario) -> None:
    teams.say("mine")
    data = first(teams.last_card(), "occ_attach:")
    teams.submit(data)
    assert "Send the evidence file" in teams.last_text()
    content = b"account,decision\nalice,keep\n"
    teams.say(
        "", attachments=[teams.connector.add_file(content, name="review.csv", file_type="csv")]
    )
    assert hashlib.sha256(content).hexdigest() in teams.last_text()
    with teams.db.session() as session:
        [ev] = session.exec(select(Evidence).where(Evidence.occurrence_id == int(data["value"])))
    assert ev.original_name == "review.csv"


def test_file_with_a_reference_in_the_text(teams: TeamsScenario) -> None:
    teams.say("mine")
    ref = first(teams.last_card(), "occ_attach:")["value"]
    content = b"%PDF-1.7 scan"
    teams.say(f"scan for #{ref}", attachments=[teams.connector.add_file(content, name="scan.pdf")])
    assert hashlib.sha256(content).hexdigest() in teams.last_text()


def test_a_file_without_a_task_gets_a_question(teams: TeamsScenario) -> None:
    teams.say("", attachments=[teams.connector.add_file(b"x,y\n", name="a.csv", file_type="csv")])
    assert "Which task is this file for?" in teams.last_text()
    assert teams.connector.downloads == []


def test_non_json_gets_415(teams: TeamsScenario) -> None:
    response = teams.client.post(
        "/api/messages", content="hi", headers={"Content-Type": "text/plain"}
    )
    assert response.status_code == 415


def test_with_credentials_a_request_without_or_with_a_bad_token_gets_401(
    make_teams: Callable[..., TeamsScenario],
) -> None:
    teams = make_teams(
        microsoft_app_id="app-id",
        microsoft_app_password="secret",
        teams_allow_unauthenticated=False,
    )
    assert teams.say("status").status_code == 401
    activity_response = teams.client.post(
        "/api/messages",
        json={"type": "message", "text": "status", "serviceUrl": "http://x/"},
        headers={"Authorization": "Bearer not-a-jwt"},
    )
    assert activity_response.status_code == 401
    assert teams.sent() == []


def test_a_redelivered_activity_is_processed_once(teams: TeamsScenario) -> None:
    teams.say("status", activity_id="same-1")
    teams.say("status", activity_id="same-1")
    assert len([a for a in teams.sent() if a.get("attachments")]) == 1


def test_every_turn_stores_the_conversation_reference(teams: TeamsScenario) -> None:
    teams.say("whoami")
    with teams.db.session() as session:
        ref = session.exec(
            select(ConversationRef).where(ConversationRef.key == "teams:user:aad-raj")
        ).one()
    assert ref.reference["serviceUrl"] == teams.connector.service_url


def test_a_proactive_send_reaches_a_person_from_the_stored_reference(teams: TeamsScenario) -> None:
    teams.say("whoami")
    teams.connector.clear()
    port = teams.client.app.state.teams_port  # type: ignore[attr-defined]
    reminder = Message(title="Reminder: review production access", text="Due Friday.")
    delivered = teams.client.portal.call(port.send, "teams:user:aad-raj", reminder)  # type: ignore[union-attr]
    [sent] = teams.sent()
    assert delivered.message_id and "Reminder: review production access" in str(sent)
    assert any("a:personal-raj" in c.path for c in teams.connector.calls)


def test_a_throttled_proactive_send_is_left_to_the_outbox_to_retry(teams: TeamsScenario) -> None:
    # The port raises RateLimited; the outbox sender retries after Retry-After (tests/schedules).
    teams.say("whoami")
    teams.connector.clear()
    teams.connector.fail_next("POST", "/v3/conversations/", status=429, retry_after=0)
    port = teams.client.app.state.teams_port  # type: ignore[attr-defined]
    with pytest.raises(RateLimited):
        teams.client.portal.call(port.send, "teams:user:aad-raj", Message(title="Hello"))  # type: ignore[union-attr]
    assert teams.sent() == []
    teams.client.portal.call(port.send, "teams:user:aad-raj", Message(title="Hello"))  # type: ignore[union-attr]
    assert len(teams.sent()) == 1


def test_more_pages_a_long_list_in_place(make_teams: Callable[..., TeamsScenario]) -> None:
    teams = make_teams(extra_tasks=60)
    teams.say("mine")
    page_one = card_text(teams.last_card())
    more = first(teams.last_card(), "page_more")
    teams.submit(more, reply_to_id="mine-card")
    [put] = teams.connector.calls_to("PUT", "/v3/conversations/a:personal-raj/activities/mine-card")
    page_two = card_text(put.body["attachments"][0]["content"])  # type: ignore[index]
    assert "page 2 of" in page_two and page_two != page_one


def test_digest_comes_as_a_card_with_the_chart_inline(teams: TeamsScenario) -> None:
    teams.say("digest", who="ana")
    [answer] = teams.sent()[-1:]
    kinds = [a["contentType"] for a in answer["attachments"]]
    assert kinds == ["application/vnd.microsoft.card.adaptive", "image/png"]
    assert answer["attachments"][1]["contentUrl"].startswith("data:image/png;base64,iVBOR")
    assert "Readiness" in card_text(answer["attachments"][0]["content"])
