"""The demo's calendar: the scheduler's runs, the weeks a reader looks at, working hours."""

from __future__ import annotations

import datetime as dt
import random
from zoneinfo import ZoneInfo

from bot.demo.timeline import between, local, recent_weeks, ticks, weekday_before

NY = ZoneInfo("America/New_York")


def test_the_scheduler_runs_every_third_month_and_last_before_now() -> None:
    setup = local(dt.date(2025, 10, 29), 10)
    now = dt.datetime(2026, 11, 23, 15, tzinfo=dt.UTC)
    runs = [t.at.astimezone(NY) for t in ticks(setup, now)]
    assert [r.date() for r in runs] == [
        dt.date(2026, 1, 1), dt.date(2026, 4, 1), dt.date(2026, 7, 1), dt.date(2026, 10, 1),
        dt.date(2026, 11, 23),
    ]  # fmt: skip
    assert all(r.time() == dt.time(2) for r in runs)


def test_before_two_in_the_morning_the_last_run_was_yesterdays() -> None:
    now = local(dt.date(2026, 3, 9), 1)
    assert ticks(local(dt.date(2025, 12, 1), 10), now)[-1].at == local(dt.date(2026, 3, 8), 2)


def test_the_weeks_a_reader_looks_at_are_the_last_seven_days_and_the_digests_week() -> None:
    sunday_night = dt.datetime(2026, 9, 14, 3, 30, tzinfo=dt.UTC)  # 23:30 Sunday in New York
    (lo, hi), (monday, next_monday) = recent_weeks(sunday_night)
    assert (lo, hi) == (sunday_night - dt.timedelta(days=7), sunday_night)
    assert (monday, next_monday) == (local(dt.date(2026, 8, 31), 0), local(dt.date(2026, 9, 7), 0))


def test_between_keeps_to_working_hours_inside_its_bounds() -> None:
    rng = random.Random(1)
    lo = dt.datetime(2026, 5, 4, 10, 17, 30, tzinfo=dt.UTC)
    hi = lo + dt.timedelta(days=3)
    for _ in range(200):
        moment = between(rng, lo, hi, "Europe/Berlin")
        assert lo <= moment <= hi and moment.second == moment.microsecond == 0
        local_time = moment.astimezone(ZoneInfo("Europe/Berlin")).time()
        assert dt.time(9) <= local_time < dt.time(18) or moment in (lo, hi)


def test_a_weekend_day_becomes_the_friday_before() -> None:
    assert weekday_before(dt.date(2026, 11, 29)) == dt.date(2026, 11, 27)  # a Sunday
    assert weekday_before(dt.date(2026, 11, 25)) == dt.date(2026, 11, 25)  # a Wednesday
