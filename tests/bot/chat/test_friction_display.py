"""Friction a new user hit (issue 15 §9) in what the bot shows: searches, stored text, counts."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from bot.core.db import Database
from bot.digest.messages import digest_details_view
from bot.digest.services import compose_digest_details
from handlers.slack.blocks import render_blocks
from handlers.teams.cards import render_card
from models import Campaign, CampaignKind, CampaignStatus
from tests.bot.chat.friction_world import NOW, World, build_world

CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


@pytest.fixture
def world(db: Database) -> World:
    return build_world(db)


@pytest.mark.parametrize(
    ("query", "found"),
    [("_", {"CC7_2"}), ("%", {"CC7_2"}), ("100%", {"CC7_2"}), ("\\", set()), ("c_6", set())],
)
def test_controls_search_takes_wildcards_literally(world: World, query: str, found: set) -> None:
    message = world.run(world.ana, f"controls {query}")
    shown = {item.text.split()[0] for item in message.items}
    assert shown == found, message


def test_controls_search_still_finds_by_words_of_the_title(world: World) -> None:
    shown = {i.text.split()[0] for i in world.run(world.ana, "controls patch").items}
    assert shown == {"CC7_2"}


def _strings(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from _strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value)


def test_a_stored_escape_code_reaches_no_terminal_and_no_chat_client(world: World) -> None:
    message = world.run(world.ana, "controls change")
    assert "Change management \\x1b[31mred\\x1b[0m" in world.ask(world.ana, "controls change")
    for rendered in (render_blocks(message), render_card(message)):
        texts = list(_strings(rendered))
        assert any("x1b" in t for t in texts)  # shown visibly (Teams escapes its backslash)
        assert not any(CONTROL.search(t) for t in texts)
    assert not CONTROL.search(world.ask(world.ana, "control CC8.1-CM"))


def test_an_empty_round_shows_no_one_enrolled_everywhere_never_a_percentage(
    world: World,
) -> None:
    with world.db.transaction() as s:
        empty = Campaign(kind=CampaignKind.TRAINING, name="Security training 2026",
                         status=CampaignStatus.OPEN, details={"due_on": "2026-06-30"})  # fmt: skip
        s.add(empty)
        s.flush()
        ref = f"camp-{empty.id}"
    status = world.ask(world.ana, "status")
    assert "Security training 2026 — no one enrolled" in status
    with world.db.session() as s:  # the digest's rounds are behind its "Show details"
        details = digest_details_view(compose_digest_details(session=s, now=NOW, posted=""))
    [line] = [i for s in details.sections for i in s.items if i.text.startswith("Security")]
    assert line.text.endswith("no one enrolled")
    fields = {f.label: f.value for f in world.run(world.ana, f"audit {ref}").fields}
    assert fields["Progress"] == "no one enrolled · 0 overdue"
