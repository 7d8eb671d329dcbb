"""Recurrence schedules, due-date durations and business-day arithmetic for control tasks."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from typing import Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.relativedelta import relativedelta
from dateutil.rrule import rrule, rrulestr

from bot.core.errors import InvalidInput

_SHORTHAND_RULES: Final[dict[str, str]] = {
    "daily": "RRULE:FREQ=DAILY",
    "weekly": "RRULE:FREQ=WEEKLY;BYDAY=MO",
    "biweekly": "RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=MO",
    "monthly": "RRULE:FREQ=MONTHLY;BYMONTHDAY=1",
    "quarterly": "RRULE:FREQ=MONTHLY;BYMONTH=1,4,7,10;BYMONTHDAY=1",
    "semiannual": "RRULE:FREQ=MONTHLY;BYMONTH=1,7;BYMONTHDAY=1",
    "annual": "RRULE:FREQ=YEARLY;BYMONTH=1;BYMONTHDAY=1",
}
SHORTHANDS: Final[tuple[str, ...]] = tuple(_SHORTHAND_RULES)
_SYNONYMS: Final = {"yearly": "annual", "annually": "annual", "half-yearly": "semiannual"}
# Biweekly periods start on Mondays an even number of weeks from this Monday.
_BIWEEKLY_EPOCH: Final = date(2001, 1, 1)
_NONZERO_PARTS: Final = ("BYSETPOS", "BYMONTHDAY", "BYYEARDAY", "BYWEEKNO")
_ALLOWED_PARTS: Final = frozenset({"FREQ", "INTERVAL", "WKST", "BYMONTH", "BYDAY", *_NONZERO_PARTS})
_ENDLESS: Final = "a control's schedule repeats until the control is retired"
_WHOLE_DAYS: Final = "schedules work in whole days"
_REFUSED_PARTS: Final = dict.fromkeys(("COUNT", "UNTIL"), _ENDLESS) | dict.fromkeys(
    ("BYHOUR", "BYMINUTE", "BYSECOND"), _WHOLE_DAYS
)
_FREQS: Final = frozenset({"DAILY", "WEEKLY", "MONTHLY", "YEARLY"})
_FINER_FREQS: Final = frozenset({"HOURLY", "MINUTELY", "SECONDLY"})
_MAX_INTERVAL: Final = 1000
# Probing near year 9999 bounds dateutil's endless search when a rule can never occur.
_PROBE_START: Final = datetime(9980, 1, 1)
_PROBE_END: Final = datetime(9989, 12, 31)
_CHOICES: Final = "use an RRULE or one of " + ", ".join(SHORTHANDS)


@dataclass(frozen=True)
class Schedule:
    """A parsed schedule: normalised `rule` ("RRULE:…"), the original `text`, the shorthand."""

    rule: str
    text: str
    shorthand: str | None = None


def parse_schedule(text: str) -> Schedule:
    """Parse a shorthand (case-insensitive) or an RFC 5545 RRULE, with or without "RRULE:".

    RRULEs follow RFC 5545 strictly: BYMONTHDAY=31 skips months without a 31st day
    (use BYMONTHDAY=-1 for the last day of every month). DTSTART, COUNT, UNTIL, time-of-day
    parts and frequencies finer than DAILY are refused.
    """
    cleaned = text.strip()
    if not cleaned:
        raise InvalidInput(f"the schedule is empty: {_CHOICES}")
    name = _SYNONYMS.get(cleaned.lower(), cleaned.lower())
    if name in _SHORTHAND_RULES:
        return Schedule(rule=_SHORTHAND_RULES[name], text=text, shorthand=name)
    if "=" not in cleaned and "DTSTART" not in cleaned.upper():
        raise InvalidInput(f"unknown schedule {cleaned!r}: {_CHOICES}")
    return Schedule(rule=_normalise_rrule(cleaned), text=text)


def _normalise_rrule(text: str) -> str:
    body = re.sub(r"\s+", "", text).upper()
    if "DTSTART" in body:
        raise InvalidInput(f"schedule {text!r} must not contain DTSTART: the anchor date sets it")
    body = body.removeprefix("RRULE:").strip(";")
    parts = _split_parts(body, text)
    _check_parts(parts, text)
    try:
        rule = _rrule(body, _PROBE_START)
    except (ValueError, TypeError) as exc:
        raise InvalidInput(f"invalid RRULE {text!r}: {exc}") from None
    if not rule.between(_PROBE_START, _PROBE_END, inc=True):
        raise InvalidInput(f"RRULE {text!r} never (or almost never) occurs")
    return str(rule).splitlines()[-1]


def _rrule(text: str, dtstart: datetime) -> rrule:
    rule = rrulestr(text, dtstart=dtstart)
    if not isinstance(rule, rrule):
        raise ValueError("only a single RRULE is supported")
    return rule


def _split_parts(body: str, text: str) -> dict[str, str]:
    parts: dict[str, str] = {}
    for item in body.split(";"):
        key, sep, value = item.partition("=")
        if not sep or not key or not value:
            raise InvalidInput(f"invalid RRULE {text!r}: {item!r} is not NAME=VALUE")
        if key in parts:
            raise InvalidInput(f"invalid RRULE {text!r}: {key} is given twice")
        parts[key] = value
    return parts


def _check_parts(parts: dict[str, str], text: str) -> None:
    for key in parts:
        if key in _REFUSED_PARTS:
            reason = _REFUSED_PARTS[key]
            raise InvalidInput(f"RRULE {text!r} is not supported: {reason}; drop {key}")
        if key not in _ALLOWED_PARTS:
            raise InvalidInput(f"invalid RRULE {text!r}: unknown part {key!r}")
    freq = parts.get("FREQ")
    if freq is None:
        raise InvalidInput(f"invalid RRULE {text!r}: FREQ is missing (e.g. FREQ=MONTHLY)")
    if freq in _FINER_FREQS:
        raise InvalidInput(f"RRULE {text!r}: FREQ={freq} is too fine; the finest is DAILY")
    if freq not in _FREQS:
        raise InvalidInput(f"invalid RRULE {text!r}: unknown FREQ; use DAILY … YEARLY")
    interval = parts.get("INTERVAL", "1")
    if not re.fullmatch("[0-9]{1,4}", interval) or not 1 <= int(interval) <= _MAX_INTERVAL:
        raise InvalidInput(f"RRULE {text!r}: INTERVAL must be from 1 to {_MAX_INTERVAL}")
    for key in _NONZERO_PARTS:
        if any(re.fullmatch("[+-]?0+", v) for v in parts.get(key, "").split(",")):
            raise InvalidInput(f"RRULE {text!r}: {key} values must not be 0")


_UNIT_DAYS_MAX: Final[dict[str, int]] = {"d": 3660, "w": 522, "bd": 2614, "m": 120}
_DURATION_RE: Final = re.compile(r"(?P<amount>[+-]?[0-9]+(?:[.,][0-9]*)?)\s*(?P<unit>[a-z]*)")


@dataclass(frozen=True)
class Duration:
    """A due-date offset: `amount` of `unit` (d days, w weeks, bd business days, m months)."""

    amount: int
    unit: str

    def __post_init__(self) -> None:
        if self.unit not in _UNIT_DAYS_MAX:
            raise InvalidInput(f"unknown duration unit {self.unit!r}: use d, w, bd or m")
        if self.amount < 0:
            raise InvalidInput(f"duration '{self}' is negative: durations count forward")
        if self.amount > _UNIT_DAYS_MAX[self.unit]:
            raise InvalidInput(f"duration '{self}' is too long: at most about 10 years")

    def __str__(self) -> str:
        return f"{self.amount}{self.unit}"

    def apply(self, d: date) -> date:
        """The date `self` after `d`; months clamp to month end (Jan 31 + 1m = Feb 28/29)."""
        if self.unit == "bd":
            return add_business_days(d, self.amount)
        if self.unit == "m":
            return d + relativedelta(months=self.amount)
        return d + timedelta(days=self.amount * (7 if self.unit == "w" else 1))


def parse_duration(text: str) -> Duration:
    """Parse `0d`, `14d`, `2w`, `10bd` (business days, Mon–Fri) or `1m` (calendar months)."""
    cleaned = text.strip().lower()
    match = _DURATION_RE.fullmatch(cleaned)
    hint = "use a whole number and a unit: d, w, bd or m (e.g. 14d, 2w, 10bd, 1m)"
    if not cleaned or match is None:
        raise InvalidInput(f"invalid duration {text!r}: {hint}")
    amount, unit = match["amount"], match["unit"]
    if not re.fullmatch("[+-]?[0-9]+", amount):
        raise InvalidInput(f"invalid duration {text!r}: {amount} is not a whole number")
    if amount.startswith("-") and int(amount) != 0:
        raise InvalidInput(f"invalid duration {text!r}: durations cannot be negative")
    if unit not in _UNIT_DAYS_MAX:
        what = f"unknown unit {unit!r}" if unit else "the unit is missing"
        raise InvalidInput(f"invalid duration {text!r}: {what}; {hint}")
    if int(amount) > _UNIT_DAYS_MAX[unit]:
        raise InvalidInput(f"invalid duration {text!r}: too long, at most about 10 years")
    return Duration(amount=int(amount), unit=unit)


def _is_business_day(d: date, holidays: frozenset[date]) -> bool:
    return d.weekday() < 5 and d not in holidays


def add_business_days(d: date, n: int, *, holidays: frozenset[date] = frozenset()) -> date:
    """Move `n` business days (Mon–Fri, not in `holidays`) from `d`; n=0 returns `d` as is."""
    step = 1 if n > 0 else -1
    remaining = abs(n)
    while remaining:
        d += timedelta(days=step)
        if _is_business_day(d, holidays):
            remaining -= 1
    return d


def business_days_between(
    start: date, end: date, *, holidays: frozenset[date] = frozenset()
) -> int:
    """Business days after `start` up to and including `end`; 0 if end <= start."""
    if end <= start:
        return 0
    weeks, rest = divmod((end - start).days, 7)
    count = weeks * 5 + sum((start + timedelta(days=i)).weekday() < 5 for i in range(1, rest + 1))
    return count - sum(start < h <= end and h.weekday() < 5 for h in holidays)


@dataclass(frozen=True)
class Period:
    """One occurrence: inclusive `start`..`end`, local `due_on`, UTC `due_at`, unique `key`."""

    start: date
    end: date
    due_on: date
    due_at: datetime
    key: str


def _iso_week(d: date) -> str:
    year, week, _ = d.isocalendar()
    return f"{year}-W{week:02d}"


_KEYS: Final[dict[str, Callable[[date], str]]] = {
    "daily": date.isoformat,
    "weekly": _iso_week,
    "biweekly": _iso_week,
    "monthly": lambda d: f"{d.year}-{d.month:02d}",
    "quarterly": lambda d: f"{d.year}-Q{(d.month - 1) // 3 + 1}",
    "semiannual": lambda d: f"{d.year}-H{(d.month - 1) // 6 + 1}",
    "annual": lambda d: str(d.year),
}


def _zone(tz: ZoneInfo | str) -> ZoneInfo:
    if isinstance(tz, ZoneInfo):
        return tz
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(f"unknown time zone {tz!r}: use a name like Europe/Berlin") from None


def end_of_local_day(d: date, tz: ZoneInfo) -> datetime:
    """The UTC instant when local day `d` ends (local midnight starting the next day)."""
    return datetime.combine(d + timedelta(days=1), time(0), tzinfo=tz).astimezone(UTC)


def _midnight(d: date) -> datetime:
    return datetime.combine(d, time(0))


def _dtstart(schedule: Schedule, anchor: date, lo: date) -> datetime:
    if schedule.shorthand is None:
        return _midnight(anchor)
    if schedule.shorthand != "biweekly":
        return _midnight(lo)
    weeks = (lo - _BIWEEKLY_EPOCH).days // 7
    return _midnight(_BIWEEKLY_EPOCH + timedelta(weeks=weeks - weeks % 2))


def periods(
    schedule: Schedule, *, due: Duration, tz: ZoneInfo | str, anchor: date, start: date, end: date
) -> list[Period]:
    """Every period starting in [start, end] and not before `anchor` (the rule's DTSTART).

    Shorthands are calendar-aligned whatever the anchor (biweekly: every other Monday from
    2001-01-01); an RRULE without BY* parts takes its phase from the anchor. A period ends
    the day before the next rule date; due_at is the UTC instant ending the local due day.
    """
    zone = _zone(tz)
    lo = max(start, anchor)
    if lo > end:
        return []
    rule = _rrule(schedule.rule, _dtstart(schedule, anchor, lo))
    starts = [dt.date() for dt in rule.between(_midnight(lo), _midnight(end), inc=True)]
    if not starts:
        return []
    after = rule.after(_midnight(starts[-1]))
    bounds = [*starts, after.date() if after is not None else date.max]
    key = _KEYS[schedule.shorthand] if schedule.shorthand else date.isoformat
    return [_period(s, nxt, due, zone, key) for s, nxt in pairwise(bounds)]


def _period(
    start: date, next_start: date, due: Duration, zone: ZoneInfo, key: Callable[[date], str]
) -> Period:
    due_on = due.apply(start)
    last = next_start if next_start == date.max else next_start - timedelta(days=1)
    return Period(
        start=start, end=last, due_on=due_on, due_at=end_of_local_day(due_on, zone), key=key(start)
    )
