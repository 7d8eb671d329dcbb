"""Policy and training DMs on Slack and Teams: an Open button to the document, no backticks,
and once done a title that says so, dated in the reader's timezone."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from bot.campaigns.cards import card_for
from bot.campaigns.facts import CampaignCard
from bot.campaigns.messages import ACK_ACTION, campaign_card_view
from bot.core.messages import LINK_ACTION, Message
from bot.core.plain import render_plain
from handlers.slack.blocks import render_blocks
from handlers.teams.cards import render_card
from models import Campaign, CampaignItem, CampaignKind, CampaignStatus, ItemDecision
from tests.handlers.slack.blockkit import assert_blockkit_limits
from tests.handlers.teams.cardcheck import assert_valid_card, card_text, walk

LINK = "https://intranet.acme.test/policies/aup-v3.pdf"
POLICY = CampaignCard(
    campaign_id=12, item_id=345, kind=CampaignKind.POLICY_ACK, title="Acceptable Use Policy",
    version="3", topic_slug="acceptable-use-policy",
    statement="I have read and accept Acceptable Use Policy, version 3.",
    summary="How we use company laptops, accounts and data.", link=LINK, document=None,
    due_on=dt.date(2026, 3, 20), decision=ItemDecision.PENDING, decided_on=None,
    round_status=CampaignStatus.OPEN, person="Raj Iyer",
)  # fmt: skip
TRAINING = dataclasses.replace(
    POLICY, kind=CampaignKind.TRAINING, title="Security awareness", version="FY26",
    topic_slug="security-awareness", statement="I have completed Security awareness (FY26).",
    link="https://learn.acme.test/course/42",
)  # fmt: skip
ON = dt.date(2026, 3, 10)


def accepted(card: CampaignCard = POLICY) -> CampaignCard:
    done = ItemDecision.ACKNOWLEDGED if card is POLICY else ItemDecision.COMPLETED
    return dataclasses.replace(card, decision=done, decided_on=ON)


def slack(message: Message) -> list[dict[str, Any]]:
    blocks = render_blocks(message)
    assert_blockkit_limits(blocks)
    return blocks


def teams(message: Message) -> dict[str, Any]:
    card = render_card(message)
    assert_valid_card(card)
    return card


def test_the_policy_dm_has_an_open_button_to_the_document_on_both() -> None:
    message = campaign_card_view(POLICY)
    [opened, accept] = message.buttons
    assert (opened.label, opened.url, opened.action_id) == ("Open policy", LINK, LINK_ACTION)
    assert accept.action_id == f"{ACK_ACTION}:345" and accept.style == "primary"
    links = [n for n in walk(slack(message)) if n.get("type") == "button" and "url" in n]
    assert [(b["text"]["text"], b["url"]) for b in links] == [("Open policy", LINK)]
    assert links[0]["action_id"] == LINK_ACTION  # acknowledged, and nothing more, when clicked
    opens = [a for a in walk(teams(message)) if a.get("type") == "Action.OpenUrl"]
    assert [(a["title"], a["url"]) for a in opens] == [("Open policy", LINK)]
    assert LINK not in card_text(teams(message))  # a button, not bare text


def test_the_training_dm_opens_the_training() -> None:
    message = campaign_card_view(TRAINING)
    assert [b.label for b in message.buttons] == [
        "Open training", "I have completed the training", "Attach certificate",
    ]  # fmt: skip
    opens = [a for a in walk(teams(message)) if a.get("type") == "Action.OpenUrl"]
    assert [a["url"] for a in opens] == ["https://learn.acme.test/course/42"]


def test_no_backticks_anywhere_and_the_command_to_see_it_again_reads_plainly() -> None:
    for card in (POLICY, accepted(), TRAINING, accepted(TRAINING)):
        message = campaign_card_view(card)
        assert "`" not in render_plain(message) and "`" not in card_text(teams(message))
    footer = campaign_card_view(POLICY).footer or ""
    assert footer == "Reference camp-12 · to see this again, send: ack acceptable-use-policy"


def test_after_acceptance_the_title_says_accepted_and_when_on_both() -> None:
    message = campaign_card_view(accepted())
    title = "✓ Accepted version 3 on Tue 10 Mar 2026"
    assert message.title == title and "Please read" not in render_plain(message)
    assert message.context == "Acceptable Use Policy, version 3"
    blocks = slack(message)
    assert blocks[0]["type"] == "header" and blocks[0]["text"]["text"] == title
    card = teams(message)
    assert card_text(card).splitlines()[0] == title
    assert "I have read and accept Acceptable Use Policy, version 3." in card_text(card)
    assert [b.label for b in message.buttons] == ["Open policy"]  # nothing left to accept


def test_after_training_the_title_says_completed_and_when() -> None:
    message = campaign_card_view(accepted(TRAINING))
    assert message.title == "✓ Completed on Tue 10 Mar 2026"
    assert card_text(teams(message)).splitlines()[0] == "✓ Completed on Tue 10 Mar 2026"
    assert [b.label for b in message.buttons] == ["Open training"]


def test_a_withdrawn_or_replaced_item_is_not_ticked_and_asks_nothing() -> None:
    gone = dataclasses.replace(POLICY, decision=ItemDecision.WITHDRAWN)
    replaced = dataclasses.replace(POLICY, round_status=CampaignStatus.SUPERSEDED)
    for card in (gone, replaced):
        message = campaign_card_view(card)
        assert message.title == "Acceptable Use Policy, version 3"
        assert [b.label for b in message.buttons] == ["Open policy"]


def test_the_accepted_date_is_the_readers_day() -> None:
    campaign = Campaign(
        id=12, kind=CampaignKind.POLICY_ACK, name="Acceptable Use Policy, version 3",
        version="3", topic="policy:acceptable-use-policy", status=CampaignStatus.OPEN,
        details={"title": "Acceptable Use Policy", "statement": POLICY.statement, "link": LINK},
    )  # fmt: skip
    late = dt.datetime(2026, 3, 11, 3, 30, tzinfo=dt.UTC)  # 10 Mar, 20:30 in Los Angeles
    item = CampaignItem(
        id=345, campaign_id=12, version="3", decision=ItemDecision.ACKNOWLEDGED,
        decided_at=late, subject="Raj Iyer", subject_email="raj@acme.test",
    )  # fmt: skip
    in_la = card_for(campaign, item, "Raj Iyer", zone=ZoneInfo("America/Los_Angeles"))
    in_utc = card_for(campaign, item, "Raj Iyer", zone=ZoneInfo("UTC"))
    assert campaign_card_view(in_la).title == "✓ Accepted version 3 on Tue 10 Mar 2026"
    assert campaign_card_view(in_utc).title == "✓ Accepted version 3 on Wed 11 Mar 2026"
