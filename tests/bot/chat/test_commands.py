"""The command language: every subcommand, every friendly error, usage and help."""

from __future__ import annotations

from datetime import date

import pytest

from bot.chat.commands import (
    GENERAL_USAGE,
    USAGE,
    Ack,
    Assign,
    Audit,
    Digest,
    Evidence,
    Export,
    Help,
    Intent,
    ListControls,
    MarkDone,
    Mine,
    ShowControl,
    Skip,
    StartReview,
    Status,
    Training,
    UsageError,
    WhoAmI,
    parse_command,
)
from bot.chat.refs import ChannelRef, UserRef
from bot.core.errors import InvalidInput
from tests.bot.chat.subcommands import SUBCOMMANDS


def usage_error(text: str) -> UsageError:
    with pytest.raises(UsageError) as caught:
        parse_command(text)
    return caught.value


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("help", Help()),
        ("help assign", Help("assign")),
        ("status", Status()),
        ("mine", Mine()),
        ("controls", ListControls()),
        ("controls access   review", ListControls("access review")),
        ("control cc6.1-ar", ShowControl("CC6.1-AR")),
        ("evidence #1234", Evidence(1234)),
        ("ack Acceptable Use Policy", Ack("Acceptable Use Policy")),
        ("training", Training()),
        ("digest", Digest()),
        ("audit CC6.1-AR", Audit("control", control_id="CC6.1-AR")),
        ("audit #77", Audit("occurrence", occurrence_id=77)),
        ("audit camp-3", Audit("campaign", campaign_id=3)),
        ("audit event 660", Audit("event", event=660)),
        ("audit EVENT 7", Audit("event", event=7)),
        ("export 2026-01-01 2026-06-30", Export(date(2026, 1, 1), date(2026, 6, 30))),
        ("whoami", WhoAmI()),
        ("done 12", MarkDone(12)),
        ("done #12 restore passed, see INC-9", MarkDone(12, "restore passed, see INC-9")),
        ("skip occ-12 host retired in March", Skip(12, "host retired in March")),
    ],
)
def test_every_subcommand_parses_to_its_intent(text: str, intent: Intent) -> None:
    assert parse_command(text) == intent


def test_empty_text_means_help() -> None:
    assert parse_command("") == Help()
    assert parse_command("   \n\t ") == Help()


def test_subcommand_names_are_case_insensitive_and_tolerate_extra_whitespace() -> None:
    assert parse_command("  STATUS  ") == Status()
    assert parse_command("Control\u00a0 cc6.1-ar") == ShowControl("CC6.1-AR")


def test_fullwidth_and_zero_width_characters_are_folded() -> None:
    assert parse_command("ｓｔａｔｕｓ") == Status()
    assert parse_command("who\u200bami") == WhoAmI()


def test_assign_parses_escaped_slack_mention() -> None:
    intent = parse_command("assign CC6.1-AR <@U123ABC|ana>")
    assert intent == Assign("CC6.1-AR", UserRef("<@U123ABC|ana>", slack_id="U123ABC", handle="ana"))


def test_assign_accepts_teams_mention_email_and_optional_to() -> None:
    teams = parse_command("assign A1.2-BACKUP to <at>Ana Ruiz</at>")
    assert isinstance(teams, Assign) and teams.user.teams_name == "Ana Ruiz"
    mail = parse_command("assign a1.2-backup <mailto:Ana@Acme.test|Ana@Acme.test>")
    assert isinstance(mail, Assign) and mail.user.email == "ana@acme.test"
    assert mail.control_id == "A1.2-BACKUP"


def test_review_start_parses_quoted_name_channel_and_reviewer() -> None:
    intent = parse_command('review start "Q1 prod access" <#C123|soc2> reviewer <@U9>')
    assert intent == StartReview(
        "Q1 prod access",
        ChannelRef("<#C123|soc2>", slack_id="C123", name="soc2"),
        UserRef("<@U9>", slack_id="U9"),
    )


def test_review_start_takes_unquoted_name_and_smart_quotes() -> None:
    assert parse_command("review start Q1 prod access") == StartReview("Q1 prod access")
    smart = parse_command("review start “Q1 #2 access” reviewer @raj #soc2")
    assert smart == StartReview(
        "Q1 #2 access", ChannelRef("#soc2", name="soc2"), UserRef("@raj", handle="raj")
    )


