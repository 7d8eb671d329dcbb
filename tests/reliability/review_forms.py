"""The access-review start form, sent from Slack and from Teams, and what the bot said."""

from __future__ import annotations

import json
from typing import Any

from tests.handlers.slack.signing import view_submission_payload
from tests.reliability.world import World

RAJS_CSV = "account,system\nraj,GitHub\nsvc-deploy,AWS\n"  # no email column


def slack_review_form(
    world: World, user: str, *, reviewer: str, csv_text: str, control: str | None = None,
    reason: str | None = None, name: str = "Q3 prod access",
) -> dict[str, Any]:  # fmt: skip
    """Submit the review-start modal as `user`; Slack's answer (errors, or empty when started)."""
    file = world.fake.add_file(csv_text.encode(), name="accounts.csv", mimetype="text/csv")
    values: dict[str, Any] = {
        "review_name": {"name": {"type": "plain_text_input", "value": name}},
        "review_channel": {"channel": {"type": "conversations_select",
                                       "selected_conversation": "C1"}},
        "review_reviewer": {"reviewer": {"type": "users_select", "selected_user": reviewer}},
        "review_control": {"control": {"type": "plain_text_input", "value": control}},
        "review_reason": {"reason": {"type": "plain_text_input", "value": reason}},
        "review_csv": {"csv": {"type": "file_input", "files": [file]}},
    }  # fmt: skip
    payload = view_submission_payload(
        callback_id="review_start_submit", values=values, user_id=user
    )
    response = world.slack.interact(payload)
    assert response.status_code == 200, response.text
    return response.json() if response.content else {}


def teams_review_form(
    world: World, role: str, *, reviewer: str, csv_text: str, control: str = "",
    reason: str = "",
) -> str:  # fmt: skip
    """Submit the Teams review-start form as `role`; everything the bot answered."""
    data = {"action_id": "review_start", "review_name": "Q3 prod access",
            "review_reviewer": reviewer, "review_control": control, "review_reason": reason,
            "review_csv": csv_text}  # fmt: skip
    world.connector.clear()
    assert world.teams_submit(data, role).status_code in (200, 201)
    return world.teams_texts()


def refusal(answer: dict[str, Any]) -> str:
    assert answer.get("response_action") == "errors", answer
    return json.dumps(answer["errors"])
