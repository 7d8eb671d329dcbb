"""Reminder policy (pure): resolve a task's policy and plan each step's local send moment."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

from bot.catalog.schema import ReminderPolicy
from bot.core.recurrence import Duration, add_business_days, business_days_between, parse_duration

ASSIGNEE: Final = "assignee"
TARGETS: Final = ("owner", "backup_owner", "manager", "compliance")
# Weekend moves shift a pre-due step back by at most two days (Sunday -> Friday).
_WEEKEND_SLACK: Final = 2
# Only the last few overdue repeats can be the one due now; older ones were sent or skipped.
_RECENT_REPEATS: Final = 3


@dataclass(frozen=True)
class Escalation:
    """Tell `to` (owner, backup_owner, manager or compliance) once work is `after` overdue."""

    after: Duration
    to: str


@dataclass(frozen=True)
class Policy:
    """A resolved policy: lead times, overdue repeat, escalations, send time, working hours."""

    before: tuple[Duration, ...]
    overdue_every: Duration
    escalate: tuple[Escalation, ...]
    send_at: dt.time
    work_start: dt.time
    work_end: dt.time

    def lead_days(self) -> int:
        """The most calendar days before the due day that a pre-due step can fall."""
        return max((_calendar_days(d) for d in self.before), default=0) + _WEEKEND_SLACK

    def streams(self) -> tuple[str, ...]:
        """The assignee's reminders, then one stream per escalation target (policy order)."""
        return (ASSIGNEE, *dict.fromkeys(e.to for e in self.escalate))


@dataclass(frozen=True)
class Due:
    """The dates of one occurrence that reminders depend on (`due_at` is the UTC deadline)."""

    period_start: dt.date
    due_on: dt.date
    due_at: dt.datetime


@dataclass(frozen=True)
class Step:
    """One planned reminder: its stable `name`, local `day`, and the instant it may go out."""

    name: str
    day: dt.date
    moment: dt.datetime
    overdue: bool


def resolve_policy(
    program_policy: Mapping[str, Any] | None, task_policy: Mapping[str, Any] | None = None
) -> Policy:
    """The task's own policy when it has one, else the program's; missing fields take defaults.

    A task's policy replaces the program's whole (as the catalog documents), so a task that
    sets only `before` still gets the default escalations, not the program's.
    """
    spec = ReminderPolicy.model_validate(dict(task_policy or program_policy or {}))
    return Policy(
        before=tuple(parse_duration(text) for text in spec.before),
        overdue_every=parse_duration(spec.overdue_every),
        escalate=tuple(Escalation(parse_duration(e.after), e.to) for e in spec.escalate),
        send_at=dt.time.fromisoformat(spec.send_at),
        work_start=dt.time.fromisoformat(spec.working_hours.start),
        work_end=dt.time.fromisoformat(spec.working_hours.end),
    )


def is_business_day(day: dt.date) -> bool:
    """Monday to Friday."""
    return day.weekday() < 5


def previous_business_day(day: dt.date) -> dt.date:
    """`day` itself when it is a business day, else the Friday before."""
    while not is_business_day(day):
        day -= dt.timedelta(days=1)
    return day


def next_business_day(day: dt.date) -> dt.date:
    """`day` itself when it is a business day, else the Monday after."""
    while not is_business_day(day):
        day += dt.timedelta(days=1)
    return day


def add_duration(day: dt.date, duration: Duration, times: int = 1) -> dt.date:
    """`day` plus `times` x `duration`, in constant time even for long-overdue work."""
    amount = duration.amount * times
    if duration.unit == "bd":
        return _add_business_days(day, amount)
    if duration.unit == "m":
        return day + relativedelta(months=amount)
    return day + dt.timedelta(days=amount * (7 if duration.unit == "w" else 1))


def subtract_duration(day: dt.date, duration: Duration) -> dt.date:
    """`day` minus `duration` (business days count back over weekends)."""
    if duration.unit == "bd":
        return add_business_days(day, -duration.amount)
    if duration.unit == "m":
        return day - relativedelta(months=duration.amount)
    return day - dt.timedelta(days=duration.amount * (7 if duration.unit == "w" else 1))


def in_send_window(policy: Policy, local: dt.datetime) -> bool:
    """Whether a reminder may go out at this local time: a business day, send_at to work_end."""
    start = max(policy.send_at, policy.work_start)
    return is_business_day(local.date()) and start <= local.time() < policy.work_end


