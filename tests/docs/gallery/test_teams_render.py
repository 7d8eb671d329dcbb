"""Cards drawn as Teams shows them (docs/gallery): heights, Teams' markdown, library errors."""

from __future__ import annotations

from typing import Any

import pytest

from docs.gallery.teams_render import Rendered, render, render_cards, unavailable

pytestmark = pytest.mark.skipif(unavailable() is not None, reason=str(unavailable()))


def _card(*texts: str) -> dict[str, Any]:
    body = [{"type": "TextBlock", "text": text, "wrap": True} for text in texts]
    return {"type": "AdaptiveCard", "version": "1.5", "body": body}


@pytest.fixture(scope="module")
def drawn() -> dict[str, Rendered]:
    """One browser for every card of this module."""
    return render(
        {
            "one": _card("first"),
            "two": _card("first", "second"),
            "soft": _card("first\nsecond"),
            "para": _card("first\n\nsecond"),
            "bad": {"type": "AdaptiveCard", "version": "1.5", "body": [{"type": "Nope"}]},
        }
    )


def test_each_card_gets_a_png_and_a_height_that_grows_with_its_content(
    drawn: dict[str, Rendered],
) -> None:
    assert drawn["one"].png.startswith(b"\x89PNG")
    assert drawn["two"].height > drawn["one"].height > 0
    assert drawn["one"].errors == drawn["one"].warnings == ()


def test_a_single_newline_is_no_line_break_on_teams_but_a_blank_line_is(
    drawn: dict[str, Rendered],
) -> None:
    assert drawn["soft"].height == drawn["one"].height
    assert drawn["para"].height > drawn["soft"].height


def test_what_the_adaptivecards_library_finds_wrong_is_reported_as_an_error(
    drawn: dict[str, Rendered],
) -> None:
    assert [p.event for p in drawn["bad"].errors] == ["UnknownElementType"]


def test_render_cards_gives_each_cards_png_and_height() -> None:
    ((png, height),) = render_cards({"x": _card("hello")}).values()
    assert png.startswith(b"\x89PNG") and height > 0
