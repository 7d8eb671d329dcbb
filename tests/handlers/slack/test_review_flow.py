"""The access-review prompt in a channel, from the modal to completion."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from sqlmodel import select

from bot.core.db import Database
from models import Campaign, CampaignStatus, ChatMessage, Evidence, FollowUp
from tests.handlers.slack.blockkit import assert_blockkit_limits
from tests.handlers.slack.conftest import SlackScenario
from tests.handlers.slack.signing import block_action_payload, view_submission_payload

ACCOUNTS = (
    b"account,email,system,system_owner\n"
    b"alice,alice@acme.test,GitHub,ana@acme.test\n"
    b"raj,raj@acme.test,GitHub,ana@acme.test\n"
    b"old-ci-bot,,AWS,ana@acme.test\n"
)
OWNER_REASON = "Only Raj knows which GitHub roles production needs"


def db_of(slack: SlackScenario) -> Database:
    return slack.client.app.state.db  # type: ignore[attr-defined, no-any-return]


def start_review(slack: SlackScenario, csv: bytes, *, user: str = "UANA") -> dict[str, Any]:
    file = slack.fake.add_file(csv, name="accounts.csv", mimetype="text/csv")
    values = {
        "review_name": {"name": {"type": "plain_text_input", "value": "Q4 GitHub"}},
        "review_channel": {
            "channel": {"type": "conversations_select", "selected_conversation": "C42"}
        },
        "review_reviewer": {"reviewer": {"type": "users_select", "selected_user": "URAJ"}},
        "review_control": {"control": {"type": "plain_text_input", "value": "CC6.1-AR"}},
        # Raj owns CC6.1-AR: only an admin's written reason lets him review its access.
        "review_reason": {"reason": {"type": "plain_text_input", "value": OWNER_REASON}},
        "review_csv": {"csv": {"type": "file_input", "files": [file]}},
    }
    payload = view_submission_payload(
        callback_id="review_start_submit", values=values, user_id=user
    )
    response = slack.interact(payload)
    assert response.status_code == 200, response.text
    return slack.wait_for("chat.postMessage")[-1].args


def buttons(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for b in blocks if b["type"] == "actions" for e in b["elements"]]


def click(slack: SlackScenario, button: dict[str, Any], user: str, ts: str) -> None:
    payload = block_action_payload(
        action_id=button["action_id"],
        value=button.get("value", ""),
        user_id=user,
        channel_id="C42",
        message_ts=ts,
    )
    assert slack.interact(payload).status_code == 200


def button_for(blocks: list[dict[str, Any]], account: str, verb: str) -> dict[str, Any]:
    """The Keep/Revoke button of the row of `account` ("raj · GitHub")."""
    for index, block in enumerate(blocks):
        if block["type"] == "section" and account in str(block) and index + 1 < len(blocks):
            for element in blocks[index + 1].get("elements", []):
                if element["action_id"].startswith(f"review_{verb}:"):
                    return dict(element)
    raise AssertionError(f"no {verb} button for {account}")


def test_review_from_start_to_completion(slack: SlackScenario) -> None:
    slack.command("whoami", user="URAJ")
    prompt = start_review(slack, ACCOUNTS)
    assert prompt["channel"] == "C42"
    blocks = prompt["blocks"]
    assert_blockkit_limits(blocks)
    ts = _prompt_ts(slack)

    # Someone else's click does not count.
    click(slack, button_for(blocks, "alice · GitHub", "keep"), "UEVE", ts)
    assert "assigned to this item" in slack.wait_for("response_url")[-1].args["text"]

    # Raj may not decide on his own account: it went to his manager, Ana.
    click(slack, button_for(blocks, "raj · GitHub", "keep"), "URAJ", ts)
    assert "assigned to this item" in slack.wait_for("response_url", 2)[-1].args["text"]

    click(slack, button_for(blocks, "alice · GitHub", "keep"), "URAJ", ts)
    update = slack.wait_for("chat.update")[-1].args
    assert update["ts"] == ts and "1 of 3 decided" in str(update["blocks"])
    assert_blockkit_limits(update["blocks"])

    click(slack, button_for(blocks, "old-ci-bot · AWS", "revoke"), "URAJ", ts)
    click(slack, button_for(blocks, "raj · GitHub", "keep"), "UANA", ts)
    final = slack.wait_for("chat.update", 3)[-1].args
    assert "review_keep" not in str(final["blocks"])  # no buttons once complete

    with db_of(slack).session() as session:
        campaign = session.exec(select(Campaign)).one()
        follow_ups = session.exec(select(FollowUp)).all()
        decisions_csv = session.exec(
            select(Evidence).where(Evidence.campaign_id == campaign.id)
        ).one()
    assert campaign.status is CampaignStatus.COMPLETED
    assert [f.title for f in follow_ups] == ["Remove access: old-ci-bot (AWS)"]
    assert decisions_csv.media_type == "text/csv"

    # The system owner finds the follow-up in `mine` and closes it with its button.
    mine = slack.command("mine", user="UANA").json()["blocks"]
    [done] = [b for b in buttons(mine) if b["action_id"].startswith("fu_done:")]
    assert "Remove access: old-ci-bot (AWS)" in str(mine)
    payload = block_action_payload(action_id=done["action_id"], value=done["value"], user_id="UANA")
    payload["container"]["is_ephemeral"] = True
    assert slack.interact(payload).status_code == 200
    redrawn = slack.wait_for("response_url", 3)[-1].args
    assert redrawn["replace_original"] is True and "fu_done" not in str(redrawn["blocks"])
    with db_of(slack).session() as session:
        assert session.exec(select(FollowUp)).one().status == "done"


def _prompt_ts(slack: SlackScenario) -> str:
    with db_of(slack).session() as session:
        return session.exec(select(ChatMessage.message_id)).one()


def test_a_300_account_review_pages_within_block_kit_limits(
    make_scenario: Callable[..., SlackScenario],
) -> None:
    slack = make_scenario()
    rows = "".join(f"user{n},user{n}@acme.test,Okta,ana@acme.test\n" for n in range(300))
    prompt = start_review(slack, b"account,email,system,system_owner\n" + rows.encode())
    assert_blockkit_limits(prompt["blocks"])
    nxt = next(b for b in buttons(prompt["blocks"]) if b["action_id"].startswith("review_page:"))
    click(slack, nxt, "URAJ", _prompt_ts(slack))
    page2 = slack.wait_for("response_url")[-1].args  # a private page: the prompt stays
    assert page2["response_type"] == "ephemeral" and slack.fake.calls_to("chat.update") == []
    assert_blockkit_limits(page2["blocks"])
    assert "user10" in str(page2["blocks"]) and not re.search(r"\buser9\b", str(page2["blocks"]))


def test_a_bad_csv_is_reported_in_the_modal_and_nothing_starts(slack: SlackScenario) -> None:
    file = slack.fake.add_file(b"name\n\n", name="bad.csv", mimetype="text/csv")
    values = {
        "review_name": {"name": {"type": "plain_text_input", "value": "Broken"}},
        "review_channel": {
            "channel": {"type": "conversations_select", "selected_conversation": "C42"}
        },
        "review_reviewer": {"reviewer": {"type": "users_select", "selected_user": "URAJ"}},
        "review_csv": {"csv": {"type": "file_input", "files": [file]}},
    }
    payload = view_submission_payload(
        callback_id="review_start_submit", values=values, user_id="UANA"
    )
    body = slack.interact(payload).json()
    assert body["response_action"] == "errors" and "review_csv" in body["errors"]
    with db_of(slack).session() as session:
        assert session.exec(select(Campaign)).all() == []
