"""The review prompt in a Teams channel: private pages in a personal chat, bulk keep, filter."""

from __future__ import annotations

import re
from typing import Any

from sqlmodel import select

from models import CampaignItem, ItemDecision
from tests.handlers.teams.cardcheck import assert_valid_card, card_text
from tests.handlers.teams.conftest import TeamsScenario
from tests.handlers.teams.test_teams_flows import actions_of
from tests.handlers.teams.test_teams_reviews import CHANNEL, click, form_submit, prompt_update

NAMES = [*(f"user{n}" for n in range(3)), "raj", *(f"user{n}" for n in range(3, 25))]
ACCOUNTS = "account,email,system,role,last_login\n" + "".join(
    f"{a},{a}@acme.test,Okta,{'admin' if n % 5 == 0 else 'viewer'},2026-0{n % 9 + 1}-15\n"
    for n, a in enumerate(NAMES)
)  # 26 accounts, 3 pages; Raj's own account (4th) goes to his manager, Ana


def start(teams: TeamsScenario) -> tuple[str, dict[str, Any]]:
    for who in ("raj", "ana", "eve"):  # each has a personal chat with the bot
        teams.say("whoami", who=who)
    card_id = form_submit(teams, ACCOUNTS)
    return card_id, prompt_update(teams, card_id)


def button(card: dict[str, Any], title: str, action: str = "") -> dict[str, Any]:
    """The data of the button titled `title` (a confirmed one: its dialog's submit)."""
    for node in card.get("actions", []) + [a for n in _nodes(card) for a in n.get("actions", [])]:
        if node.get("title") != title:
            continue
        inner = actions_of(node)
        if inner and str(inner[0]["data"]["action_id"]).startswith(action):
            return dict(inner[0]["data"])
    raise AssertionError(f"no {title} button {action}")


def _nodes(node: Any) -> list[dict[str, Any]]:
    if isinstance(node, list):
        return [d for child in node for d in _nodes(child)]
    if isinstance(node, dict):
        return [node, *(d for value in node.values() for d in _nodes(value))]
    return []


def item_id(teams: TeamsScenario, account: str) -> int:
    with teams.db.session() as session:
        items = session.exec(select(CampaignItem)).all()
        return next(i.id or 0 for i in items if i.details.get("account") == account)


def decisions(teams: TeamsScenario) -> dict[str, ItemDecision]:
    with teams.db.session() as session:
        return {str(i.details["account"]): i.decision for i in session.exec(select(CampaignItem))}


def private(teams: TeamsScenario, who: str) -> tuple[str, dict[str, Any]]:
    """The last card sent or updated in `who`'s personal chat, and its activity id."""
    calls = [
        c
        for c in teams.connector.calls
        if c.path.startswith(f"/v3/conversations/a:personal-{who}/activities") and c.body
    ]
    assert calls, f"nothing was sent to {who}'s personal chat"
    body = calls[-1].body or {}
    card = dict(body["attachments"][0]["content"])
    assert_valid_card(card)
    activity_id = body.get("id") or teams.connector.issued_ids[-1]
    return str(activity_id), card


def visible(card: Any) -> Any:
    """The card without its confirmation dialogs (shown only once their button is pressed)."""
    if isinstance(card, list):
        return [visible(c) for c in card]
    if isinstance(card, dict):
        return {k: visible(v) for k, v in card.items() if k != "card"}
    return card


def shows(card: dict[str, Any], account: str) -> bool:
    return re.search(rf"\b{account}\b", card_text(visible(card))) is not None


def channel_puts(teams: TeamsScenario) -> list[Any]:
    return teams.connector.calls_to("PUT", f"/v3/conversations/{CHANNEL}/")


def test_paging_is_private_in_a_personal_chat_and_the_shared_card_stays(
    teams: TeamsScenario,
) -> None:
    card_id, shared = start(teams)
    text = card_text(visible(shared))
    assert "0 of 26 decided" in text and "Page 1 of 3" in text and text.count("Okta") == 1
    assert "Okta accounts" in text and "admin · last active 15 Jan 2026" in text

    teams.connector.clear()
    click(teams, button(shared, "Next"), "raj", card_id)
    assert channel_puts(teams) == []  # nobody else's prompt changed
    page_id, page2 = private(teams, "raj")
    assert "Page 2 of 3" in card_text(page2) and "only you see this page" in card_text(page2)
    assert shows(page2, "user9") and not shows(page2, "user8")

    teams.submit(button(page2, "Next"), who="raj", reply_to_id=page_id)  # in the personal chat
    puts = teams.connector.calls_to("PUT", f"/v3/conversations/a:personal-raj/activities/{page_id}")
    assert puts and "Page 3 of 3" in card_text(puts[-1].body["attachments"][0]["content"])
    assert channel_puts(teams) == []


def test_a_decision_on_a_private_page_redraws_it_and_the_shared_progress(
    teams: TeamsScenario,
) -> None:
    card_id, shared = start(teams)
    click(teams, button(shared, "Next"), "raj", card_id)
    page_id, page2 = private(teams, "raj")
    teams.connector.clear()
    keep = button(page2, "Keep", f"review_keep:{item_id(teams, 'user12')}")
    teams.submit(keep, who="raj", reply_to_id=page_id)

    _, redrawn = private(teams, "raj")
    assert "✓ kept · Raj Iyer" in card_text(redrawn) and "Page 2 of 3" in card_text(redrawn)
    everyone = prompt_update(teams, card_id)  # the shared card, by its remembered id
    assert "1 of 26 decided" in card_text(everyone) and "Page 1 of 3" in card_text(everyone)
    assert decisions(teams)["user12"] is ItemDecision.KEEP


def test_keep_all_remaining_asks_first_and_keeps_only_what_the_presser_may(
    teams: TeamsScenario,
) -> None:
    card_id, shared = start(teams)
    [dialog] = [a for a in shared["actions"] if a["title"] == "Keep all remaining on this page"]
    assert dialog["type"] == "Action.ShowCard"  # the confirmation, before anything is kept
    bulk = button(shared, "Keep all remaining on this page", "review_keep_page:")

    teams.connector.clear()
    click(teams, bulk, "eve", card_id)  # not her review: refused, nothing recorded
    assert "Sorry, " in teams.last_text() and channel_puts(teams) == []
    assert set(decisions(teams).values()) == {ItemDecision.PENDING}

    click(teams, bulk, "raj", card_id)
    assert teams.last_text() == "Kept 9 accounts. Skipped 1: 1 assigned to another reviewer."
    after = decisions(teams)
    assert after["raj"] is ItemDecision.PENDING  # his own account stays for Ana
    assert [a for a, d in after.items() if d is ItemDecision.KEEP] == [f"user{n}" for n in range(9)]
    assert "9 of 26 decided" in card_text(prompt_update(teams, card_id))


def test_show_pending_only_is_private_and_lists_only_pending_accounts(
    teams: TeamsScenario,
) -> None:
    card_id, shared = start(teams)
    click(teams, button(shared, "Keep", f"review_keep:{item_id(teams, 'user0')}"), "raj", card_id)
    shared = prompt_update(teams, card_id)
    assert "✓ kept · Raj Iyer" in card_text(shared)

    teams.connector.clear()
    click(teams, button(shared, "Show pending only"), "ana", card_id)  # Ana started it
    assert channel_puts(teams) == []
    _, pending = private(teams, "ana")
    assert "pending only · only you see this page" in card_text(pending)
    assert not shows(pending, "user0") and shows(pending, "user9")
