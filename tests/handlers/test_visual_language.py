"""One visual language on both platforms: what Slack and Teams are sent for the same message."""

from __future__ import annotations

import json
from typing import Any, cast

from slack_sdk.models.blocks import Block

from bot.chat.actions import parse_press
from bot.chat.buttons import BUTTONS
from bot.chat.presses import Call, Outcome, Press
from bot.core.messages import LINK_ACTION, Button, Field, ListItem, Message
from handlers.slack.actions import _shown
from handlers.slack.blocks import render_blocks
from handlers.slack.commands import answer
from handlers.teams.cards import render_card
from handlers.teams.replies import card_activity
from tests.handlers.slack.blockkit import assert_blockkit_limits
from tests.handlers.teams.cardcheck import assert_valid_card, walk

Blocks = list[dict[str, Any]]


def valid_blocks(blocks: Blocks) -> Blocks:
    """The blocks, once Slack's limits and the slack_sdk models both accept them."""
    assert_blockkit_limits(blocks)
    for block in Block.parse_all(blocks):
        assert block is not None
        block.validate_json()
    return blocks


def valid_card(card: dict[str, Any]) -> dict[str, Any]:
    assert_valid_card(card)
    return card


def text_blocks(card: dict[str, Any]) -> list[dict[str, Any]]:
    return [n for n in walk(card["body"]) if n.get("type") == "TextBlock"]


def test_the_context_line_is_small_and_subtle_under_the_title_on_both() -> None:
    message = Message(title="Controls", context="Northwind · 42 controls", text="Body")
    header, context, _ = valid_blocks(render_blocks(message))
    assert header["type"] == "header"
    assert context == {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": "Northwind · 42 controls"}],
    }
    title, line, _ = valid_card(render_card(message))["body"]
    assert (title["size"], line["text"]) == ("Large", "Northwind · 42 controls")
    assert line["isSubtle"] and line["size"] == "Small" and line["spacing"] == "None"


def test_a_single_newline_is_a_line_break_on_teams_and_a_blank_line_a_paragraph() -> None:
    message = Message(text="First line\nSecond line\n\nNew paragraph")
    card = valid_card(render_card(message))
    assert [(b["text"], b.get("spacing")) for b in card["body"]] == [
        ("First line", None),
        ("Second line", "None"),  # directly under the first: a line break
        ("New paragraph", None),  # the default gap: a paragraph
    ]
    assert [b["text"]["text"] for b in valid_blocks(render_blocks(message))] == [message.text]


def test_lines_of_an_item_and_of_a_fact_break_on_teams_too() -> None:
    message = Message(
        fields=(Field("Criteria", "CC6.1\nCC6.2"),), items=(ListItem("a\nb", "c\nd"),)
    )
    card = valid_card(render_card(message))
    [facts] = [n for n in walk(card) if n.get("type") == "FactSet"]
    assert facts["facts"][0]["value"] == "CC6.1\n\nCC6.2"  # paragraphs: one a line
    assert [b["text"] for b in text_blocks(card)] == ["a", "b", "c", "d"]


def test_teams_never_shows_a_backtick_and_quoted_commands_read_bold() -> None:
    message = Message(
        title="Try `mine`",
        context="`help` lists them",
        text="Type `ack acceptable-use-policy` to accept.\nA lone ` goes",
        fields=(Field("Try", "`status`"),),
        items=(ListItem("`done 177`", "or `evidence 177`", (Button("Run `x`", "b:1"),)),),
        buttons=(Button("`Open`", LINK_ACTION, url="https://example.test/p"),),
        footer="See `help`.",
    )
    card = valid_card(render_card(message))
    assert "`" not in json.dumps(card)
    assert "Type **ack acceptable-use-policy** to accept." in [b["text"] for b in text_blocks(card)]
    assert "`" not in card_activity(message).summary
    slack = json.dumps(valid_blocks(render_blocks(message)))
    assert "`ack acceptable-use-policy`" in slack  # Slack shows them as code


def test_a_link_button_opens_its_page_on_both_platforms() -> None:
    policy = Button(
        "Open policy", LINK_ACTION, url="https://docs.example.test/aup", style="primary"
    )
    message = Message(
        title="Acceptable use policy",
        items=(ListItem("Version 3", buttons=(policy,)),),
        buttons=(policy, Button("Accept", "camp_ack:1", "1", style="primary")),
    )
    blocks = valid_blocks(render_blocks(message))
    links = [e for b in blocks if b["type"] == "actions" for e in b["elements"] if "url" in e]
    assert [(e["action_id"], e["url"], "value" in e) for e in links] == [
        ("open_link", "https://docs.example.test/aup", False),
        ("open_link#2", "https://docs.example.test/aup", False),
    ]
    card = valid_card(render_card(message))
    opens = [n for n in walk(card) if n.get("type") == "Action.OpenUrl"]
    assert [(a["title"], a["url"], a["style"]) for a in opens] == [
        ("Open policy", "https://docs.example.test/aup", "positive")
    ] * 2