def test_leading_bot_mention_and_slash_prefix_are_ignored() -> None:
    assert parse_command("<at>soc2bot</at> mine") == Mine()
    assert parse_command("<@UBOT> status") == Status()
    assert parse_command("/soc2 digest") == Digest()


def test_aliases_reach_help() -> None:
    assert parse_command("?") == Help()
    assert parse_command("--help") == Help()


def test_skip_reason_keeps_its_text_and_unwraps_a_single_quoted_reason() -> None:
    assert parse_command('skip 5 "system retired"') == Skip(5, "system retired")
    assert parse_command("skip 5 it's   retired") == Skip(5, "it's   retired")


@pytest.mark.parametrize(
    ("text", "usage_of"),
    [
        ("control", "control"),
        ("assign", "assign"),
        ("assign CC6.1-AR", "assign"),
        ("evidence", "evidence"),
        ("review", "review"),
        ("review start", "review"),
        ("review start Q1 reviewer", "review"),
        ("ack", "ack"),
        ("audit", "audit"),
        ("export", "export"),
        ("export 2026-01-01", "export"),
        ("done", "done"),
        ("skip", "skip"),
        ("skip #12", "skip"),
    ],
)
def test_every_missing_argument_names_the_usage(text: str, usage_of: str) -> None:
    error = usage_error(text)
    assert error.usage == USAGE[usage_of]
    assert error.message and len(error.message) < 120


@pytest.mark.parametrize("text", ["status now", "control A B", "evidence 1 2", "whoami x"])
def test_extra_arguments_are_refused_with_the_usage(text: str) -> None:
    assert usage_error(text).usage == USAGE[text.split()[0]]


def test_unknown_subcommand_suggests_the_close_one() -> None:
    error = usage_error("stauts")
    assert "did you mean `status`?" in error.message
    assert error.suggestion == "status"
    assert error.usage == GENERAL_USAGE


def test_unknown_subcommand_without_a_close_one_points_to_help() -> None:
    error = usage_error("xyzzy")
    assert error.suggestion is None and "did you mean" not in error.message
    assert "help" in error.user_text()


def test_unknown_help_topic_suggests_the_close_one() -> None:
    error = usage_error("help asign")
    assert error.suggestion == "assign" and error.usage == USAGE["help"]


@pytest.mark.parametrize(
    "text",
    [
        "export 2026-13-01 2026-12-31",
        "export 2026-02-30 2026-03-01",
        "export 2026/01/01 2026-03-01",
        "export jan feb",
        "export 20260101 20260201",
    ],
)
def test_bad_export_dates_are_rejected(text: str) -> None:
    assert usage_error(text).usage == USAGE["export"]


def test_export_from_after_to_is_rejected() -> None:
    error = usage_error("export 2026-06-30 2026-01-01")
    assert "after" in error.message and error.usage == USAGE["export"]


def test_export_of_one_day_is_allowed() -> None:
    assert parse_command("export 2026-03-01 2026-03-01") == Export(
        date(2026, 3, 1), date(2026, 3, 1)
    )


def test_bad_occurrence_reference_explains_the_format() -> None:
    error = usage_error("evidence abc")
    assert error.message == (
        "‘abc’ is not an occurrence reference — use the number shown as #1234."
    )


def test_bad_control_id_in_a_command_names_the_usage() -> None:
    assert usage_error("control CC6;1").usage == USAGE["control"]


def test_audit_rejects_something_that_is_no_id() -> None:
    assert usage_error("audit a/b").usage == USAGE["audit"]
    for text in ("audit event", "audit event #660", "audit event 0", "audit event 1 2"):
        assert usage_error(text).usage == USAGE["audit"], text


def test_input_over_the_cap_gets_a_friendly_error() -> None:
    error = usage_error("controls " + "a" * 4000)
    assert "too long" in error.message and error.usage == GENERAL_USAGE


def test_usage_error_is_invalid_input_and_shows_usage() -> None:
    error = usage_error("assign")
    assert isinstance(error, InvalidInput)
    assert error.user_text().endswith(f"Usage: {USAGE['assign']}")


def test_usage_lines_cover_every_subcommand_with_an_example() -> None:
    assert sorted(USAGE) == sorted(SUBCOMMANDS)
    assert all("e.g. `" in line for line in USAGE.values())
    for name in SUBCOMMANDS:
        assert USAGE[name].startswith(name)


def test_every_usage_example_parses() -> None:
    for name, line in USAGE.items():
        example = line.split("e.g. `", 1)[1].rstrip("`")
        assert parse_command(example) is not None, name
