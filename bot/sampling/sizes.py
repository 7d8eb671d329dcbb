"""Default sample sizes: a control's frequency from its tasks' schedules, and the table."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable

from bot.core.recurrence import Duration, parse_schedule, periods
from bot.sampling.facts import SizeChoice

# Commonly used guidance for tests of controls (e.g. the AICPA Audit Guide "Audit Sampling"
# and the tables audit firms derive from it): (frequency, size, most operations a year that
# still count as it). A rate between two rows takes the row it is nearer to, as a ratio (the
# limits are the geometric means of neighbouring rates): twice a week is weekly, a monthly and
# a quarterly task together (16 a year) monthly; more than daily is several a day.
# docs/auditors.md shows this table; semiannual is not in the guidance, and is our choice.
FREQUENCY_TABLE: tuple[tuple[str, int, int], ...] = (
    ("annual", 1, 1),
    ("semiannual", 1, 2),
    ("quarterly", 2, 6),
    ("monthly", 2, 24),
    ("weekly", 5, 137),
    ("daily", 25, 366),
)
SEVERAL_A_DAY = "several a day"
# Several a day, and a campaign's items: 25 up to this population, 60 from the next, and a
# straight line between them.
SMALL, LARGE, FEWEST, MOST = 250, 1000, 25, 60
_REFERENCE_YEAR = (dt.date(2001, 1, 1), dt.date(2001, 12, 31))  # a Monday, not a leap year
_NO_DELAY = Duration(amount=0, unit="d")


def operations_per_year(schedules: Iterable[str]) -> int:
    """How often a control operates: its tasks' periods in one calendar year, added up."""
    first, last = _REFERENCE_YEAR
    return sum(
        len(
            periods(parse_schedule(s), due=_NO_DELAY, tz="UTC", anchor=first, start=first, end=last)
        )
        for s in schedules
    )


def frequency_of(per_year: int) -> str:
    """The row of the table for a control that operates `per_year` times a year."""
    for name, _, most in FREQUENCY_TABLE:
        if per_year <= most:
            return name
    return SEVERAL_A_DAY


def scaled_size(population: int) -> int:
    """25 at 250 members or fewer, 60 at 1,000 or more, rounded up on the line between."""
    if population <= SMALL:
        return FEWEST
    share = (min(population, LARGE) - SMALL) / (LARGE - SMALL)
    return math.ceil(FEWEST + share * (MOST - FEWEST))


def control_size(schedules: Iterable[str], population: int) -> SizeChoice:
    """The default for a control's occurrences: its frequency's row, never above the
    population."""
    frequency = frequency_of(operations_per_year(schedules))
    table = {name: size for name, size, _ in FREQUENCY_TABLE}
    if frequency == SEVERAL_A_DAY:
        size = scaled_size(population)
        rule = f"{SEVERAL_A_DAY}: 25 to 60 by population, {size} for {population}"
    else:
        size = table[frequency]
        rule = f"{frequency} control: {size}"
    return _capped(size, frequency, rule, population)


def campaign_size(population: int) -> SizeChoice:
    """The default for a campaign's items or follow-ups: 25 to 60 by population, never
    above it."""
    size = scaled_size(population)
    return _capped(size, None, f"campaign: 25 to 60 by population, {size} for {population}",
                   population)  # fmt: skip


def given_size(size: int, population: int) -> SizeChoice:
    """The size asked for (`--size`), checked by the caller against the population."""
    return SizeChoice(min(size, population), None, f"size {size} asked for")


def _capped(size: int, frequency: str | None, rule: str, population: int) -> SizeChoice:
    if size <= population:
        return SizeChoice(size, frequency, rule)
    return SizeChoice(population, frequency, f"{rule}; the whole population of {population}")
