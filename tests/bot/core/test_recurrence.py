"""Tests of schedules, durations, business days and periods in bot.core.recurrence."""

from __future__ import annotations

import time as clock
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.errors import InvalidInput
from bot.core.recurrence import (
    SHORTHANDS,
    Duration,
    Period,
    Schedule,
    add_business_days,
    business_days_between,
    parse_duration,
    parse_schedule,
    periods,
)

NY = "America/New_York"
BERLIN = "Europe/Berlin"
ZERO = parse_duration("0d")
FRI, SAT, SUN, MON = date(2026, 2, 27), date(2026, 2, 28), date(2026, 3, 1), date(2026, 3, 2)


def _periods(
    text: str,
    start: date,
    end: date,
    *,
    due: str = "0d",
    tz: str = "UTC",
    anchor: date = date(2000, 1, 1),
) -> list[Period]:
    return periods(
        parse_schedule(text), due=parse_duration(due), tz=tz, anchor=anchor, start=start, end=end
    )


def _starts(text: str, start: date, end: date, anchor: date = date(2000, 1, 1)) -> list[date]:
    return [p.start for p in _periods(text, start, end, anchor=anchor)]


# --- schedules -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("daily", [date(2026, 2, 10), date(2026, 2, 11), date(2026, 2, 12)]),
        ("weekly", [date(2026, 2, 16), date(2026, 2, 23), date(2026, 3, 2)]),
        ("monthly", [date(2026, 3, 1), date(2026, 4, 1), date(2026, 5, 1)]),
        ("quarterly", [date(2026, 4, 1), date(2026, 7, 1), date(2026, 10, 1)]),
        ("semiannual", [date(2026, 7, 1), date(2027, 1, 1), date(2027, 7, 1)]),
        ("annual", [date(2027, 1, 1), date(2028, 1, 1), date(2029, 1, 1)]),
    ],
)
def test_each_shorthand_is_calendar_aligned_whatever_the_anchor(
    text: str, expected: list[date]
) -> None:
    for anchor in (date(2019, 5, 17), date(2026, 2, 10)):
        assert _starts(text, date(2026, 2, 10), date(2030, 1, 1), anchor)[:3] == expected


def test_biweekly_periods_start_every_other_monday_whatever_the_anchor() -> None:
    first = _starts("biweekly", date(2026, 1, 1), date(2026, 3, 1), date(2019, 5, 17))
    second = _starts("biweekly", date(2026, 1, 1), date(2026, 3, 1), date(2025, 12, 30))
    assert first == second
    assert all(d.weekday() == 0 for d in first)
    assert all(b - a == timedelta(weeks=2) for a, b in zip(first, first[1:], strict=False))


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


# --- periods --------------------------------------------------------------------------------


def test_quarterly_periods_have_quarter_keys_and_are_due_14_days_after_start() -> None:
    got = _periods("quarterly", date(2026, 1, 1), date(2026, 12, 31), due="14d")
    assert [p.key for p in got] == ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]
    assert [p.due_on for p in got] == [date(2026, m, 15) for m in (1, 4, 7, 10)]
    assert [p.end for p in got] == [
        date(2026, 3, 31),
        date(2026, 6, 30),
        date(2026, 9, 30),
        date(2026, 12, 31),
    ]


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("daily", "2026-03-02"),
        ("weekly", "2026-W10"),
        ("biweekly", "2026-W09"),
        ("monthly", "2026-03"),
        ("quarterly", "2026-Q1"),
        ("semiannual", "2026-H1"),
        ("annual", "2026"),
        ("FREQ=WEEKLY;BYDAY=MO", "2026-03-02"),
    ],
)
def test_period_key_names_the_period_it_covers(text: str, key: str) -> None:
    found = [p for p in _periods(text, date(2025, 1, 1), date(2026, 12, 31)) if p.start <= MON]
    assert found[-1].key == key


def test_second_half_year_key_is_h2() -> None:
    assert [p.key for p in _periods("half-yearly", date(2026, 1, 1), date(2026, 12, 31))] == [
        "2026-H1",
        "2026-H2",
    ]


def test_periods_start_within_the_range_both_ends_included() -> None:
    assert _starts("monthly", date(2026, 3, 1), date(2026, 5, 1)) == [
        date(2026, 3, 1),
        date(2026, 4, 1),
        date(2026, 5, 1),
    ]


def test_periods_never_start_before_the_anchor() -> None:
    assert _starts("monthly", date(2026, 1, 1), date(2026, 4, 30), date(2026, 2, 15)) == [
        date(2026, 3, 1),
        date(2026, 4, 1),
    ]
    assert _periods("monthly", date(2026, 1, 1), date(2026, 4, 30), anchor=date(2027, 1, 1)) == []


def test_empty_range_gives_no_periods() -> None:
    assert _periods("daily", date(2026, 3, 2), date(2026, 3, 1)) == []


def test_rrule_without_by_parts_takes_its_phase_from_the_anchor() -> None:
    got = _periods(
        "FREQ=MONTHLY;INTERVAL=2", date(2026, 1, 1), date(2026, 6, 30), anchor=date(2026, 1, 15)
    )
    assert [(p.start, p.end) for p in got] == [
        (date(2026, 1, 15), date(2026, 3, 14)),
        (date(2026, 3, 15), date(2026, 5, 14)),
        (date(2026, 5, 15), date(2026, 7, 14)),
    ]
    assert [p.key for p in got] == ["2026-01-15", "2026-03-15", "2026-05-15"]


