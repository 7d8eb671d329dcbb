"""Friction a new user hit (issue 15 §9), as they meet it: a typed command on a real database."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace
from typing import get_args

import pytest
from sqlmodel import select

from bot.chat import commands as c
from bot.chat.commands import parse_command
from bot.chat.dispatch import _HANDLERS, COMMAND_NAMES, CommandContext, run_command
from bot.chat.usage import USAGE
from bot.core.actor import Actor
from bot.core.db import Database
from bot.core.errors import Conflict, InvalidInput, SoC2BotError
from models import AuditEvent, Platform
from tests.bot.chat.friction_world import NOW, PROGRAM_DAY, World, build_world

_EXAMPLE = re.compile(r"e\.g\. `(.*)`$")


@pytest.fixture
def world(sqlite_db: Database) -> World:
    return build_world(sqlite_db)


def test_review_start_from_the_terminal_names_the_command_as_typed(world: World) -> None:
    with pytest.raises(InvalidInput) as raised:
        world.ask(Actor.cli(), "review start Q4")
    message = raised.value.message
    assert message.startswith("`review start` needs a chat platform: run it in Slack or Teams")
    assert "soc2bot campaign review" in message and "startreview" not in message.lower()
    assert raised.value.usage is not None and raised.value.usage.startswith("review start")


def test_every_intent_has_the_name_people_type_and_the_usage_example_parses_to_it() -> None:
    intents = set(get_args(c.Intent))
    assert set(COMMAND_NAMES) == intents
    for intent_type, name in COMMAND_NAMES.items():
        example = _EXAMPLE.search(USAGE[name.split()[0]])
        assert example is not None, name
        assert type(parse_command(example.group(1))) is intent_type, name


@pytest.mark.parametrize("intent_type", sorted(set(get_args(c.Intent)) - set(_HANDLERS), key=str))
def test_an_intent_without_a_handler_here_is_refused_in_its_human_name(
    sqlite_db: Database, intent_type: type
) -> None:
    name = COMMAND_NAMES[intent_type]
    example = _EXAMPLE.search(USAGE[name.split()[0]])
    assert example is not None
    intent = parse_command(example.group(1))
    with pytest.raises(InvalidInput) as raised:
        run_command(intent, CommandContext(db=sqlite_db, actor=Actor.cli(), now=NOW))
    assert f"`{name}`" in raised.value.message
    assert intent_type.__name__.lower() not in raised.value.message.lower()


def test_evidence_for_a_file_only_task_says_how_to_attach_a_file_never_done(world: World) -> None:
    ref = world.occurrence("prod-access-review", dt.date(2026, 4, 1))
    in_terminal = world.ask(world.ana, f"evidence #{ref}")
    assert "needs a file" in in_terminal and "`done" not in in_terminal
    assert "attached in Slack or Teams" in in_terminal and "Attach evidence" in in_terminal
    in_teams = world.ask(replace(world.raj, platform=Platform.TEAMS), f"evidence {ref}")
    assert "Press Attach evidence on" in in_teams and f"#{ref} in the message" in in_teams
    assert "`done" not in in_teams and "Slack or Teams" not in in_teams
    with pytest.raises(Conflict, match=f"`evidence {ref}` says how to attach one"):
        world.ask(world.raj, f"done {ref}")


def test_evidence_for_a_task_that_takes_either_offers_done_too(world: World) -> None:
    ref = world.occurrence("backup-check", dt.date(2026, 5, 13))
    out = world.ask(world.raj, f"evidence {ref}")
    assert "Attach evidence" in out and f"`done {ref} <note>`" in out


def test_done_with_a_note_echoes_it_and_logs_it_for_the_auditor(world: World) -> None:
    ref = world.occurrence("backup-check", dt.date(2026, 5, 13))
    out = world.ask(world.raj, f'done {ref} "restored db to staging"')
    assert "Note: restored db to staging" in out
    with world.db.session() as s:
        event = s.exec(
            select(AuditEvent).where(
                AuditEvent.action == "evidence.submitted", AuditEvent.subject_id == str(ref)
            )
        ).one()
    assert event.details["note"] == "restored db to staging"
    trail = world.run(world.ana, f"audit #{ref}").items
    assert any("(note: restored db to staging)" in i.text for i in trail)


def test_mine_status_and_done_agree_on_the_day_in_the_programs_timezone(world: World) -> None:
    # 02:30 UTC on Wednesday is still Tuesday evening in New York, the program's timezone.
    assert f"SOC 2 status on {PROGRAM_DAY}" in world.ask(world.ana, "status")
    today, tomorrow = (
        world.occurrence("backup-check", dt.date(2026, 5, d)) for d in (13, 20)
    )  # tomorrow's period starts on the UTC date: not open yet
    mine = {i.text.split()[0]: i.detail or "" for i in world.run(world.raj, "mine").items}
    assert mine[f"#{today}"].startswith(f"open · due {PROGRAM_DAY}")
    assert mine[f"#{tomorrow}"].startswith("upcoming")
    assert f"marked the work done on {PROGRAM_DAY}" in world.ask(world.raj, f"done {today}")
    with pytest.raises(Conflict, match=f"already done \\({PROGRAM_DAY}\\)"):
        world.ask(world.raj, f"done {today}")
    with pytest.raises(SoC2BotError, match="evidence can be given from that day on"):
        world.ask(world.raj, f"done {tomorrow}")
