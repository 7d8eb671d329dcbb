"""Text from people made safe to show (control characters) and to search (LIKE); shares."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from bot.core.errors import Conflict
from bot.core.messages import Button, Confirm, Field, Image, ListItem, Message, Section
from bot.core.payload import message_from_payload, message_to_payload
from bot.core.plain import render_plain
from bot.core.text import like_contains, printable, progress_text, share

CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
RED = "\x1b[31mred\x1b[0m"
LINK = "\x1b]8;;https://evil.test\x07click\x1b]8;;\x07"


def test_escape_sequences_are_shown_as_visible_escapes() -> None:
    assert printable(RED) == "\\x1b[31mred\\x1b[0m"
    assert printable(LINK) == "\\x1b]8;;https://evil.test\\x07click\\x1b]8;;\\x07"
    assert printable("bell\x07 del\x7f csi\x9b nul\x00") == "bell\\x07 del\\x7f csi\\x9b nul\\x00"


def test_tabs_and_line_breaks_stay_and_a_lone_carriage_return_is_shown() -> None:
    assert printable("a\tb\nc") == "a\tb\nc"
    assert printable("one\r\ntwo") == "one\ntwo"
    assert printable("progress 10%\roverwritten") == "progress 10%\\x0doverwritten"


def test_ordinary_text_is_returned_as_it_is() -> None:
    text = "Ana Ruiz — “Quarterly review” ✓ 日本語"
    assert printable(text) is text


@given(st.text(max_size=200))
def test_printable_text_has_no_control_character_and_is_stable(text: str) -> None:
    shown = printable(text)
    assert not CONTROL.search(shown)
    assert printable(shown) == shown


def test_every_text_of_the_model_is_printable_but_button_ids_and_values_are_data() -> None:
    button = Button(RED, "occ_done:1", "v\x1b", confirm=Confirm(RED, RED, RED, RED))
    message = Message(
        title=RED,
        text=LINK,
        fields=(Field(RED, RED),),
        sections=(Section(RED, RED, items=(ListItem(RED, RED),)),),
        items=(ListItem(RED, RED, (button,)),),
        buttons=(button,),
        images=(Image("chart.png", RED),),
        footer=RED,
    )
    payload = str(message_to_payload(message)).replace("'v\\x1b'", "")
    assert "\x1b" not in payload and "\\x1b[31m" in payload
    assert message.buttons[0].value == "v\x1b"  # read back by the bot, never shown
    assert not CONTROL.search(render_plain(message))
    assert message_from_payload(message_to_payload(message)) == message


def test_the_plain_renderer_shows_a_stored_name_with_an_escape_code_visibly() -> None:
    out = render_plain(Message(title="Owner", items=(ListItem(f"Raj {RED}"),)))
    assert "Raj \\x1b[31mred\\x1b[0m" in out and "\x1b" not in out


def test_an_error_quoting_a_stored_name_prints_it_visibly() -> None:
    error = Conflict(f"“{RED}” is already done.", usage=f"done {RED}")
    assert not CONTROL.search(error.user_text()) and "\\x1b[31m" in error.message


def test_like_patterns_take_wildcards_and_the_escape_literally() -> None:
    assert like_contains("access") == "%access%"
    assert like_contains("_") == "%\\_%"
    assert like_contains("100%") == "%100\\%%"
    assert like_contains("a\\b") == "%a\\\\b%"


def test_an_empty_count_is_no_percentage() -> None:
    assert share(0, 0) is None and share(1, 4) == 25.0 and share(0, 3) == 0.0
    assert progress_text(41, 50, "accepted") == "41 of 50 accepted (82%)"
    assert progress_text(0, 0, "accepted") == "no one enrolled"
    assert progress_text(2, 2) == "2 of 2 (100%)"
