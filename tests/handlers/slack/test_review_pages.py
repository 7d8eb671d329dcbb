"""The review prompt in a Slack channel: private pages, bulk keep, the pending-only filter."""

from __future__ import annotations

import json
import re
from typing import Any

from sqlmodel import select

from models import CampaignItem, ItemDecision
from tests.handlers.slack.blockkit import assert_blockkit_limits
from tests.handlers.slack.conftest import SlackScenario
from tests.handlers.slack.signing import block_action_payload
from tests.handlers.slack.test_review_flow import _prompt_ts, db_of, start_review

# 26 accounts, 3 pages of 10; Raj's own account (4th) goes to his manager, Ana.
NAMES = [*(f"user{n}" for n in range(3)), "raj", *(f"user{n}" for n in range(3, 25))]
ACCOUNTS = "account,email,system,role,last_login\n" + "".join(
    f"{a},{a}@acme.test,Okta,{'admin' if n % 5 == 0 else 'viewer'},2026-0{n % 9 + 1}-15\n"
    for n, a in enumerate(NAMES)
)


def press(
    slack: SlackScenario, button: dict[str, Any], user: str, ts: str, *, ephemeral: bool = False
) -> None:
    payload = block_action_payload(
        action_id=button["action_id"], value=button.get("value", ""), user_id=user,
        channel_id="C42", message_ts=ts,
    )  # fmt: skip
    payload["container"]["is_ephemeral"] = ephemeral
    assert slack.interact(payload).status_code == 200


def button(blocks: list[dict[str, Any]], label: str, action: str = "") -> dict[str, Any]:
    """The button labelled `label` (for an account's Keep: whose action id is `action`)."""
    for block in blocks:
        for element in block.get("elements", []) if block["type"] == "actions" else []:
            if element.get("text", {}).get("text") == label and element["action_id"].startswith(
                action
            ):
                return dict(element)
    raise AssertionError(f"no {label} button {action} in {json.dumps(blocks)[:500]}")


def item_id(slack: SlackScenario, account: str) -> int:
    with db_of(slack).session() as session:
        items = session.exec(select(CampaignItem)).all()
        return next(i.id or 0 for i in items if i.details.get("account") == account)


def decisions(slack: SlackScenario) -> dict[str, ItemDecision]:
    with db_of(slack).session() as session:
        return {str(i.details["account"]): i.decision for i in session.exec(select(CampaignItem))}


def said(call: Any) -> str:
    return json.dumps(call.args, ensure_ascii=False)


def visible(blocks: Any) -> str:
    """The blocks' text as shown, without the confirmation dialogs (shown only on a click)."""
    if isinstance(blocks, list):
        return " ".join(visible(b) for b in blocks)
    if isinstance(blocks, dict):
        return " ".join(visible(v) for k, v in blocks.items() if k != "confirm")
    return str(blocks)


def shows(blocks: Any, account: str) -> bool:
    return re.search(rf"\b{account}\b", visible(blocks)) is not None


def test_paging_is_private_and_never_changes_the_shared_prompt(slack: SlackScenario) -> None:
    slack.command("whoami", user="URAJ")
    shared = start_review(slack, ACCOUNTS.encode())["blocks"]
    assert_blockkit_limits(shared)
    text = visible(shared)
    assert "0 of 26 decided" in text and "Page 1 of 3" in text and "Previous" not in text
    assert text.count("Okta") == 1  # said once, in the context: not on every row
    assert shows(shared, "user0") and "Okta accounts" in text
    assert "admin · last active 15 Jan 2026" in text
    ts = _prompt_ts(slack)

    slack.fake.clear()
    press(slack, button(shared, "Next"), "URAJ", ts)
    page2 = slack.wait_for("response_url")[-1].args
    assert page2["response_type"] == "ephemeral" and page2["replace_original"] is False
    assert "Page 2 of 3" in said(slack.fake.calls_to("response_url")[-1])
    assert "only you see this page" in visible(page2["blocks"])
    assert shows(page2["blocks"], "user9") and not shows(page2["blocks"], "user8")
    assert_blockkit_limits(page2["blocks"])
    assert slack.fake.calls_to("chat.update") == []  # the channel's prompt is untouched

    press(slack, button(page2["blocks"], "Next"), "URAJ", ts, ephemeral=True)
    page3 = slack.wait_for("response_url", 2)[-1].args
    assert page3["replace_original"] is True and "Page 3 of 3" in json.dumps(page3["blocks"])
    press(slack, button(page3["blocks"], "Previous"), "URAJ", ts, ephemeral=True)
    back = slack.wait_for("response_url", 3)[-1].args
    assert back["replace_original"] is True and "Page 2 of 3" in json.dumps(back["blocks"])
    assert slack.fake.calls_to("chat.update") == []


