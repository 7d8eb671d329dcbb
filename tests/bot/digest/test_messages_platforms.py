"""The digest as Slack and Teams get it: the headline carries the chart and a Show details
button, no text repeats the chart, and the details (with the witness line) are one press away."""

from __future__ import annotations

import base64
import json
import re
from typing import Any

from bot.core.messages import Message
from bot.core.payload import message_from_payload, message_to_payload
from bot.digest.chart import render_digest_chart
from bot.digest.facts import Digest
from bot.digest.messages import DETAILS_ACTION, digest_details_view, digest_view
from handlers.slack.blocks import render_blocks
from handlers.teams.replies import card_activity
from tests.bot.digest.digest_sample import sample_digest
from tests.bot.digest.test_messages import signed_head
from tests.handlers.slack.blockkit import assert_blockkit_limits
from tests.handlers.teams.cardcheck import assert_valid_card, card_text, walk


def slack_texts(blocks: list[dict[str, Any]]) -> str:
    """Every text a Slack reader sees (alt texts are for screen readers, left out)."""
    texts = [str(n["text"]) for n in walk(blocks) if isinstance(n.get("text"), str)]
    return "\n".join(texts)


def slack_buttons(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [n for n in walk(blocks) if n.get("type") == "button"]


def teams(message: Message) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The card and the pictures sent with it, as the outbox sends them (after the round trip)."""
    activity = card_activity(message_from_payload(message_to_payload(message)))
    card, *pictures = activity.attachments
    assert_valid_card(card["content"])
    return card["content"], pictures


def chart_words(digest: Digest) -> list[str]:
    """What only the chart shows: each week's rate, each criterion's counts (control ids such
    as CC6.1-AR and periods such as 2026-W19 may appear: they are not the chart's data)."""
    weeks = [rf"\b{w.label}\b\s*[:·]?\s*(\d+\s*%|–)" for w in digest.trend]
    groups = [rf"\b{c.group}\b[^\n]{{0,20}}\b{c.overdue} overdue" for c in digest.criteria]
    return [*weeks, *groups, r"by criterion", r"by week"]


def headline(digest: Digest) -> Message:
    return digest_view(digest, chart=render_digest_chart(digest), ephemeral=False)


def test_teams_inlines_the_chart_under_a_headline_with_show_details() -> None:
    digest = sample_digest(witness=signed_head())
    card, pictures = teams(headline(digest))
    [picture] = pictures
    assert picture["contentType"] == "image/png"
    assert picture["contentUrl"].startswith("data:image/png;base64,")
    png = base64.b64decode(picture["contentUrl"].split(",", 1)[1])
    assert png == render_digest_chart(digest)
    [details] = [a for a in walk(card) if a.get("title") == "Show details"]
    assert details["type"] == "Action.Submit"
    assert details["data"]["action_id"] == DETAILS_ACTION
    assert details["data"]["value"] == signed_head().line
    text = card_text(card)
    assert "Readiness" in text and "Audit trail head: event 660" in text
    assert "soc2bot-head" not in text  # the token is in the button's data, not in a sentence


def test_slack_uploads_the_chart_and_shows_the_headline_with_show_details() -> None:
    message = message_from_payload(message_to_payload(headline(sample_digest())))
    [image] = message.images
    assert image.data and image.data.startswith(b"\x89PNG")  # the port uploads these bytes
    blocks = render_blocks(message)
    assert_blockkit_limits(blocks)
    [button] = [b for b in slack_buttons(blocks) if b["text"]["text"] == "Show details"]
    assert button["action_id"].startswith(DETAILS_ACTION)
    assert "Readiness" in slack_texts(blocks)


def test_no_text_of_the_headline_or_the_details_repeats_the_chart() -> None:
    digest = sample_digest(witness=signed_head())
    card, _ = teams(headline(digest))
    details_card, _ = teams(digest_details_view(digest))
    texts = {
        "teams headline": card_text(card),
        "teams details": card_text(details_card),
        "slack headline": slack_texts(render_blocks(headline(digest))),
        "slack details": slack_texts(render_blocks(digest_details_view(digest))),
    }
    for where, text in texts.items():
        repeated = [p for p in chart_words(digest) if re.search(p, text)]
        assert repeated == [], f"{where} repeats the chart: {repeated}"


def test_the_details_show_the_lists_and_the_whole_witness_line_on_both() -> None:
    head = signed_head()
    details = digest_details_view(sample_digest(witness=head))
    card, pictures = teams(details)
    blocks = render_blocks(details)
    assert_blockkit_limits(blocks)
    assert pictures == []  # the chart is in the headline only
    for text in (card_text(card), slack_texts(blocks)):
        assert "Overdue by owner" in text and "Due in the next 14 days" in text
        assert head.line in text


def test_the_headline_payload_stays_small_without_its_picture() -> None:
    digest = sample_digest(witness=signed_head())
    card, _ = teams(headline(digest))
    assert len(json.dumps(card)) < 8_000
    assert len(json.dumps(render_blocks(headline(digest)))) < 8_000
