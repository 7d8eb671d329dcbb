"""The demo's timeline: what happened when, as steps replayed in time order, and its calendar."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot.demo.company import TIMEZONE
from models import CampaignKind

HOUR, DAY = dt.timedelta(hours=1), dt.timedelta(days=1)
ZONE = ZoneInfo(TIMEZONE)


@dataclass(frozen=True)
class Work:
    """One occurrence as the plan sees it: known by task and period before it exists."""

    task_id: int
    period_key: str
    period_start: dt.date
    due_at: dt.datetime
    assignee_id: int

    @property
    def key(self) -> tuple[int, str]:
        return self.task_id, self.period_key

    @property
    def opened(self) -> dt.datetime:
        """Noon of the period's first day: when the work can first be done."""
        return local(self.period_start, 12)


@dataclass(frozen=True)
class Tick:
    """The scheduler generating occurrences up to its horizon."""

    at: dt.datetime


@dataclass(frozen=True)
class Skip:
    """The compliance lead skips a period, with the reason the auditor will read."""

    at: dt.datetime
    work: Work
    reason: str


@dataclass(frozen=True)
class Done:
    """The assignee completes a period: with a file, or by attestation with an optional note."""

    at: dt.datetime
    work: Work
    file: bool
    note: str | None = None


@dataclass(frozen=True)
class Round:
    """The compliance lead starts a policy or training round for everyone."""

    at: dt.datetime
    name: str  # how the demo refers to the round: its answers name it
    kind: CampaignKind
    title: str
    version: str
    due: str


@dataclass(frozen=True)
class Answer:
    """A person acknowledges the policy, or confirms the training, of a round."""

    at: dt.datetime
    round: str
    person_id: int


Step = Tick | Skip | Done | Round | Answer


def local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    """A wall-clock time in the program's timezone, as a UTC instant."""
    return dt.datetime.combine(day, dt.time(hour, minute), ZONE).astimezone(dt.UTC)


def working_hours(rng: random.Random, moment: dt.datetime, tz: str | None) -> dt.datetime:
    """A random minute between 09:00 and 17:59 of the day of `moment` where the person is."""
    day = moment.astimezone(ZoneInfo(tz or TIMEZONE)).replace(second=0, microsecond=0)
    return day.replace(hour=rng.randint(9, 17), minute=rng.randint(0, 59)).astimezone(dt.UTC)


def between(rng: random.Random, lo: dt.datetime, hi: dt.datetime, tz: str | None) -> dt.datetime:
    """A working-hours minute of a random day in [lo, hi], kept inside it (callers leave an
    hour or more between the two)."""
    moment = working_hours(rng, lo + (hi - lo) * rng.random(), tz)
    if moment < lo:
        whole = lo.replace(second=0, microsecond=0)
        moment = whole if whole == lo else whole + dt.timedelta(minutes=1)
    return min(moment, hi.replace(second=0, microsecond=0))


def weekday_before(day: dt.date) -> dt.date:
    """`day`, or the Friday before it when it falls on a weekend."""
    return day - dt.timedelta(days=max(day.weekday() - 4, 0))


def ticks(after: dt.datetime, now: dt.datetime) -> list[Tick]:
    """The scheduler's runs that generated work: 02:00 on the first of every third month (its
    120-day horizon reaches past the next one: work exists before its period starts), and the
    last 02:00 before `now`, which leaves the horizon where the scheduler keeps it."""
    found, day = [], after.astimezone(ZONE).date().replace(day=1)
    while True:
        for _ in range(3):
            day = (day + dt.timedelta(days=32)).replace(day=1)
        if local(day, 2) >= now:
            break
        found.append(local(day, 2))
    today = now.astimezone(ZONE).date()
    last = local(today, 2) if local(today, 2) < now else local(today - DAY, 2)
    if last > after and last not in found:
        found.append(last)
    return [Tick(at) for at in found]


def recent_weeks(now: dt.datetime) -> list[tuple[dt.datetime, dt.datetime]]:
    """The weeks a reader of the demo looks at: the 7 days before `now`, and the calendar
    week (Monday to Sunday, program time) the weekly digest reports on."""
    today = now.astimezone(ZONE).date()
    monday = today - dt.timedelta(days=today.weekday())
    return [(now - 7 * DAY, now), (local(monday - 7 * DAY, 0), local(monday, 0))]