def test_a_decision_on_a_private_page_redraws_it_and_the_shared_progress(
    slack: SlackScenario,
) -> None:
    slack.command("whoami", user="URAJ")
    shared = start_review(slack, ACCOUNTS.encode())["blocks"]
    ts = _prompt_ts(slack)
    press(slack, button(shared, "Next"), "URAJ", ts)
    page2 = slack.wait_for("response_url")[-1].args["blocks"]
    slack.fake.clear()
    keep = button(page2, "Keep", f"review_keep:{item_id(slack, 'user12')}")
    press(slack, keep, "URAJ", ts, ephemeral=True)

    redrawn = slack.wait_for("response_url")[-1].args
    assert redrawn["replace_original"] is True
    mine = json.dumps(redrawn["blocks"], ensure_ascii=False)
    # The reader's own page, in their timezone (Raj's Slack profile says Berlin).
    assert "✓ kept · Raj Iyer" in mine and "Europe/Berlin time (yours)" in mine
    update = slack.wait_for("chat.update")[-1].args
    assert update["ts"] == ts and update["channel"] == "C42"
    everyone = json.dumps(update["blocks"], ensure_ascii=False)
    assert "1 of 26 decided" in everyone and "UTC time (the program’s)" in everyone
    assert "Page 1 of 3" in everyone and decisions(slack)["user12"] is ItemDecision.KEEP


def test_keep_all_remaining_keeps_only_what_the_presser_may_decide(slack: SlackScenario) -> None:
    slack.command("whoami", user="URAJ")
    shared = start_review(slack, ACCOUNTS.encode())["blocks"]
    ts = _prompt_ts(slack)
    bulk = button(shared, "Keep all remaining on this page")
    assert bulk["confirm"]["confirm"]["text"] == "Keep 10"  # asked first, in a dialog

    slack.fake.clear()
    press(slack, bulk, "UEVE", ts)  # not her review: refused, nothing recorded
    assert "Sorry, " in said(slack.wait_for("response_url")[-1])
    assert set(decisions(slack).values()) == {ItemDecision.PENDING}

    slack.fake.clear()
    press(slack, bulk, "URAJ", ts)
    told = slack.wait_for("response_url")[-1].args
    assert told["response_type"] == "ephemeral"
    assert told["text"] == "Kept 9 accounts. Skipped 1: 1 assigned to another reviewer."
    after = decisions(slack)
    assert after["raj"] is ItemDecision.PENDING  # his own account stays for Ana
    assert [a for a, d in after.items() if d is ItemDecision.KEEP] == [
        *(f"user{n}" for n in range(9))
    ]
    update = json.dumps(slack.wait_for("chat.update")[-1].args["blocks"], ensure_ascii=False)
    assert "9 of 26 decided" in update and "▰▰▰▱▱▱▱▱▱▱" in update


def test_show_pending_only_is_private_and_lists_only_pending_accounts(
    slack: SlackScenario,
) -> None:
    slack.command("whoami", user="URAJ")
    shared = start_review(slack, ACCOUNTS.encode())["blocks"]
    ts = _prompt_ts(slack)
    press(slack, button(shared, "Keep", f"review_keep:{item_id(slack, 'user0')}"), "URAJ", ts)
    shared = slack.wait_for("chat.update")[-1].args["blocks"]
    assert "✓ kept · Raj Iyer" in json.dumps(shared, ensure_ascii=False)

    slack.fake.clear()
    press(slack, button(shared, "Show pending only"), "UANA", ts)  # Ana started it
    page = slack.wait_for("response_url")[-1].args
    assert page["response_type"] == "ephemeral" and page["replace_original"] is False
    assert "pending only · only you see this page" in visible(page["blocks"])
    assert not shows(page["blocks"], "user0") and shows(page["blocks"], "user9")
    assert slack.fake.calls_to("chat.update") == []
    press(slack, button(page["blocks"], "Show all accounts"), "UANA", ts, ephemeral=True)
    every = slack.wait_for("response_url", 2)[-1].args
    assert every["replace_original"] is True and shows(every["blocks"], "user0")
