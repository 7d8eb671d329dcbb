"""Escaping for card markdown: whatever a person types renders as typed, with no markup."""

from __future__ import annotations

import html
import re

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from bot.core.messages import Field, ListItem, Message, Section
from handlers.teams.cards import render_card
from handlers.teams.markdown import escape_markdown
from tests.handlers.teams.cardcheck import assert_valid_card, card_text, walk

_MARKDOWN = MarkdownIt("commonmark")


def rendered(text: str) -> tuple[set[str], str]:
    """The tags CommonMark makes of `text`, and the words it shows."""
    out = _MARKDOWN.render(text)
    tags = set(re.findall(r"</?([a-z][a-z0-9]*)", out))
    return tags, " ".join(html.unescape(re.sub(r"<[^>]+>", " ", out)).split())


# Backticks and tildes are left out: code spans and fences show their text literally anyway
# (backslashes included), and Teams renders neither.
_TYPED = st.text(alphabet=st.sampled_from("ab1 *_[]()<>!#-+=.):&;\\\n/"), max_size=80)


@settings(max_examples=400, deadline=None)
@given(_TYPED)
def test_any_typed_text_renders_as_typed_without_markup(text: str) -> None:
    assume("    " not in text)  # four spaces start a code block, which is literal too
    tags, shown = rendered(escape_markdown(text))
    assert tags <= {"p", "br"}, (text, tags)
    assert shown == " ".join(text.split())


@pytest.mark.parametrize(
    ("typed", "escaped"),
    [
        ("[click](https://evil.test)", r"\[click\](https://evil.test)"),
        ("**bold** _it_", r"\*\*bold\*\* \_it\_"),
        ("<at>Ana</at>", r"\<at\>Ana\</at\>"),
        ("- a\n1. b\n# c", "\\- a\n1\\. b\n\\# c"),
        ("&lt;at&gt;", r"\&lt;at\&gt;"),
    ],
)
def test_markdown_specials_are_backslash_escaped(typed: str, escaped: str) -> None:
    assert escape_markdown(typed) == escaped


@pytest.mark.parametrize(
    "plain",
    ["#12 CC6.1 — Quarterly access review (2025-Q1)", "SOC2BOT_EXPORT_DIR", "Q&A: -5 days",
     "https://soc2.acme.test/exports/soc2-evidence_2025-01-01_2025-03-31.zip?expires=1&sig=ab"],
)  # fmt: skip
def test_everyday_text_and_the_bots_own_links_are_left_unchanged(plain: str) -> None:
    assert escape_markdown(plain) == plain


def test_every_text_of_a_card_is_escaped() -> None:
    link = "[x](https://evil.test)"
    message = Message(
        title=link, text=link, fields=(Field(link, link),), footer=link,
        sections=(Section(heading=link, text=link, fields=(Field(link, link),),
                          items=(ListItem(link, link),)),),
        items=(ListItem(link, link),),
    )  # fmt: skip
    card = render_card(message)
    assert_valid_card(card)
    texts = [str(n["text"]) for n in walk(card) if n.get("type") == "TextBlock"]
    texts += [str(f[k]) for n in walk(card) for f in n.get("facts", []) for k in ("title", "value")]
    assert len(texts) == 13 and all(rendered(t)[0] == {"p"} for t in texts), texts
    assert card_text(card).splitlines() == [link] * 13  # what a person reads