def test_bymonthday_31_skips_months_without_a_31st_as_rfc_5545_says() -> None:
    got = _periods("FREQ=MONTHLY;BYMONTHDAY=31", date(2026, 1, 1), date(2026, 8, 31))
    assert [p.start for p in got] == [
        date(2026, 1, 31),
        date(2026, 3, 31),
        date(2026, 5, 31),
        date(2026, 7, 31),
        date(2026, 8, 31),
    ]
    assert got[0].end == date(2026, 3, 30)


def test_bymonthday_minus_one_gives_the_last_day_of_every_month() -> None:
    starts = _starts("FREQ=MONTHLY;BYMONTHDAY=-1", date(2028, 1, 1), date(2028, 12, 31))
    assert len(starts) == 12
    assert starts[:3] == [date(2028, 1, 31), date(2028, 2, 29), date(2028, 3, 31)]
    assert all((d + timedelta(days=1)).day == 1 for d in starts)


def _due_at(day: date, tz: str) -> datetime:
    return _periods("daily", day, day, tz=tz)[0].due_at


def test_due_at_is_end_of_local_day_across_spring_forward_in_new_york() -> None:
    assert _due_at(date(2026, 3, 7), NY) == datetime(2026, 3, 8, 5, tzinfo=UTC)
    assert _due_at(date(2026, 3, 8), NY) == datetime(2026, 3, 9, 4, tzinfo=UTC)


def test_due_at_is_end_of_local_day_across_fall_back_in_new_york() -> None:
    assert _due_at(date(2026, 10, 31), NY) == datetime(2026, 11, 1, 4, tzinfo=UTC)
    assert _due_at(date(2026, 11, 1), NY) == datetime(2026, 11, 2, 5, tzinfo=UTC)


def test_due_at_is_end_of_local_day_across_spring_forward_in_berlin() -> None:
    assert _due_at(date(2026, 3, 28), BERLIN) == datetime(2026, 3, 28, 23, tzinfo=UTC)
    assert _due_at(date(2026, 3, 29), BERLIN) == datetime(2026, 3, 29, 22, tzinfo=UTC)


def test_due_at_is_end_of_local_day_across_fall_back_in_berlin() -> None:
    assert _due_at(date(2026, 10, 24), BERLIN) == datetime(2026, 10, 24, 22, tzinfo=UTC)
    assert _due_at(date(2026, 10, 25), BERLIN) == datetime(2026, 10, 25, 23, tzinfo=UTC)


def test_due_at_follows_the_due_date_not_the_period_start() -> None:
    got = periods(
        parse_schedule("monthly"),
        due=parse_duration("1m"),
        tz=ZoneInfo(NY),
        anchor=date(2026, 1, 1),
        start=date(2026, 2, 1),
        end=date(2026, 2, 1),
    )
    assert got[0].due_on == date(2026, 3, 1)
    assert got[0].due_at == datetime(2026, 3, 2, 5, tzinfo=UTC)
    assert got[0].due_at.tzinfo is UTC


def test_unknown_time_zone_is_rejected_naming_it() -> None:
    with pytest.raises(InvalidInput, match="Mars/Olympus"):
        _periods("daily", MON, MON, tz="Mars/Olympus")


def test_three_years_of_weekly_periods_take_milliseconds() -> None:
    began = clock.perf_counter()
    got = _periods("weekly", date(2026, 1, 1), date(2028, 12, 31), due="10bd", tz=NY)
    assert len(got) == 156
    assert clock.perf_counter() - began < 0.5


SCHEDULE_TEXTS = [*SHORTHANDS, "yearly", "FREQ=MONTHLY;BYMONTHDAY=-1", "FREQ=WEEKLY;INTERVAL=3"]


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    text=st.sampled_from(SCHEDULE_TEXTS),
    due=st.sampled_from(["0d", "3d", "2w", "10bd", "1m"]),
    tz=st.sampled_from(["UTC", NY, BERLIN, "Australia/Lord_Howe", "America/Santiago"]),
    anchor=st.dates(date(2020, 1, 1), date(2030, 12, 31)),
    start=st.dates(date(2020, 1, 1), date(2030, 12, 31)),
    days=st.integers(0, 800),
)
def test_periods_are_contiguous_and_due_after_their_local_start(
    text: str, due: str, tz: str, anchor: date, start: date, days: int
) -> None:
    schedule: Schedule = parse_schedule(text)
    end = start + timedelta(days=days)
    got = periods(schedule, due=parse_duration(due), tz=tz, anchor=anchor, start=start, end=end)
    zone = ZoneInfo(tz)
    for period, following in zip(got, got[1:], strict=False):
        assert period.end + timedelta(days=1) == following.start
    for period in got:
        assert max(start, anchor) <= period.start <= end
        assert period.start <= period.end and period.start <= period.due_on
        assert period.due_at > datetime.combine(period.start, time(0), tzinfo=zone)
    assert len({p.key for p in got}) == len(got)
