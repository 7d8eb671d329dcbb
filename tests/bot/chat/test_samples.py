"""`sample …` typed in chat or `soc2bot ask`: parsed, answered for auditors and admins only."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.chat.commands import parse_command
from bot.chat.dispatch import CommandContext, run_command
from bot.chat.refs import UsageError
from bot.chat.samples import Sample
from bot.core.actor import Actor
from bot.core.db import Database
from bot.core.errors import PermissionDenied
from bot.core.messages import Message
from bot.core.plain import render_plain
from bot.sampling.messages import SHOWN_IN_ANSWER
from models import Platform
from tests.bot.sampling.sampling_support import NOW, Program, build, records

JAN, JUN = dt.date(2026, 1, 1), dt.date(2026, 6, 30)


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("sample CC7.1-VS 2026-01-01 2026-06-30",
         Sample("draw", "CC7.1-VS", start=JAN, end=JUN)),
        ("sample cc7.1-vs from 2026-01-01 to 2026-06-30 size 3 seed fy26",
         Sample("draw", "CC7.1-VS", start=JAN, end=JUN, size=3, seed="fy26")),
        ("sample --control CC7.1-VS --from 2026-01-01 --to 2026-06-30 --seed 'a b'",
         Sample("draw", "CC7.1-VS", start=JAN, end=JUN, seed="a b")),
        ("sample campaign camp-4", Sample("draw", campaign_id=4)),
        ("sample CC7.1-VS 2026-01-01 2026-06-30 --seed 'a b' --size 2",
         Sample("draw", "CC7.1-VS", start=JAN, end=JUN, size=2, seed="a b")),
        ("sample camp-4", Sample("draw", campaign_id=4)),
        ("sample follow-ups camp-4 size 2", Sample("draw", campaign_id=4, follow_ups=True, size=2)),
        ("sample show 7", Sample("show", sample_id=7)),
        ("sample show sample-7", Sample("show", sample_id=7)),
        ("sample add 7 5", Sample("add", sample_id=7, count=5)),
    ],
)  # fmt: skip
def test_sample_commands_parse_in_chats_words_and_the_command_lines(
    text: str, intent: Sample
) -> None:
    assert parse_command(text) == intent


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("sample", "Sample what?"),
        ("sample CC7.1-VS 2026-01-01", "needs its window"),
        ("sample CC7.1-VS 2026-06-30 2026-01-01", "is after the end date"),
        ("sample camp-4 2026-01-01 2026-06-30", "sampled whole"),
        ("sample follow-ups CC7.1-VS", "Whose follow-ups?"),
        ("sample CC7.1-VS 2026-01-01 2026-06-30 size lots", "is not a size"),
        ("sample CC7.1-VS 2026-01-01 2026-06-30 seed", "Missing the seed"),
        ("sample add 7", "Missing how many"),
        ("sample show #7", "is not a sample number"),
    ],
)
def test_mistakes_get_the_usage_line(text: str, message: str) -> None:
    with pytest.raises(UsageError, match=message) as raised:
        parse_command(text)
    assert raised.value.usage is not None and raised.value.usage.startswith("sample <control>")


@pytest.fixture
def program(db: Database) -> Program:
    return build(db)


def ask(db: Database, actor: Actor, text: str) -> Message:
    return run_command(parse_command(text), CommandContext(db=db, actor=actor, now=NOW))


def test_an_auditor_draws_sees_the_seed_and_hash_and_no_more_than_one_screen(
    db: Database, program: Program
) -> None:
    audrey = Actor(**{**program.audrey.__dict__, "platform": Platform.SLACK})
    message = ask(db, audrey, "sample CC7.2-LOG 2026-01-01 2026-06-30 seed fy26")
    assert message.title == "Sample 1: CC7.2-LOG, 2026-01-01 to 2026-06-30"
    assert (message.context or "").startswith("Seed fy26 · population SHA-256 ")
    assert len(message.items) == SHOWN_IN_ANSWER  # paging would run the draw again
    assert "15 more: `/soc2 sample show 1`" in (message.footer or "")
    shown = ask(db, audrey, "sample show 1")
    assert len(shown.items) == 25 and shown.items[0].text.endswith("· overdue")
    assert "25 drawn from a population of 181, spread across it." in render_plain(shown)


def test_an_admin_adds_and_sees_what_was_added(db: Database, program: Program) -> None:
    ask(db, program.ana, "sample CC7.1-VS 2026-01-01 2026-06-30 seed s")
    added = render_plain(ask(db, program.ana, "sample add 1 2"))
    assert "Added 2; the sample now holds 4 of 6." in added
    assert added.count("added in round 1") == 2


@pytest.mark.parametrize("who", ["raj", "lena"])
def test_others_get_the_refusal_and_nothing_is_recorded(
    db: Database, program: Program, who: str
) -> None:
    ask(db, program.audrey, "sample CC7.1-VS 2026-01-01 2026-06-30")
    before = records(db)
    for text in ("sample CC7.1-VS 2026-01-01 2026-06-30", "sample show 1", "sample add 1 1"):
        with pytest.raises(PermissionDenied, match="only auditors and admins"):
            ask(db, getattr(program, who), text)
    assert records(db) == before


def test_a_draw_renders_on_both_platforms_on_one_page_without_paging_it_again(
    db: Database, program: Program
) -> None:
    from handlers.slack.commands import answer
    from handlers.teams.replies import card_activity
    from tests.handlers.slack.blockkit import assert_blockkit_limits
    from tests.handlers.teams.cardcheck import assert_valid_card, walk

    text = "sample CC7.2-LOG 2026-01-01 2026-06-30"
    message = ask(db, program.audrey, text)
    blocks = answer(message, text=text)["blocks"]
    assert_blockkit_limits(blocks)
    assert not [b for b in blocks if b["type"] == "actions"]  # no Next: it would draw again
    card = card_activity(message, text=text).attachments[0]["content"]
    assert_valid_card(card)
    assert not [a for a in card.get("actions", []) if a["title"] in ("Previous", "Next")]
    shown = " ".join(str(n.get("text", "")) for n in walk(card))
    assert "`" not in shown and "Seed " in shown and "sample show 1" in shown
    assert len(ask(db, program.audrey, "sample show 1").items) == 25  # `show` pages instead