def test_slack_acknowledges_a_link_click_and_shows_nothing() -> None:
    press = parse_press("open_link#2")
    assert press == Press(LINK_ACTION) and not BUTTONS[LINK_ACTION].writes
    assert BUTTONS[LINK_ACTION].run(cast(Call, None)) == Outcome()
    assert _shown(cast(Any, None), press, Outcome()) == []


def test_primary_and_danger_read_the_same_on_both() -> None:
    keep, revoke = Button("Keep", "k:1", "1", "primary"), Button("Revoke", "r:1", "1", "danger")
    [actions] = valid_blocks(render_blocks(Message(buttons=(keep, revoke))))
    assert [(e["text"]["text"], e["style"]) for e in actions["elements"]] == [
        ("Keep", "primary"),
        ("Revoke", "danger"),
    ]
    card = valid_card(render_card(Message(buttons=(keep, revoke))))
    assert [(a["title"], a["style"]) for a in card["actions"]] == [
        ("Keep", "positive"),
        ("Revoke", "destructive"),
    ]


def test_the_footer_is_small_context_text_on_both() -> None:
    message = Message(title="Status", text="ok", footer="Updated hourly")
    assert valid_blocks(render_blocks(message))[-1]["type"] == "context"
    footer = valid_card(render_card(message))["body"][-1]
    assert footer["isSubtle"] and footer["size"] == "Small"


def long_list(n: int = 30) -> Message:
    items = tuple(ListItem(f"Control {i:03}", f"owner {i}") for i in range(n))
    return Message(title="Controls (30)", context="Northwind", text="All controls", items=items)


def slack_page(message: Message, page: int) -> tuple[str, list[str], dict[str, int]]:
    """The context line, the items shown, and where Previous and Next go, as Slack shows it."""
    blocks = valid_blocks(answer(message, text="controls", page=page)["blocks"])
    context = blocks[1]["elements"][0]["text"]
    shown = [b["text"]["text"].split("\n")[0] for b in blocks if b["type"] == "section"]
    nav = {
        e["text"]["text"]: json.loads(e["value"])
        for b in blocks
        if b["type"] == "actions"
        for e in b["elements"]
    }
    assert all(v["t"] == "controls" for v in nav.values())
    return (
        context,
        [s for s in shown if s.startswith("Control ")],
        {k: v["p"] for k, v in nav.items()},
    )


def teams_page(message: Message, page: int) -> tuple[str, list[str], dict[str, int]]:
    """The context line, the items shown, and where Previous and Next go, as Teams shows it."""
    card = valid_card(card_activity(message, text="controls", page=page).attachments[0]["content"])
    assert card["body"][0]["text"] == "Controls (30)"  # never "(page 2)" glued to the title
    context = card["body"][1]["text"]
    shown = [b["text"] for b in text_blocks(card) if b["text"].startswith("Control ")]
    nav = {a["title"]: a["data"] for a in card["actions"]}
    assert all(d["action_id"] == "page_more" and d["value"] == "controls" for d in nav.values())
    return context, shown, {k: d["page"] for k, d in nav.items()}


def test_a_long_list_pages_by_twelve_with_previous_and_next_the_same_on_both() -> None:
    message = long_list()
    expected = [
        ("Northwind · Showing 1–12 of 30 · page 1 of 3", range(0, 12), {"Next": 1}),
        (
            "Northwind · Showing 13–24 of 30 · page 2 of 3",
            range(12, 24),
            {"Previous": 0, "Next": 2},
        ),
        ("Northwind · Showing 25–30 of 30 · page 3 of 3", range(24, 30), {"Previous": 1}),
    ]
    for page, (context, window, nav) in enumerate(expected):
        names = [f"Control {i:03}" for i in window]
        assert slack_page(message, page) == (context, names, nav)
        assert teams_page(message, page) == (context, names, nav)


def test_a_message_that_cannot_be_paged_shows_everything_that_fits() -> None:
    message = long_list()  # a DM or a card redrawn without its command
    assert len([b for b in valid_blocks(render_blocks(message)) if b["type"] == "section"]) == 31
    card = valid_card(render_card(message))
    assert len([b for b in text_blocks(card) if b["text"].startswith("Control ")]) == 30
    assert card["actions"] == []
