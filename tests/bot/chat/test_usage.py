"""`help`: grouped by what people want to do, with examples in the syntax of their platform."""

from __future__ import annotations

import shlex

import pytest

from bot.chat.commands import parse_command
from bot.chat.dispatch import COMMAND_NAMES
from bot.chat.usage import COMMANDS, GROUPS, USAGE, example, help_topic_view, help_view
from bot.core.messages import Message
from bot.core.plain import render_plain
from handlers.slack.blocks import render_blocks
from handlers.teams.cards import render_card
from models import Platform
from tests.both_platforms import slack_text, teams_text
from tests.handlers.teams.cardcheck import walk

CHAT = (Platform.SLACK, Platform.TEAMS)


def _typed(text: str, platform: Platform) -> str:
    """The command inside an example as typed on `platform` (no `/soc2`, no `soc2bot ask`)."""
    if platform is Platform.SLACK:
        return text.removeprefix("/soc2 ")
    if platform is Platform.CLI:
        return shlex.split(text)[2]
    return text


def _headings(message: Message) -> list[str]:
    return [s.heading or "" for s in message.sections]


@pytest.mark.parametrize("platform", [*CHAT, Platform.CLI])
def test_help_is_grouped_by_what_people_want_to_do_and_names_every_command(
    platform: Platform,
) -> None:
    message = help_view(platform)
    assert _headings(message) == ["Your work", "The program", "Reviews", "Admin"] == list(GROUPS)
    listed = {f.label.split()[0] for s in message.sections for f in s.fields}
    assert listed | {"help"} == set(COMMANDS) == set(USAGE)
    assert "help" in (message.footer or "")
    for section in message.sections:  # one example per group, as its last line
        assert len(section.items) == 1 and len(section.fields) >= 1


def test_slack_help_speaks_slack_mentions_and_channels() -> None:
    shown = slack_text(help_view(Platform.SLACK))
    assert "/soc2 assign CC6.1-AR @raj" in shown
    assert '/soc2 review start "Q1 prod access" #soc2 reviewer @raj' in shown
    assert "assign <control> @person" in shown and "attach the CSV" in shown
    assert "raj@example.com" not in shown and "soc2bot ask" not in shown


def test_teams_help_speaks_emails_and_a_pasted_csv_without_slack_syntax() -> None:
    message = help_view(Platform.TEAMS)
    shown = teams_text(message)
    assert "assign CC6.1-AR raj@example.com" in shown
    assert 'review start "Q1 prod access" reviewer raj@example.com' in shown
    assert "paste the accounts there, as CSV" in shown
    assert "<@" not in shown and "@raj" not in shown and "#soc2" not in shown
    assert "/soc2" not in shown and "`" not in shown
    # Real line structure: each group's commands are one FactSet, never one run-on paragraph.
    card = render_card(message)
    facts = [n for n in walk(card) if n.get("type") == "FactSet"]
    assert len(facts) == len(GROUPS) and sum(len(f["facts"]) for f in facts) == len(COMMANDS) - 1


def test_terminal_help_shows_soc2bot_ask_and_the_review_command_of_the_terminal() -> None:
    shown = render_plain(help_view(Platform.CLI))
    assert "soc2bot ask 'done #1234 restore test passed'" in shown
    assert "soc2bot campaign review --name" in shown and "@raj" not in shown


@pytest.mark.parametrize("platform", [*CHAT, Platform.CLI])
def test_every_example_parses_to_its_command(platform: Platform) -> None:
    intents = {name.split()[0]: kind for kind, name in COMMAND_NAMES.items()}
    for name in COMMANDS:
        intent = parse_command(_typed(example(name, platform), platform))
        assert type(intent) is intents[name], (platform, name)


@pytest.mark.parametrize("platform", CHAT)
def test_help_topic_shows_usage_and_example_in_the_platforms_syntax(platform: Platform) -> None:
    message = help_topic_view("assign", platform)
    fields = {f.label: f.value for f in message.fields}
    if platform is Platform.SLACK:
        assert fields == {
            "Usage": "assign <control> @person",
            "Example": "/soc2 assign CC6.1-AR @raj",
        }
    else:
        assert fields == {
            "Usage": "assign <control> <email>",
            "Example": "assign CC6.1-AR raj@example.com",
        }
    review = help_topic_view("review", platform)
    how = {f.label: f.value for f in review.fields}["The accounts"]
    assert ("attach the CSV" if platform is Platform.SLACK else "paste the accounts") in how


def test_help_topic_for_review_in_a_terminal_names_the_terminal_command() -> None:
    shown = render_plain(help_topic_view("review", Platform.CLI))
    assert "soc2bot campaign review" in shown and "Example" not in shown


def test_help_has_no_backticks_on_either_platform() -> None:
    for platform in CHAT:
        for message in (help_view(platform), help_topic_view("review", platform)):
            assert "`" not in teams_text(message)
            blocks = render_blocks(message)
            assert "`" not in str(blocks)
