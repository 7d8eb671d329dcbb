"""Tests of schedules, durations and business days in bot.core.recurrence."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.errors import InvalidInput
from bot.core.recurrence import (
    SHORTHANDS,
    Duration,
    add_business_days,
    business_days_between,
    parse_duration,
    parse_schedule,
)

ZERO = parse_duration("0d")
FRI, SAT, SUN, MON = date(2026, 2, 27), date(2026, 2, 28), date(2026, 3, 1), date(2026, 3, 2)


# --- schedules -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "shorthand"),
    [
        ("Quarterly", "quarterly"),
        ("  WEEKLY ", "weekly"),
        ("yearly", "annual"),
        ("Annually", "annual"),
        ("half-yearly", "semiannual"),
        ("biweekly", "biweekly"),
    ],
)
def test_shorthands_and_synonyms_are_case_insensitive(text: str, shorthand: str) -> None:
    schedule = parse_schedule(text)
    assert schedule.shorthand == shorthand
    assert schedule.text == text
    assert schedule.rule.startswith("RRULE:FREQ=")


def test_every_listed_shorthand_parses() -> None:
    assert {parse_schedule(name).shorthand for name in SHORTHANDS} == set(SHORTHANDS)


def test_rrule_is_accepted_with_or_without_prefix_and_normalised() -> None:
    with_prefix = parse_schedule("RRULE:FREQ=MONTHLY;INTERVAL=2")
    without = parse_schedule(" freq=monthly; interval=2 ")
    assert with_prefix.rule == without.rule == "RRULE:FREQ=MONTHLY;INTERVAL=2"
    assert without.shorthand is None
    assert without.text == " freq=monthly; interval=2 "


def test_a_normalised_rule_parses_to_itself() -> None:
    rule = parse_schedule("quarterly").rule
    assert parse_schedule(rule).rule == rule


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("fortnightly", "unknown schedule 'fortnightly'"),
        ("every tuesday", "unknown schedule 'every tuesday'"),
        ("FREQ=HOURLY", "FREQ=HOURLY"),
        ("RRULE:FREQ=MINUTELY", "FREQ=MINUTELY"),
        ("FREQ=SECONDLY;INTERVAL=5", "FREQ=SECONDLY"),
        ("DTSTART:20260101T000000\nRRULE:FREQ=DAILY", "DTSTART"),
        ("FREQ=DAILY;DTSTART=20260101", "DTSTART"),
        ("FREQ=SOMETIMES", "FREQ=SOMETIMES"),
        ("BYDAY=MO", "FREQ is missing"),
        ("FREQ=WEEKLY;BYDAY=XX", "BYDAY=XX"),
        ("FREQ=MONTHLY;FOO=1", "FOO"),
        ("FREQ=MONTHLY;BYMONTHDAY", "BYMONTHDAY"),
        ("FREQ=MONTHLY;INTERVAL=0", "INTERVAL"),
        ("FREQ=MONTHLY;INTERVAL=-1", "INTERVAL"),
        ("FREQ=MONTHLY;INTERVAL=x", "INTERVAL"),
        ("FREQ=MONTHLY;BYMONTHDAY=0", "BYMONTHDAY"),
        ("FREQ=MONTHLY;BYMONTHDAY=32", "never"),
        ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", "never"),
        ("FREQ=DAILY;BYMONTH=4;BYMONTHDAY=31", "never"),
        ("FREQ=MONTHLY;BYSETPOS=-0;BYDAY=MO", "BYSETPOS"),
        ("FREQ=MONTHLY;COUNT=3", "COUNT"),
        ("FREQ=MONTHLY;UNTIL=20270101T000000Z", "UNTIL"),
        ("FREQ=DAILY;BYHOUR=9", "BYHOUR"),
        ("FREQ=DAILY;FREQ=WEEKLY", "twice"),
        ("FREQ=DAILY\nRRULE:FREQ=WEEKLY", "FREQ"),
    ],
)
def test_bad_schedule_is_rejected_naming_the_bad_text(text: str, fragment: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_schedule(text)
    assert fragment in caught.value.message
    assert repr(text.strip()) in caught.value.message


@pytest.mark.parametrize("text", ["", "   ", "\n"])
def test_empty_schedule_is_rejected_listing_the_choices(text: str) -> None:
    with pytest.raises(InvalidInput, match="empty.*daily, weekly, biweekly"):
        parse_schedule(text)


def test_unknown_schedule_message_lists_every_shorthand() -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_schedule("fortnightly")
    assert caught.value.message == (
        "unknown schedule 'fortnightly': use an RRULE or one of "
        "daily, weekly, biweekly, monthly, quarterly, semiannual, annual"
    )


# --- durations ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "canonical", "applied"),
    [
        ("0d", "0d", date(2026, 2, 27)),
        ("14d", "14d", date(2026, 3, 13)),
        (" 2W ", "2w", date(2026, 3, 13)),
        ("10bd", "10bd", date(2026, 3, 13)),
        ("1bd", "1bd", date(2026, 3, 2)),
        ("1m", "1m", date(2026, 3, 27)),
        ("-0d", "0d", date(2026, 2, 27)),
    ],
)
def test_duration_parses_to_canonical_text_and_applies_from_a_friday(
    text: str, canonical: str, applied: date
) -> None:
    duration = parse_duration(text)
    assert str(duration) == canonical
    assert duration.apply(FRI) == applied


def test_one_month_from_jan_31_clamps_to_feb_28_in_a_common_year() -> None:
    assert parse_duration("1m").apply(date(2026, 1, 31)) == date(2026, 2, 28)


def test_one_month_from_jan_31_clamps_to_feb_29_in_a_leap_year() -> None:
    assert parse_duration("1m").apply(date(2028, 1, 31)) == date(2028, 2, 29)


def test_months_do_not_drift_after_clamping() -> None:
    assert parse_duration("2m").apply(date(2026, 1, 31)) == date(2026, 3, 31)


def test_durations_up_to_about_ten_years_are_accepted() -> None:
    for text in ("3660d", "522w", "2614bd", "120m"):
        assert str(parse_duration(text)) == text


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("-1d", "negative"),
        ("-3bd", "negative"),
        ("1.5d", "whole number"),
        ("2,5w", "whole number"),
        ("3y", "unknown unit 'y'"),
        ("14 days", "unknown unit 'days'"),
        ("14", "unit is missing"),
        ("d", "whole number"),
        ("abc", "whole number"),
        ("1e3d", "whole number"),
        ("3661d", "too long"),
        ("523w", "too long"),
        ("2615bd", "too long"),
        ("121m", "too long"),
        ("99999999999999999999d", "too long"),
    ],
)
def test_bad_duration_is_rejected_naming_the_bad_text(text: str, fragment: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_duration(text)
    assert fragment in caught.value.message
    assert repr(text) in caught.value.message


def test_empty_duration_is_rejected() -> None:
    with pytest.raises(InvalidInput, match="invalid duration ''"):
        parse_duration("")


def test_duration_built_directly_is_validated_too() -> None:
    with pytest.raises(InvalidInput, match="negative"):
        Duration(amount=-1, unit="d")
    with pytest.raises(InvalidInput, match="unit 'y'"):
        Duration(amount=1, unit="y")


# --- business days --------------------------------------------------------------------------


def test_friday_plus_one_business_day_is_monday() -> None:
    assert add_business_days(FRI, 1) == MON


def test_adding_zero_business_days_to_a_weekend_stays_on_it() -> None:
    assert add_business_days(SAT, 0) == SAT
    assert add_business_days(SUN, 0) == SUN


def test_weekend_plus_one_business_day_is_monday() -> None:
    assert add_business_days(SAT, 1) == MON
    assert add_business_days(SUN, 1) == MON


def test_negative_business_days_go_back_over_weekends() -> None:
    assert add_business_days(MON, -1) == FRI
    assert add_business_days(SUN, -1) == FRI
    assert add_business_days(MON, -6) == date(2026, 2, 20)


def test_business_days_skip_holidays() -> None:
    assert add_business_days(FRI, 1, holidays=frozenset({MON})) == date(2026, 3, 3)
    assert business_days_between(FRI, date(2026, 3, 3), holidays=frozenset({MON, SAT})) == 1


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (FRI, MON, 1),
        (FRI, SAT, 0),
        (SAT, SUN, 0),
        (SAT, MON, 1),
        (MON, MON, 0),
        (MON, FRI, 0),
        (FRI, FRI + timedelta(weeks=2), 10),
        (MON, date(2026, 3, 6), 4),
    ],
)
def test_business_days_between_counts_days_after_start_up_to_end(
    start: date, end: date, expected: int
) -> None:
    assert business_days_between(start, end) == expected


@given(d=st.dates(date(2000, 1, 1), date(2100, 1, 1)), n=st.integers(0, 400))
def test_business_days_between_undoes_add_business_days(d: date, n: int) -> None:
    assert business_days_between(d, add_business_days(d, n)) == n
