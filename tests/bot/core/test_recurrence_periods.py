"""Tests of the periods of a schedule in bot.core.recurrence: alignment, keys, due instants."""

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
    Period,
    Schedule,
    parse_duration,
    parse_schedule,
    periods,
)

NY = "America/New_York"
BERLIN = "Europe/Berlin"
MON = date(2026, 3, 2)


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


# --- periods --------------------------------------------------------------------------------


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
