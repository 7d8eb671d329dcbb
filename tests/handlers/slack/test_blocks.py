"""Block Kit rendering: limits always hold, long lists page, long text splits, text is escaped."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.messages import Button, Confirm, Field, Image, ListItem, Message, Section
from bot.core.paging import MORE_ACTION_ID
from handlers.slack.blocks import (
    BLOCK_LIMITS,
    original_action_id,
    render_blocks,
    render_text,
)
from tests.handlers.slack.blockkit import assert_blockkit_limits

Blocks = list[dict[str, Any]]


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


def texts(blocks: Blocks, kind: str = "section") -> list[str]:
    return [b["text"]["text"] for b in blocks if b["type"] == kind and "text" in b]


def elements(blocks: Blocks) -> list[dict[str, Any]]:
    return [e for b in blocks if b["type"] == "actions" for e in b["elements"]]


def contexts(blocks: Blocks) -> list[str]:
    return [e["text"] for b in blocks if b["type"] == "context" for e in b["elements"]]


def all_pages(message: Message) -> list[Blocks]:
    """Follow the More button from page 0 until it disappears, as a person clicking would."""
    pages, page = [], 0
    while True:
        blocks = render_blocks(message, page=page, more_value=lambda n: f"mine p{n}")
        pages.append(blocks)
        more = [e for e in elements(blocks) if e["action_id"] == MORE_ACTION_ID]
        if not more:
            return pages
        assert more[0]["value"] == f"mine p{page + 1}"
        page += 1
        assert page < 100, "paging does not end"


def shown(blocks: Blocks, pattern: str) -> list[int]:
    return [int(m.group(1)) for t in texts(blocks) if (m := re.match(pattern, t))]


def test_a_200_task_list_pages_with_a_more_button_covering_every_task_once() -> None:
    message = Message(title="Your work (200)", items=tuple(task(n) for n in range(200)))
    pages = all_pages(message)
    seen: list[int] = []
    for blocks in pages:
        assert_blockkit_limits(blocks)
        seen += shown(blocks, r"#(\d+) ")
    assert len(pages) > 1
    assert seen == list(range(200))  # in order, no overlap, nothing lost
    assert "Showing 1–" in contexts(pages[0])[0]
    assert texts(pages[1], "header") == ["Your work (200)"]  # "page 2 of 17": context line
    assert contexts(pages[1])[0] == "Showing 13–24 of 200 · page 2 of 17"
    assert not any(e["action_id"] == MORE_ACTION_ID for e in elements(pages[-1]))


def test_a_300_account_review_pages_the_same_way_with_keep_and_revoke() -> None:
    sections = tuple(
        Section(heading=system, items=tuple(account(n) for n in range(i * 100, i * 100 + 100)))
        for i, system in enumerate(("Okta", "AWS", "GitHub"))
    )
    message = Message(
        title="Access review: Q4 prod",
        text="Keep or revoke each account. Revoked access becomes a follow-up task.",
        fields=(Field("Reviewer", "Raj Iyer"), Field("Decided", "0 of 300")),
        sections=sections,
        footer="Decisions are recorded in the audit trail.",
    )
    pages = all_pages(message)
    seen: list[int] = []
    for blocks in pages:
        assert_blockkit_limits(blocks)
        seen += shown(blocks, r"user(\d+) ")
        assert contexts(blocks)[-1] == "Decisions are recorded in the audit trail."
    assert seen == list(range(300))
    assert texts(pages[0]).count("*Okta*") == 1
    assert any(t == "*Okta* (continued)" for t in texts(pages[1]))
    assert all("Keep or revoke" not in str(p) for p in pages[1:])  # page 0 only


def test_a_paged_list_without_more_value_says_how_many_are_not_shown() -> None:
    message = Message(title="Your work", items=tuple(task(n) for n in range(200)))
    blocks = render_blocks(message)
    assert_blockkit_limits(blocks)
    count = len(shown(blocks, r"#(\d+) "))
    assert contexts(blocks)[-1] == f"Showing 1–{count} of 200; {200 - count} more not shown."
    assert not any(e["action_id"] == MORE_ACTION_ID for e in elements(blocks))


def test_a_page_beyond_the_last_shows_the_last_page() -> None:
    message = Message(items=tuple(task(n) for n in range(200)))
    last = all_pages(message)[-1]
    assert render_blocks(message, page=999, more_value=lambda n: f"mine p{n}") == last
    assert render_blocks(message, page=-3) == render_blocks(message)


def test_a_10000_char_text_is_split_into_sections_not_cut() -> None:
    lines = [f"line {n} with <angle> & ampersand " + "x" * (n % 90) for n in range(150)]
    original = "\n".join(lines) + "\n" + "&" * 4000 + "\nend"
    assert len(original) > 10_000
    blocks = render_blocks(Message(text=original))
    assert_blockkit_limits(blocks)
    assert len(blocks) > 4
    assert "".join(html.unescape(t) for t in texts(blocks)) == original
    assert all(t.endswith("\n") for t in texts(blocks)[:3])  # cut at line ends first


def test_a_single_overlong_line_is_hard_split() -> None:
    original = "word " * 2000
    blocks = render_blocks(Message(text=original))
    assert_blockkit_limits(blocks)
    assert len(blocks) == 4 and "".join(texts(blocks)) == original


def test_a_message_too_long_even_without_its_list_is_cut_and_says_so() -> None:
    message = Message(title="Huge", text="y\n" * 200_000, items=(task(1),))
    blocks = render_blocks(message, more_value=str)
    assert_blockkit_limits(blocks)
    assert len(blocks) == BLOCK_LIMITS.blocks
    assert contexts(blocks)[-1].endswith("more blocks not shown (message too long).")


def test_repeated_action_ids_become_unique_in_rendering_order() -> None:
    message = Message(items=(task(42), task(42)), buttons=(Button("Refresh", "occ_done:42"),))
    ids = [e["action_id"] for e in elements(render_blocks(message))]
    assert ids == [
        "occ_done:42",
        "occ_attach:42",
        "occ_done:42#2",
        "occ_attach:42#2",
        "occ_done:42#3",
    ]
    assert {original_action_id(i) for i in ids} == {"occ_done:42", "occ_attach:42"}


def test_a_models_page_more_id_does_not_take_the_more_buttons_id() -> None:
    items = tuple(ListItem(f"#{n}", buttons=(Button("Go", "page_more", "x"),)) for n in range(60))
    blocks = render_blocks(Message(items=items), more_value=str)
    assert_blockkit_limits(blocks)
    more = elements(blocks)[-1]
    assert (more["action_id"], more["value"]) == (MORE_ACTION_ID, "1")
    assert elements(blocks)[0]["action_id"] == "page_more#2"


def test_a_long_action_id_suffix_stays_within_255_chars() -> None:
    long_id = "a" * BLOCK_LIMITS.action_id
    message = Message(buttons=(Button("A", long_id), Button("B", long_id)))
    ids = [e["action_id"] for e in elements(render_blocks(message))]
    assert ids[1] == "a" * 253 + "#2"


def test_a_button_value_over_2000_chars_is_a_programming_error() -> None:
    message = Message(items=(ListItem("x", buttons=(Button("Go", "go", "v" * 2001),)),))
    with pytest.raises(ValueError, match="2000"):
        render_blocks(message)


def test_user_text_is_escaped_for_mrkdwn_everywhere() -> None:
    message = Message(
        title="Tom & Jerry <3",
        text="a < b && c > d <@U123>",
        fields=(Field("Owner", "Raj <raj@acme.test>"),),
        items=(ListItem("<!channel>", detail="x & y"),),
        footer="<https://evil.test|click>",
    )
    blocks = render_blocks(message)
    assert texts(blocks, "header") == ["Tom & Jerry <3"]  # plain_text is shown verbatim
    assert texts(blocks)[0] == "a &lt; b &amp;&amp; c &gt; d &lt;@U123&gt;"
    assert blocks[2]["fields"][0]["text"] == "*Owner*\nRaj &lt;raj@acme.test&gt;"
    assert texts(blocks)[1] == "&lt;!channel&gt;\n_x &amp; y_"
    assert contexts(blocks) == ["&lt;https://evil.test|click&gt;"]


def test_empty_sections_are_skipped() -> None:
    message = Message(
        sections=(Section(), Section(heading="Nothing here"), Section(heading="Tasks", text="t")),
    )
    assert texts(render_blocks(message)) == ["*Tasks*", "t"]


def test_a_confirm_dialog_renders_with_its_labels_and_style() -> None:
    button = account(7).buttons[1]
    (element,) = elements(render_blocks(Message(buttons=(button,))))
    assert element == {
        "type": "button",
        "text": {"type": "plain_text", "text": "Revoke"},
        "action_id": "review_revoke:7",
        "value": "7",
        "style": "danger",
        "confirm": {
            "title": {"type": "plain_text", "text": "Revoke access?"},
            "text": {"type": "plain_text", "text": "user7 will lose access."},
            "confirm": {"type": "plain_text", "text": "Revoke"},
            "deny": {"type": "plain_text", "text": "Cancel"},
            "style": "danger",
        },
    }


def test_long_labels_titles_and_fields_are_truncated_with_an_ellipsis() -> None:
    confirm = Confirm("t" * 200, "x" * 500, "c" * 40, "d" * 40)
    message = Message(
        title="T" * 400,
        fields=tuple(Field(f"F{n}", "v" * 2500) for n in range(23)),
        buttons=(Button("L" * 100, "b", confirm=confirm),),
    )
    blocks = render_blocks(message)
    assert_blockkit_limits(blocks)
    assert texts(blocks, "header") == ["T" * 149 + "…"]
    assert [len(b["fields"]) for b in blocks if "fields" in b] == [10, 10, 3]
    assert elements(blocks)[0]["text"]["text"].endswith("…")


def test_more_than_25_message_buttons_are_split_into_several_actions_blocks() -> None:
    message = Message(buttons=tuple(Button(str(n), f"b:{n}", str(n)) for n in range(30)))
    blocks = render_blocks(message)
    assert_blockkit_limits(blocks)
    assert [len(b["elements"]) for b in blocks] == [25, 5]


def test_only_web_images_are_rendered_and_local_paths_are_left_to_the_caller() -> None:
    images = (Image("https://charts.test/a.png", "Readiness"), Image("/tmp/b.png", "Local"))
    assert render_blocks(Message(images=images)) == [
        {"type": "image", "image_url": "https://charts.test/a.png", "alt_text": "Readiness"}
    ]


def test_a_message_that_fits_has_no_pager() -> None:
    message = Message(title="Your work (3)", items=tuple(task(n) for n in range(3)))
    blocks = render_blocks(message, more_value=str)
    assert [b["type"] for b in blocks] == ["header"] + ["section", "actions"] * 3


def test_render_text_is_the_title_and_the_first_line_within_300_chars() -> None:
    message = Message(title="Evidence recorded", text="Stored a.pdf for #42.\nSHA-256: abc")
    assert render_text(message) == "Evidence recorded — Stored a.pdf for #42."
    assert render_text(Message(text="R&D <team>")) == "R&amp;D &lt;team&gt;"
    assert len(render_text(Message(title="t" * 500))) == BLOCK_LIMITS.fallback_text
    assert render_text(Message(items=(task(1),))).startswith("#1 CC6.1")
    assert render_text(Message()) == "Message from soc2bot"


_text = st.text(alphabet=st.sampled_from("ab <>&\n*_"), max_size=400)
_opt = st.none() | _text
_ids = st.sampled_from(["x", "y:1", "z"])
_buttons = st.lists(st.builds(Button, st.text(max_size=90), _ids), max_size=4).map(tuple)
_items = st.lists(st.builds(ListItem, _text, _opt, _buttons), max_size=60).map(tuple)
_fields = st.lists(st.builds(Field, _text, _text), max_size=12).map(tuple)
_sections = st.lists(st.builds(Section, _opt, _opt, _fields, _items), max_size=3).map(tuple)
_long = st.none() | st.text(alphabet="a&\n", max_size=8000)
_messages = st.builds(Message, _opt, _long, _fields, _sections, _items, _buttons, footer=_opt)


@settings(max_examples=60, deadline=None)
@given(_messages, st.integers(min_value=0, max_value=20))
def test_any_message_on_any_page_respects_block_kit_limits(message: Message, page: int) -> None:
    assert_blockkit_limits(render_blocks(message, page=page, more_value=str))
