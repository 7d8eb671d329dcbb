"""Reminder policy: resolution, business days, weekend moves, send windows, catch-up."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from bot.catalog.schema import ReminderPolicy
from bot.catalog.validate import validate_catalog_text
from bot.core.errors import CatalogInvalid
from bot.core.recurrence import add_business_days, end_of_local_day, parse_duration
from bot.reminders.policy import (
    ASSIGNEE,
    Due,
    Policy,
    add_duration,
    due_step,
    in_send_window,
    planned_steps,
    resolve_policy,
)

NY = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")
KOLKATA = ZoneInfo("Asia/Kolkata")
ZONES = (NY, BERLIN, KOLKATA, ZoneInfo("Pacific/Auckland"), ZoneInfo("UTC"))
DEFAULT = resolve_policy(None)


def due(due_on: dt.date, *, start: dt.date | None = None, tz: ZoneInfo = NY) -> Due:
    return Due(start or due_on - dt.timedelta(days=14), due_on, end_of_local_day(due_on, tz))


def plan(
    policy: Policy, d: Due, stream: str = ASSIGNEE, tz: ZoneInfo = NY
) -> list[tuple[str, str]]:
    steps = planned_steps(policy, d, stream=stream, tz=tz, through=d.due_on + dt.timedelta(30))
    return [(s.name, f"{s.day:%a %m-%d}") for s in steps]


def local(text: str, tz: ZoneInfo = NY) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=tz)


def test_default_policy_is_the_spec_default() -> None:
    assert [str(d) for d in DEFAULT.before] == ["7d", "1d", "0d"]
    assert str(DEFAULT.overdue_every) == "2bd"
    assert [(str(e.after), e.to) for e in DEFAULT.escalate] == [
        ("3bd", "manager"),
        ("7bd", "compliance"),
    ]
    assert (DEFAULT.send_at, DEFAULT.work_start, DEFAULT.work_end) == (
        dt.time(9, 30),
        dt.time(9),
        dt.time(17),
    )
    assert DEFAULT.streams() == (ASSIGNEE, "manager", "compliance")


def test_task_policy_replaces_the_programs_whole() -> None:
    program = {"before": ["14d"], "overdue_every": "5bd", "send_at": "11:00"}
    policy = resolve_policy(program, {"before": ["2d"]})
    assert [str(d) for d in policy.before] == ["2d"]
    assert str(policy.overdue_every) == "2bd"  # the default, not the program's 5bd
    assert policy.send_at == dt.time(9, 30)
    assert [str(d) for d in resolve_policy(program, None).before] == ["14d"]


def test_send_time_must_fall_within_working_hours() -> None:
    with pytest.raises(ValidationError, match="within working_hours"):
        ReminderPolicy.model_validate({"send_at": "08:30"})
    with pytest.raises(CatalogInvalid) as caught:
        validate_catalog_text("program: {name: X, reminders: {send_at: '18:00'}}")
    assert caught.value.errors == [
        "program.reminders (line 1): Value error, send_at 18:00 must fall within "
        "working_hours 09:00-17:00 (start inclusive, end exclusive)"
    ]
    custom = resolve_policy(
        {"send_at": "08:00", "working_hours": {"start": "07:30", "end": "15:00"}}
    )
    assert (custom.send_at, custom.work_start, custom.work_end) == (
        dt.time(8),
        dt.time(7, 30),
        dt.time(15),
    )


@given(st.dates(dt.date(2020, 1, 1), dt.date(2030, 1, 1)), st.integers(0, 400))
def test_constant_time_business_days_match_the_day_by_day_walk(day: dt.date, n: int) -> None:
    assert add_duration(day, parse_duration("1bd"), n) == add_business_days(day, n)


def test_default_steps_of_an_occurrence_due_on_a_thursday() -> None:
    thursday = due(dt.date(2026, 1, 15), start=dt.date(2026, 1, 1))
    assert plan(DEFAULT, thursday)[:6] == [
        ("before-7d", "Thu 01-08"),
        ("before-1d", "Wed 01-14"),
        ("before-0d", "Thu 01-15"),
        ("overdue-2bd", "Mon 01-19"),
        ("overdue-4bd", "Wed 01-21"),
        ("overdue-6bd", "Fri 01-23"),
    ]
    assert plan(DEFAULT, thursday, "manager") == [("escalate-manager-3bd", "Tue 01-20")]
    assert plan(DEFAULT, thursday, "compliance") == [("escalate-compliance-7bd", "Mon 01-26")]


def test_pre_due_weekend_steps_move_to_the_friday_before_and_collapse() -> None:
    # Due Sunday 8 Feb: 7d is Sunday 1 Feb -> Fri 30 Jan; 1d (Sat) and 0d (Sun) -> Fri 6 Feb.
    sunday = due(dt.date(2026, 2, 8), start=dt.date(2026, 1, 20))
    assert plan(DEFAULT, sunday)[:3] == [
        ("before-7d", "Fri 01-30"),
        ("before-0d", "Fri 02-06"),
        ("overdue-2bd", "Tue 02-10"),
    ]
    # A Monday due date: 1d before is Sunday, moved back to Friday, never past the due day.
    monday = due(dt.date(2026, 2, 9), start=dt.date(2026, 1, 20))
    assert plan(DEFAULT, monday)[1:3] == [("before-1d", "Fri 02-06"), ("before-0d", "Mon 02-09")]


def test_steps_before_the_period_starts_are_dropped() -> None:
    soon = due(dt.date(2026, 1, 6), start=dt.date(2026, 1, 1))
    assert plan(DEFAULT, soon)[:2] == [("before-1d", "Mon 01-05"), ("before-0d", "Tue 01-06")]


def test_overdue_repeats_in_calendar_days_move_off_weekends_to_monday() -> None:
    policy = resolve_policy({"overdue_every": "1d", "escalate": [{"after": "2d", "to": "owner"}]})
    friday = due(dt.date(2026, 2, 6))
    assert plan(policy, friday)[3:6] == [
        ("overdue-3d", "Mon 02-09"),  # Sat and Sun collapse into Monday's
        ("overdue-4d", "Tue 02-10"),
        ("overdue-5d", "Wed 02-11"),
    ]
    assert plan(policy, friday, "owner") == [("escalate-owner-2d", "Mon 02-09")]


def test_send_window_is_business_days_from_send_time_to_end_of_working_hours() -> None:
    assert in_send_window(DEFAULT, local("2026-01-15 09:30"))
    assert in_send_window(DEFAULT, local("2026-01-15 16:59"))
    assert not in_send_window(DEFAULT, local("2026-01-15 09:15"))
    assert not in_send_window(DEFAULT, local("2026-01-15 17:00"))
    assert not in_send_window(DEFAULT, local("2026-01-17 10:00"))  # Saturday


def test_due_step_is_sent_at_or_after_its_local_send_time() -> None:
    d = due(dt.date(2026, 1, 15), start=dt.date(2026, 1, 1))

    def at(text: str, tz: ZoneInfo = NY) -> str | None:
        step = due_step(DEFAULT, d, stream=ASSIGNEE, tz=tz, now=local(text, tz))
        return f"{step.name} {step.day:%m-%d}" if step else None

    assert at("2026-01-08 09:29") is None
    assert at("2026-01-08 09:30") == "before-7d 01-08"
    assert at("2026-01-09 11:00") == "before-7d 01-08"  # same key: the outbox skips it
    assert at("2026-01-15 09:30", KOLKATA) == "before-0d 01-15"


def test_a_missed_stretch_sends_only_the_latest_step_once() -> None:
    d = due(dt.date(2026, 1, 15), start=dt.date(2026, 1, 1))
    # Back on Thursday 22 Jan after missing Monday to Wednesday: only overdue-4bd (Wed).
    step = due_step(DEFAULT, d, stream=ASSIGNEE, tz=NY, now=local("2026-01-22 09:30"))
    assert step is not None and (step.name, step.day) == ("overdue-4bd", dt.date(2026, 1, 21))


def test_a_missed_due_soon_step_is_not_caught_up_after_the_deadline() -> None:
    d = due(dt.date(2026, 1, 15), start=dt.date(2026, 1, 1))
    assert due_step(DEFAULT, d, stream=ASSIGNEE, tz=NY, now=local("2026-01-16 09:30")) is None


def test_overdue_steps_never_go_out_before_the_deadline_passes() -> None:
    # Program in New York, recipient in Kolkata: 09:30 IST on the 16th is 23:00 EST on the
    # 15th, still the due day in New York, so the 1bd step waits until 10:30 IST.
    policy = resolve_policy({"overdue_every": "1bd", "escalate": []})
    d = due(dt.date(2026, 1, 15), start=dt.date(2026, 1, 1), tz=NY)
    early = due_step(policy, d, stream=ASSIGNEE, tz=KOLKATA, now=local("2026-01-16 10:00", KOLKATA))
    late = due_step(policy, d, stream=ASSIGNEE, tz=KOLKATA, now=local("2026-01-16 10:30", KOLKATA))
    assert early is not None and early.name == "before-0d"  # already queued the day before
    assert late is not None and late.name == "overdue-1bd"


def test_send_time_stays_local_across_daylight_saving_changes() -> None:
    d = due(dt.date(2026, 3, 12), start=dt.date(2026, 1, 1))
    steps = planned_steps(DEFAULT, d, stream=ASSIGNEE, tz=NY, through=d.due_on)
    assert [s.moment.strftime("%m-%d %H:%M") for s in steps] == [
        "03-05 14:30",  # EST, UTC-5
        "03-11 13:30",  # EDT, UTC-4 from 8 March
        "03-12 13:30",
    ]
    assert {s.moment.astimezone(NY).time() for s in steps} == {dt.time(9, 30)}


POLICIES = st.sampled_from(
    [
        DEFAULT,
        resolve_policy({"before": ["2d", "0d"], "overdue_every": "3d", "send_at": "16:45"}),
        resolve_policy(
            {
                "before": ["2bd", "1w"],
                "overdue_every": "1bd",
                "escalate": [{"after": "0d", "to": "owner"}, {"after": "1d", "to": "manager"}],
                "send_at": "08:00",
                "working_hours": {"start": "08:00", "end": "12:00"},
            }
        ),
    ]
)


@settings(max_examples=40, deadline=None)
@given(
    policy=POLICIES,
    due_on=st.dates(dt.date(2026, 1, 1), dt.date(2027, 12, 31)),
    lead=st.integers(0, 30),
    program_tz=st.sampled_from(ZONES),
    recipient_tz=st.sampled_from(ZONES),
)
def test_ticks_never_send_on_weekends_or_outside_working_hours(
    policy: Policy,
    due_on: dt.date,
    lead: int,
    program_tz: ZoneInfo,
    recipient_tz: ZoneInfo,
) -> None:
    d = Due(due_on - dt.timedelta(days=lead), due_on, end_of_local_day(due_on, program_tz))
    now = dt.datetime.combine(due_on - dt.timedelta(days=12), dt.time(0), tzinfo=dt.UTC)
    queued: set[tuple[str, dt.date]] = set()
    for _ in range(24 * 2 * 26):  # 26 days of half-hourly ticks around the due day
        now += dt.timedelta(minutes=30)
        for stream in policy.streams():
            step = due_step(policy, d, stream=stream, tz=recipient_tz, now=now)
            if step is None or (step.name, step.day) in queued:
                continue
            queued.add((step.name, step.day))
            there = now.astimezone(recipient_tz)
            assert there.weekday() < 5
            assert max(policy.send_at, policy.work_start) <= there.time() < policy.work_end
            assert step.day.weekday() < 5 and step.day <= there.date()
            if step.overdue:
                assert now >= d.due_at
            else:
                assert now < d.due_at and step.day <= due_on
