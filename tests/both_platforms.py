"""A neutral message as people see it on both platforms: Slack blocks and the Teams card."""

from __future__ import annotations

import html
from collections.abc import Iterator
from typing import Any

from bot.core.messages import Message
from handlers.slack.blocks import render_blocks
from handlers.teams.cards import render_card
from tests.handlers.slack.blockkit import assert_blockkit_limits
from tests.handlers.teams.cardcheck import assert_valid_card, card_text

Node = dict[str, Any]


def slack_blocks(message: Message) -> list[Node]:
    """The Block Kit blocks, checked against Slack's limits."""
    blocks = render_blocks(message)
    assert_blockkit_limits(blocks)
    return blocks


def teams_card(message: Message) -> Node:
    """The Adaptive Card, checked against the 1.5 schema's shape."""
    card = render_card(message)
    assert_valid_card(card)
    return card


def _slack_texts(node: Any) -> Iterator[str]:
    if isinstance(node, list):
        for child in node:
            yield from _slack_texts(child)
    elif isinstance(node, dict):
        if isinstance(node.get("text"), str) and node.get("type") in ("mrkdwn", "plain_text"):
            yield node["text"]
        for value in node.values():
            yield from _slack_texts(value)


def slack_text(message: Message) -> str:
    """Every text Slack shows for `message`, one per line, as read (`&lt;` is `<`)."""
    return html.unescape("\n".join(_slack_texts(slack_blocks(message))))


def teams_text(message: Message) -> str:
    """Every text the Teams card shows for `message`, one per line, as read."""
    return card_text(teams_card(message))


def both(message: Message) -> dict[str, str]:
    """The text of both platforms' payloads, by platform name."""
    return {"slack": slack_text(message), "teams": teams_text(message)}
