"""A card button's turn ends once the change is saved; a slow connector only delays its update."""

from __future__ import annotations

import time

from sqlmodel import select

from models import Evidence
from tests.handlers.teams.activities import card_submit_activity
from tests.handlers.teams.conftest import TeamsScenario, wait_for_replies

SLOW = 1.5  # seconds the connector takes per call


def test_mark_done_turn_ends_before_a_slow_connector_answers_and_the_card_follows(
    teams: TeamsScenario,
) -> None:
    teams.say("mine")
    [data] = [
        a["data"]
        for a in _submits(teams.last_card())
        if str(a["data"]["action_id"]).startswith("occ_done:")
    ][:1]
    teams.connector.clear()
    teams.connector.stall_next("PUT", "/v3/conversations/", seconds=SLOW, lands=True)
    teams.connector.stall_next("POST", "/v3/conversations/", seconds=SLOW, lands=True)
    activity = card_submit_activity(data, **teams._who("raj"), reply_to_id="card-1")

    started = time.monotonic()
    response = teams.client.post("/api/messages", json=activity)
    elapsed = time.monotonic() - started

    assert response.status_code in (200, 201)
    assert elapsed < 1.0  # before: the card update and the reply were awaited, 2 × 1.5 s
    with teams.db.session() as session:  # saved before the turn ended
        query = select(Evidence).where(Evidence.occurrence_id == int(data["value"]))
        assert len(session.exec(query).all()) == 1
    wait_for_replies()
    assert [c.method for c in teams.connector.calls] == ["PUT", "POST"]  # card, then answer
    assert "Recorded your confirmation" in str(teams.sent()[-1])
    assert "Your work" in str(teams.connector.calls[0].body)  # the card redrawn in place


def _submits(card: dict[str, object]) -> list[dict[str, dict[str, object]]]:
    found: list[dict[str, dict[str, object]]] = []

    def walk(node: object) -> None:
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
