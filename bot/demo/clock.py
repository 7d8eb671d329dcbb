"""The demo's clock: audit events stamped when the demo says they happened, not when it ran."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from bot.audit import trail


@dataclass
class HistoricalClock:
    """The moment being replayed: it only moves forward, so events keep their order in time."""

    now: dt.datetime

    def move_to(self, moment: dt.datetime) -> None:
        if moment < self.now:
            raise ValueError(f"the demo's history runs forward: {moment} is before {self.now}")
        self.now = moment

    def __call__(self) -> dt.datetime:
        return self.now


@contextmanager
def audit_clock(start: dt.datetime) -> Iterator[HistoricalClock]:
    """While open, the audit trail stamps this context's events with the returned clock.

    Services take the time of what they record as `now=`, but the trail stamps each event
    with the wall clock: a year replayed in seconds would be logged as one minute, months
    after its evidence. `bot.audit.trail.stamped_by` lends the trail the demo's clock.
    """
    clock = HistoricalClock(start)
    with trail.stamped_by(clock):
        yield clock