def due_step(
    policy: Policy, due: Due, *, stream: str, tz: ZoneInfo, now: dt.datetime
) -> Step | None:
    """The step of `stream` to send at `now`, or None.

    Only inside the recipient's send window, and only the latest step planned by now: a
    missed day (or a restart) sends the newest missed step once, never a backlog. The
    outbox key (occurrence, step, planned day) makes every later tick find it queued.
    """
    local = now.astimezone(tz)
    if not in_send_window(policy, local):
        return None
    today = local.date()
    latest = None
    for step in _steps(policy, due, stream=stream, tz=tz, through=today, recent=True):
        # A missed "due soon" step is not caught up once the deadline has passed.
        if step.moment <= now and (step.overdue or now < due.due_at):
            latest = step
    return latest


def planned_steps(
    policy: Policy, due: Due, *, stream: str, tz: ZoneInfo, through: dt.date
) -> list[Step]:
    """Every step of `stream` planned on or before local day `through`, in send order."""
    return list(_steps(policy, due, stream=stream, tz=tz, through=through, recent=False))


def _steps(
    policy: Policy, due: Due, *, stream: str, tz: ZoneInfo, through: dt.date, recent: bool
) -> Iterator[Step]:
    if stream == ASSIGNEE:
        steps = [*_before_steps(policy, due, tz), *_repeat_steps(policy, due, tz, through, recent)]
    else:
        steps = _escalation_steps(policy, due, tz, stream)
    # Two steps moved onto the same day collapse into the later one (the nearer deadline).
    by_day: dict[dt.date, Step] = {}
    for step in steps:
        if step.day <= through:
            by_day[step.day] = step
    yield from sorted(by_day.values(), key=lambda s: s.day)


def _before_steps(policy: Policy, due: Due, tz: ZoneInfo) -> list[Step]:
    """Pre-due steps: a weekend moves them to the Friday before, never past the due day.

    Steps before the period starts are dropped (no evidence is taken yet), and so are
    those whose moment is already past the deadline (the overdue steps take over).
    """
    raw = sorted(((subtract_duration(due.due_on, d), d) for d in policy.before), key=_first)
    steps = []
    for planned, lead in raw:
        day = previous_business_day(planned)
        moment = _at(day, policy.send_at, tz)
        if day >= due.period_start and moment < due.due_at:
            steps.append(Step(f"before-{lead}", day, moment, overdue=False))
    return steps


def _repeat_steps(
    policy: Policy, due: Due, tz: ZoneInfo, through: dt.date, recent: bool
) -> list[Step]:
    """Overdue repeats: every `overdue_every` after the due day; a weekend moves to Monday."""
    every = policy.overdue_every
    if every.amount == 0 or through <= due.due_on:
        return []
    last = _repeats_by(due.due_on, every, through)
    first = max(1, last - _RECENT_REPEATS + 1) if recent else 1
    return [
        _overdue_step(f"overdue-{every.amount * n}{every.unit}", due, policy, tz, n, every)
        for n in range(first, last + 1)
    ]


def _escalation_steps(policy: Policy, due: Due, tz: ZoneInfo, target: str) -> list[Step]:
    return [
        _overdue_step(f"escalate-{e.to}-{e.after}", due, policy, tz, 1, e.after)
        for e in policy.escalate
        if e.to == target
    ]


def _overdue_step(
    name: str, due: Due, policy: Policy, tz: ZoneInfo, times: int, unit: Duration
) -> Step:
    day = next_business_day(add_duration(due.due_on, unit, times))
    # Never "overdue" before the deadline has passed, wherever the recipient is.
    moment = max(_at(day, policy.send_at, tz), due.due_at)
    return Step(name, day, moment, overdue=True)


def _repeats_by(due_on: dt.date, every: Duration, through: dt.date) -> int:
    """How many repeats fall on or before `through` (before any weekend move)."""
    if every.unit == "bd":
        return business_days_between(due_on, through) // every.amount
    if every.unit == "m":
        months = (through.year - due_on.year) * 12 + through.month - due_on.month
        count = months // every.amount
        while count > 0 and add_duration(due_on, every, count) > through:
            count -= 1
        return count
    return (through - due_on).days // _calendar_days(every)


def _add_business_days(day: dt.date, n: int) -> dt.date:
    if n <= 0:
        return day
    # From a business day, five business days are exactly one week: walk at most five.
    weeks = (n - 1) // 5
    return add_business_days(day, n - 5 * weeks) + dt.timedelta(weeks=weeks)


def _calendar_days(duration: Duration) -> int:
    """The most calendar days a duration can span (for query horizons)."""
    if duration.unit == "bd":
        return duration.amount + 2 * (duration.amount // 5 + 1)
    return duration.amount * {"d": 1, "w": 7, "m": 31}[duration.unit]


def _first(pair: tuple[dt.date, Duration]) -> dt.date:
    return pair[0]


def _at(day: dt.date, at: dt.time, tz: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, at, tzinfo=tz).astimezone(dt.UTC)
