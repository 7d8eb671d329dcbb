"""The access-review flow in a Teams channel: form, prompt, decisions, completion, follow-ups."""

from __future__ import annotations

import re
from typing import Any

from sqlmodel import select

from models import Campaign, CampaignStatus, Evidence, FollowUp
from tests.handlers.teams.cardcheck import assert_valid_card, card_text, walk
from tests.handlers.teams.conftest import TeamsScenario
from tests.handlers.teams.test_teams_flows import actions_of

CHANNEL = "19:soc2-reviews@thread.tacv2"
ACCOUNTS = (
    "account,email,system,system_owner\n"
    "alice,alice@acme.test,GitHub,ana@acme.test\n"
    "raj,raj@acme.test,GitHub,ana@acme.test\n"
    "old-ci-bot,,AWS,ana@acme.test\n"
)
IN_CHANNEL = {"conversation_id": CHANNEL, "conversation_type": "channel"}


def in_channel(teams: TeamsScenario, text: str, who: str) -> None:
    response = teams.say(text, who=who, mention_bot=True, **IN_CHANNEL)
    assert response.status_code in (200, 201), response.text


def click(teams: TeamsScenario, data: dict[str, Any], who: str, card_id: str) -> None:
    response = teams.submit(data, who=who, reply_to_id=card_id, **IN_CHANNEL)
    assert response.status_code in (200, 201), response.text


def form_submit(teams: TeamsScenario, csv: str, who: str = "ana") -> str:
    """Ask for the form in the channel, fill it in, submit it; returns the form's activity id."""
    teams.connector.clear()
    in_channel(teams, "review start Q4 GitHub reviewer raj@acme.test", who)
    form = teams.last_card()
    assert_valid_card(form)
    inputs = {e["id"]: e for e in form["body"] if e["type"] == "Input.Text"}
    assert inputs["review_name"]["value"] == "Q4 GitHub"
    assert inputs["review_reviewer"]["value"] == "raj@acme.test"
    assert len(teams.connector.calls_to("POST", f"/v3/conversations/{CHANNEL}")) == 1
    form_id = teams.connector.issued_ids[-1]  # the id Teams gave the form's activity
    data = {
        "action_id": "review_start",
        "review_name": "Q4 GitHub",
        "review_reviewer": "raj@acme.test",
        "review_control": "CC6.1-AR",
        # Raj owns CC6.1-AR: only an admin's written reason lets him review its access.
        "review_reason": "Only Raj knows which GitHub roles production needs",
        "review_csv": csv,
    }
    teams.connector.clear()
    click(teams, data, who, form_id)
    return form_id


def prompt_update(teams: TeamsScenario, card_id: str) -> dict[str, Any]:
    """The last in-place update of the review prompt (a PUT to its activity)."""
    puts = teams.connector.calls_to("PUT", f"/v3/conversations/{CHANNEL}/activities/{card_id}")
    assert puts, "the prompt was not updated in place"
    body = puts[-1].body or {}
    card = dict(body["attachments"][0]["content"])
    assert_valid_card(card)
    return card


def decision(card: dict[str, Any], account: str, verb: str) -> dict[str, Any]:
    """The Keep/Revoke button data of the row that names `account` ("raj · GitHub")."""
    for node in walk(card["body"]):
        if node.get("type") in ("Container", "ColumnSet") and account in card_text(node):
            found = [
                a for a in actions_of(node) if a["data"]["action_id"].startswith(f"review_{verb}:")
            ]
            if len(found) == 1:
                return dict(found[0]["data"])
    raise AssertionError(f"no {verb} button for {account}")


def test_review_in_a_channel_from_form_to_completion(teams: TeamsScenario) -> None:
    teams.say("whoami", who="raj")
    card_id = form_submit(teams, ACCOUNTS)
    prompt = prompt_update(teams, card_id)  # the form became the prompt
    assert "Q4 GitHub" in card_text(prompt) and "0 of 3 decided" in card_text(prompt)

    # Someone else's click does not count, and changes nothing.
    click(teams, decision(prompt, "alice · GitHub", "keep"), "eve", card_id)
    assert "assigned to this item" in teams.last_text()
    # Raj may not decide on his own account: it went to his manager, Ana.
    click(teams, decision(prompt, "raj · GitHub", "keep"), "raj", card_id)
    assert "assigned to this item" in teams.last_text()

    click(teams, decision(prompt, "alice · GitHub", "keep"), "raj", card_id)
    assert "1 of 3 decided" in card_text(prompt_update(teams, card_id))
    click(teams, decision(prompt, "old-ci-bot · AWS", "revoke"), "raj", card_id)
    click(teams, decision(prompt, "raj · GitHub", "keep"), "ana", card_id)
    final = prompt_update(teams, card_id)
    assert "review_keep" not in str(final)  # no buttons once complete

    with teams.db.session() as session:
        campaign = session.exec(select(Campaign)).one()
        follow_ups = session.exec(select(FollowUp)).all()
        csv = session.exec(select(Evidence).where(Evidence.campaign_id == campaign.id)).one()
    assert campaign.status is CampaignStatus.COMPLETED and campaign.channel == CHANNEL
    assert [f.title for f in follow_ups] == ["Remove access: old-ci-bot (AWS)"]
    assert csv.media_type == "text/csv" and csv.platform == "teams"

    # The system owner sees the follow-up in `mine` and closes it with its button.
    teams.say("mine", who="ana")
    mine = teams.last_card()
    [done] = [a["data"] for a in actions_of(mine) if a["data"]["action_id"].startswith("fu_done:")]
    teams.submit(done, who="ana", reply_to_id="mine-card")
    with teams.db.session() as session:
        assert session.exec(select(FollowUp)).one().status == "done"


def test_a_member_cannot_start_a_review_and_nothing_is_created(teams: TeamsScenario) -> None:
    form_submit(teams, ACCOUNTS, who="eve")
    assert "admin" in teams.last_text().lower() or "not allowed" in teams.last_text().lower()
    with teams.db.session() as session:
        assert session.exec(select(Campaign)).all() == []


def test_a_bad_csv_is_reported_and_nothing_starts(teams: TeamsScenario) -> None:
    form_submit(teams, "name\n\n")
    assert "account" in teams.last_text().lower()
    with teams.db.session() as session:
        assert session.exec(select(Campaign)).all() == []


def test_a_300_account_review_pages_within_the_card_limits(teams: TeamsScenario) -> None:
    rows = "".join(f"user{n},user{n}@acme.test,Okta,ana@acme.test\n" for n in range(300))
    card_id = form_submit(teams, "account,email,system,system_owner\n" + rows)
    prompt = prompt_update(teams, card_id)
    nxt = next(
        a["data"] for a in actions_of(prompt) if a["data"]["action_id"].startswith("review_page:")
    )
    teams.connector.clear()
    click(teams, nxt, "raj", card_id)  # a private page, in Raj's personal chat
    assert teams.connector.calls_to("PUT") == []  # the shared prompt stays as it is
    page2 = teams.last_card()
    assert "user10" in card_text(page2) and not re.search(r"\buser9\b", card_text(page2))
