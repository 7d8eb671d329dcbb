"""Adaptive Card rendering: valid 1.5 cards, under Teams' size limit, paged, never cut silently."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.messages import Button, Confirm, Field, Image, ListItem, Message, Section
from handlers.teams.attachments import CONTENT_TYPE, card_attachment, fallback_text
from handlers.teams.cards import MAX_CARD_BYTES, render_card
from tests.handlers.teams.cardcheck import (
    all_pages,
    assert_valid_card,
    card_bytes,
    card_text,
    more,
    same_facts,
    walk,
)

Card = dict[str, Any]


def task(n: int) -> ListItem:
    """An item shaped like a `mine` line: mark done (with a confirm) and attach evidence."""
    confirm = Confirm("Confirm this work was done", f"I confirm task {n} was performed.")
    return ListItem(
        text=f"#{n} CC6.1 — Quarterly access review (2025-Q{n % 4 + 1})",
        detail=f"open · due Mon 0{n % 9 + 1} Jun 2025 · Raj Iyer",
        buttons=(
            Button("Mark done", f"occ_done:{n}", str(n), style="primary", confirm=confirm),
            Button("Attach evidence", f"occ_attach:{n}", str(n)),
        ),
    )


def account(n: int) -> ListItem:
    """An item shaped like an access-review row: Keep or Revoke (with a confirm)."""
    confirm = Confirm("Revoke access?", f"user{n} will lose access.", "Revoke")
    return ListItem(
        text=f"user{n} <user{n}@acme.test>",
        detail="Okta · owner ana@acme.test",
        buttons=(
            Button("Keep", f"review_keep:{n}", str(n), style="primary"),
            Button("Revoke", f"review_revoke:{n}", str(n), style="danger", confirm=confirm),
        ),
    )


def status_message() -> Message:
    return Message(
        title="SOC 2 status — Acme (Mon 02 Jun 2025)",
        fields=(Field("Readiness", "80% (8 of 10 controls)"), Field("Overdue", "2")),
        sections=(
            Section(heading="By criterion", items=(ListItem("CC6: 4 controls · 1 open"),)),
            Section(heading="Overdue", text="Late work first.", items=(task(1), task(2))),
        ),
        footer="3 controls are owned by placeholder people.",
    )


def shown(card: Card, pattern: str) -> list[int]:
    blocks = [d for d in walk(card["body"]) if d.get("type") == "TextBlock"]
    return [int(m.group(1)) for b in blocks if (m := re.match(pattern, b["text"]))]


def test_a_status_message_has_a_title_facts_sections_and_a_footer() -> None:
    card = render_card(status_message())
    assert_valid_card(card)
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.5"
    assert card["$schema"] == "http://adaptivecards.io/schemas/adaptive-card.json"
    title = card["body"][0]
    assert title["size"] == "Large" and title["weight"] == "Bolder" and title["wrap"]
    assert title["text"].startswith("SOC 2 status")
    [facts] = [d for d in card["body"] if d["type"] == "FactSet"]
    assert facts["facts"][0] == {"title": "Readiness", "value": "80% (8 of 10 controls)"}
    containers = [d for d in card["body"] if d["type"] == "Container"]
    assert [c["items"][0]["text"] for c in containers] == ["By criterion", "Overdue"]
    footer = card["body"][-1]
    assert footer["isSubtle"] and footer["size"] == "Small" and "placeholder" in footer["text"]
    assert card["actions"] == [] and card["fallbackText"].startswith("SOC 2 status")


def test_an_items_detail_is_subtle_and_its_buttons_sit_in_an_action_set() -> None:
    item = render_card(Message(items=(task(7),)))["body"][0]
    text, detail, action_set = item["items"]
    assert text["text"].startswith("#7") and detail["isSubtle"] and detail["spacing"] == "Small"
    done, attach = action_set["actions"]
    assert (done["type"], done["style"]) == ("Action.ShowCard", "positive")
    assert attach == {
        "type": "Action.Submit",
        "title": "Attach evidence",
        "data": {"action_id": "occ_attach:7", "value": "7"},
    }


def test_a_200_task_list_pages_with_more_covering_every_task_once() -> None:
    pages = all_pages(Message(title="Your work (200)", items=tuple(task(n) for n in range(200))))
    seen = [shown(card, r"#(\d+) ") for card in pages]
    assert all(card_bytes(card) <= MAX_CARD_BYTES for card in pages)
    assert len(pages) > 1 and sorted(n for page in seen for n in page) == list(range(200))
    assert len({len(page) for page in seen[:-1]}) == 1  # a stable page size
    first = seen[0]
    assert f"Showing 1–{len(first)} of 200" in card_text(pages[0])
    assert f"Showing {len(first) + 1}–{2 * len(first)} of 200" in card_text(pages[1])
    assert pages[1]["body"][0]["text"] == "Your work (200)"  # the page is in the context line
    assert pages[1]["body"][1]["text"] == "Showing 13–24 of 200 · page 2 of 17"


def test_a_300_account_review_pages_and_keeps_its_buttons_on_the_first_page() -> None:
    nav = Button("Next page", "review_page:3:1", "3:1")
    message = Message(
        title="Access review: Q2",
        text="0 of 300 decided",
        items=tuple(account(n) for n in range(300)),
        buttons=(nav,),
    )
    pages = all_pages(message)
    seen = [n for card in pages for n in shown(card, r"user(\d+) \\<")]  # `<` escaped
    assert all(card_bytes(card) <= MAX_CARD_BYTES for card in pages)
    assert len(pages) > 1 and sorted(seen) == list(range(300)) and len(set(seen)) == 300
    assert pages[0]["actions"][0]["data"] == {"action_id": "review_page:3:1", "value": "3:1"}
    assert [a["title"] for a in pages[1]["actions"]] == ["Previous", "Next"]
    revoke = [d for d in walk(pages[0]) if d.get("title") == "Revoke"]
    assert revoke and all(d["style"] == "destructive" for d in revoke)


def test_a_paged_list_without_more_data_says_how_many_are_not_shown() -> None:
    card = render_card(Message(items=tuple(task(n) for n in range(200))))
    assert_valid_card(card)
    assert card["actions"] == []
    assert re.search(r"Showing 1–\d+ of 200; \d+ more not shown\.", card_text(card))


def test_a_page_beyond_the_last_shows_the_last_page() -> None:
    message = Message(items=tuple(task(n) for n in range(200)))
    last = all_pages(message)[-1]
    assert render_card(message, page=999, more_data=more) == last


def test_a_confirm_button_becomes_a_show_card_carrying_the_statement() -> None:
    statement = "I confirm the Q2 access review was performed."
    confirm = Confirm("Confirm this work was done", statement, confirm_label="Yes, confirm")
    button = Button("Mark done", "occ_done:42", "42", style="primary", confirm=confirm)
    card = render_card(Message(text="One task", buttons=(button,)))
    assert_valid_card(card)
    [show] = card["actions"]
    assert show["type"] == "Action.ShowCard" and show["title"] == "Mark done"
    inner = show["card"]
    assert "Confirm this work was done" in card_text(inner) and statement in card_text(inner)
    [submit] = inner["actions"]
    assert submit["type"] == "Action.Submit" and submit["title"] == "Yes, confirm"
    assert submit["data"] == {
        "action_id": "occ_done:42",
        "value": "42",
        "confirmed": True,
        "statement": statement,
    }


def test_a_10000_char_text_splits_into_blocks_that_join_to_the_original() -> None:
    text = "\n".join(f"Line {n}: " + "evidence " * 10 for n in range(110))[:10_000]
    text += "x" * (10_000 - len(text))
    card = render_card(Message(text=text))
    assert_valid_card(card)
    blocks = [b["text"] for b in card["body"] if b["type"] == "TextBlock"]
    assert len(blocks) >= 5 and all(len(b) <= 2000 for b in blocks)
    assert all(b["wrap"] for b in card["body"])
    assert "\n".join(blocks) == text  # a line each: a newline shows as a line break


def test_a_single_overlong_line_is_hard_split() -> None:
    card = render_card(Message(text="a" * 4500))
    assert [len(b["text"]) for b in card["body"]] == [2000, 2000, 500]


def test_text_too_big_for_any_card_is_cut_with_an_explicit_marker() -> None:
    text = "word " * 20_000
    card = render_card(Message(title="Huge", text=text, items=(task(1),)), more_data=more)
    assert_valid_card(card)
    assert card_bytes(card) <= MAX_CARD_BYTES
    joined = "".join(b["text"] for b in card["body"][1:] if b["type"] == "TextBlock")
    head, marker = joined.split("…")
    assert text.startswith(head)
    assert marker == f" ({len(text) - len(head)} more characters not shown)"
    assert "#1 CC6.1" in card_text(card)  # the list still gets its room


def test_huge_fields_are_cut_and_the_card_still_fits() -> None:
    fields = tuple(Field(f"Field {n}", "v" * 3000) for n in range(40))
    card = render_card(Message(title="Many fields", fields=fields, footer="end"))
    assert_valid_card(card)
    assert card_bytes(card) <= MAX_CARD_BYTES
    assert "more characters not shown" in card_text(card)


def test_only_web_images_are_rendered() -> None:
    images = (Image("https://x.test/c.png", "chart"), Image("/tmp/c.png", "local chart"))
    card = render_card(Message(text="Charts", images=images))
    assert_valid_card(card)
    assert [d for d in card["body"] if d["type"] == "Image"] == [
        {"type": "Image", "url": "https://x.test/c.png", "altText": "chart"}
    ]


def test_empty_sections_are_skipped_and_an_empty_message_is_still_valid() -> None:
    card = render_card(Message(sections=(Section(heading="Nothing"),)))
    assert_valid_card(card)
    assert "Nothing" not in card_text(card)


def test_the_teams_card_has_the_same_facts_as_the_plain_render() -> None:
    same_facts(status_message())
    same_facts(Message(title="Your work (200)", items=tuple(task(n) for n in range(200))))


def test_fallback_text_is_the_title_and_first_line_within_300_chars() -> None:
    assert fallback_text(Message(title="Status", text="Line one\nLine two")) == (
        "Status — Line one"
    )
    assert fallback_text(Message(items=(ListItem("only an item"),))) == "only an item"
    assert fallback_text(Message()) == "Message from soc2bot"
    long = fallback_text(Message(title="t" * 1000))
    assert len(long) == 300 and long.endswith("…")


def test_card_attachment_wraps_the_card_with_the_adaptive_content_type() -> None:
    card = render_card(Message(text="hi"))
    assert card_attachment(card) == {"contentType": CONTENT_TYPE, "content": card}
    assert CONTENT_TYPE == "application/vnd.microsoft.card.adaptive"
    json.dumps(card_attachment(card))


def valid() -> Card:
    return render_card(Message(title="ok", text="fine", buttons=(Button("Go", "go:1", "1"),)))


@pytest.mark.parametrize(
    ("break_it", "reason"),
    [
        (lambda c: c["body"].append({"type": "Carousel"}), "unknown element type"),
        (lambda c: c["body"][0].pop("text"), "text must be a non-empty string"),
        (lambda c: c["body"][0].update(text=""), "text must be a non-empty string"),
        (lambda c: c.update(version="1.6"), "version"),
        (lambda c: c.update(extra=1), "unknown card keys"),
        (lambda c: c["actions"][0].update(type="Action.Popup"), "unknown action type"),
        (lambda c: c["actions"][0].update(data="go:1"), "data must be a JSON object"),
        (lambda c: c["actions"][0].pop("title"), "title"),
        (lambda c: c["body"].append({"type": "FactSet", "facts": [{"title": 1}]}), "title"),
        (lambda c: c["body"].append({"type": "Image"}), "url"),
        (lambda c: c["body"].append({"type": "Container"}), "items must be a list"),
        (lambda c: c["body"].append({"type": "ActionSet"}), "actions must be a list"),
        (lambda c: c["actions"].append({"type": "Action.OpenUrl", "title": "x"}), "url"),
        (
            lambda c: c["actions"].append({"type": "Action.ShowCard", "title": "x", "card": {}}),
            "type must be AdaptiveCard",
        ),
        (lambda c: c["body"].append({"type": "TextBlock", "text": "x" * 30_000}), "bytes"),
    ],
)
def test_the_validator_rejects_invalid_cards(break_it: Any, reason: str) -> None:
    card = valid()
    assert_valid_card(card)
    break_it(card)
    with pytest.raises(AssertionError, match=reason):
        assert_valid_card(card)


_text = st.text(alphabet=st.sampled_from("ab <>&\n*_—"), max_size=400)
_opt = st.none() | _text
_ids = st.sampled_from(["x", "y:1", "z"])
_buttons = st.lists(st.builds(Button, st.text(max_size=90), _ids), max_size=4).map(tuple)
_items = st.lists(st.builds(ListItem, _text, _opt, _buttons), max_size=60).map(tuple)
_fields = st.lists(st.builds(Field, _text, _text), max_size=12).map(tuple)
_sections = st.lists(st.builds(Section, _opt, _opt, _fields, _items), max_size=3).map(tuple)
_long = st.none() | st.text(alphabet="a&\n—", max_size=30_000)
_messages = st.builds(Message, _opt, _long, _fields, _sections, _items, _buttons, footer=_opt)


@settings(max_examples=60, deadline=None)
@given(_messages, st.integers(min_value=0, max_value=20))
def test_any_message_on_any_page_is_a_valid_card_within_the_size_limit(
    message: Message, page: int
) -> None:
    card = render_card(message, page=page, more_data=more)
    assert_valid_card(card)
    assert card_bytes(card) <= MAX_CARD_BYTES
