"""Every kind of message in the gallery (docs/gallery/build.py KINDS), as both platforms get it.

No backticks or Python reprs reach a Teams reader; every paged answer pages by at most 12
items with Previous and Next and says "page N of M", the same pages on Slack and Teams.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.demo.clock import audit_clock
from docs.gallery.build import KINDS
from docs.gallery.seeding import build_world
from docs.gallery.world import NOW, Shown
from handlers.slack.commands import answer
from handlers.teams.replies import card_activity
from tests.handlers.slack.blockkit import assert_blockkit_limits
from tests.handlers.teams.cardcheck import assert_valid_card, walk

Card = dict[str, Any]
# Python's own spelling of values: `True`, `None`, `['CC6.1']`, `{'on_time': …}`, `()`.
REPR = re.compile(r"\b(?:True|False|None)\b|\[\s*['\"\d\[]|\{\s*['\"]|\(\)|\[\]|\{\}")
PAGE = re.compile(r"Showing (\d+)–(\d+) of (\d+) · page (\d+) of (\d+)")
PAGERS = ("Previous", "Next")


@pytest.fixture(scope="module")
def shown(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Shown]:
    """Each kind of message, made by the code path that shows it, from the demo world."""
    with pytest.MonkeyPatch.context() as patch, audit_clock(NOW):
        patch.setenv("SOC2BOT_SIGNING_KEY", "0" * 64)  # build_world sets it: undone after
        world = build_world(Path(tmp_path_factory.mktemp("gallery")))
        return {name: make(world) for name, _, make in KINDS}


def teams_texts(card: Card) -> Iterator[str]:
    """Everything a Teams reader may see: texts, facts, button titles and the summary."""
    yield str(card.get("fallbackText", ""))
    for node in walk(card):
        if node.get("type") == "TextBlock":
            yield str(node["text"])
        if str(node.get("type", "")).startswith("Action."):
            yield str(node["title"])
        for fact in node.get("facts", []) if node.get("type") == "FactSet" else []:
            yield from (str(fact["title"]), str(fact["value"]))


def cards(shown: Shown) -> Iterator[Card]:
    """Every page of the message's card, as a person following Next would see it."""
    page = 0
    while True:
        card = card_activity(shown.message, text=shown.command, page=page).attachments[0]["content"]
        assert_valid_card(card)
        yield card
        if "Next" not in teams_page(card)[1]:
            return
        page += 1
        assert page < 50, "paging does not end"


def test_no_teams_text_has_a_backtick_or_a_python_repr(shown: dict[str, Shown]) -> None:
    problems = [
        f"{name}: {text!r}"
        for name, kind in shown.items()
        for card in cards(kind)
        for text in teams_texts(card)
        if "`" in text or REPR.search(text)
    ]
    assert not problems, "\n".join(problems)


def slack_page(kind: Shown, page: int) -> tuple[str, dict[str, int]]:
    """The page line and where Previous and Next go (Slack)."""
    blocks = answer(kind.message, text=kind.command, page=page)["blocks"]
    assert_blockkit_limits(blocks)
    lines = [e["text"] for b in blocks if b["type"] == "context" for e in b["elements"]]
    nav = {
        e["text"]["text"]: json.loads(e["value"])["p"]
        for b in blocks
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"].startswith("page_more")
    }
    return next((line for line in lines if PAGE.search(line)), ""), nav


def teams_page(card: Card) -> tuple[str, dict[str, int]]:
    """The page line and where Previous and Next go (Teams)."""
    lines = [str(b["text"]) for b in card["body"] if b.get("type") == "TextBlock"]
    nav = {
        a["title"]: a["data"]["page"]
        for a in card["actions"]
        if a["title"] in PAGERS and a.get("data", {}).get("action_id") == "page_more"
    }
    return next((line for line in lines if PAGE.search(line)), ""), nav


def test_every_paged_answer_has_previous_and_next_and_the_same_pages_on_both(
    shown: dict[str, Shown],
) -> None:
    paged = 0
    for name, kind in shown.items():
        pages = list(cards(kind))
        if len(pages) == 1:
            assert not PAGE.search("\n".join(teams_texts(pages[0]))), name
            continue
        paged += 1
        for number, card in enumerate(pages):
            line, nav = teams_page(card)
            found = PAGE.search(line)
            assert found, f"{name} page {number}: no 'page N of M' in {line!r}"
            start, stop, _, page, count = map(int, found.groups())
            assert (page, count) == (number + 1, len(pages)), name
            assert stop - start + 1 <= 12, f"{name} page {page}: {stop - start + 1} items"
            items = [n for n in walk(card["body"]) if n.get("separator") is True]
            assert len(items) <= 12, name
            expected = {"Previous": number - 1} if number else {}
            expected |= {"Next": number + 1} if number + 1 < len(pages) else {}
            assert nav == expected, f"{name} page {page}: {nav}"
            slack_line, slack_nav = slack_page(kind, number)
            slack_found = PAGE.search(slack_line)
            assert slack_found and slack_found.group(0) == found.group(0), name  # same pages
            assert slack_nav == nav, f"{name} page {page}: Slack {slack_nav}"
    assert paged, "the gallery shows no paged answer"
