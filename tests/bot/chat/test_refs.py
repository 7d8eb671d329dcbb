"""References in commands: occurrences, controls, campaigns, people, channels and dates."""

from __future__ import annotations

from datetime import date

import pytest

from bot.chat.refs import (
    ChannelRef,
    UsageError,
    UserRef,
    parse_campaign_ref,
    parse_channel_ref,
    parse_control_id,
    parse_iso_date,
    parse_occurrence_ref,
    parse_user_ref,
)


@pytest.mark.parametrize("token", ["1234", "#1234", "occ-1234", "OCC-1234"])
def test_occurrence_refs_accept_every_shown_form(token: str) -> None:
    assert parse_occurrence_ref(token) == 1234


@pytest.mark.parametrize("token", ["0", "#", "occ-", "12a", "-3", "1" * 30, "#12.5"])
def test_occurrence_refs_reject_anything_else(token: str) -> None:
    with pytest.raises(UsageError):
        parse_occurrence_ref(token)


def test_control_ids_are_uppercased_and_bad_characters_rejected() -> None:
    assert parse_control_id("cc6.1-ar") == "CC6.1-AR"
    assert parse_control_id("A1.2_backup") == "A1.2_BACKUP"
    for bad in ["CC6/1", "-AR", "CC 6", "<script>", "x" * 65]:
        with pytest.raises(UsageError, match="not a control id"):
            parse_control_id(bad)


def test_campaign_refs_parse_both_spellings() -> None:
    assert parse_campaign_ref("CAMP-7") == parse_campaign_ref("campaign-7") == 7
    with pytest.raises(UsageError):
        parse_campaign_ref("camp-x")


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        ("<@U123ABC|ana>", UserRef("<@U123ABC|ana>", slack_id="U123ABC", handle="ana")),
        ("<@U123ABC>", UserRef("<@U123ABC>", slack_id="U123ABC")),
        ("@ana", UserRef("@ana", handle="ana")),
        ("Ana@Acme.test", UserRef("Ana@Acme.test", email="ana@acme.test")),
        (
            "<mailto:ana@acme.test|ana@acme.test>",
            UserRef("<mailto:ana@acme.test|ana@acme.test>", email="ana@acme.test"),
        ),
        ("<at>Ana  Ruiz</at>", UserRef("<at>Ana  Ruiz</at>", teams_name="Ana Ruiz")),
    ],
)
def test_user_refs_accept_mentions_handles_and_emails(token: str, expected: UserRef) -> None:
    assert parse_user_ref(token) == expected


@pytest.mark.parametrize("token", ["ana", "@", "<@>", "<at></at>", "ana@", "#soc2"])
def test_user_refs_reject_a_bare_word_with_a_hint(token: str) -> None:
    with pytest.raises(UsageError, match="not a person"):
        parse_user_ref(token)


def test_channel_refs_accept_slack_mentions_and_plain_names() -> None:
    assert parse_channel_ref("<#C123|soc2>") == ChannelRef("<#C123|soc2>", "C123", "soc2")
    assert parse_channel_ref("<#C123>") == ChannelRef("<#C123>", slack_id="C123")
    assert parse_channel_ref("#soc2") == ChannelRef("#soc2", name="soc2")
    with pytest.raises(UsageError, match="not a channel"):
        parse_channel_ref("soc2")


def test_iso_dates_parse_and_other_forms_are_refused() -> None:
    assert parse_iso_date("2026-01-31") == date(2026, 1, 31)
    with pytest.raises(UsageError, match="YYYY-MM-DD"):
        parse_iso_date("2026-W01-1")
