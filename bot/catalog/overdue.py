"""Work a catalog sync would create already overdue: counted before it is written.

A window that starts in the past (January, synced in December) would otherwise fill the
database with months of overdue work at once, and flood its owners with reminders.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from sqlmodel import Session, col, select

from bot.catalog.facts import OverdueControl, OverdueForecast, OverduePeriod
from bot.catalog.messages import overdue_warning_view
from bot.core.errors import Conflict
from bot.core.plain import render_plain
from models import Control, Occurrence, Task

OLDEST_SHOWN = 3  # periods named per control; the count covers them all


class OverdueWorkRefused(Conflict):
    """A sync stopped (and rolled back) because it would create work already overdue."""

    def __init__(self, forecast: OverdueForecast) -> None:
        self.forecast = forecast
        super().__init__(render_plain(overdue_warning_view(forecast)))


def forecast_overdue(
    *, session: Session, planned: list[Occurrence], now: dt.datetime
) -> OverdueForecast:
    """Which of the `planned` occurrences would be overdue the moment they exist."""
    overdue = sorted((o for o in planned if o.due_at <= now), key=lambda o: (o.due_at, o.id or 0))
    controls = _keys(session, Control, {o.control_id for o in overdue})
    tasks = _keys(session, Task, {o.task_id for o in overdue})
    by_control: dict[str, list[Occurrence]] = defaultdict(list)
    for occ in overdue:
        by_control[controls.get(occ.control_id, "?")].append(occ)
    rows = [
        OverdueControl(
            control=key,
            count=len(occs),
            oldest=tuple(
                OverduePeriod(tasks.get(o.task_id, "?"), o.period_key, o.due_on)
                for o in occs[:OLDEST_SHOWN]
            ),
        )
        for key, occs in by_control.items()
    ]
    rows.sort(key=lambda r: (-r.count, r.control))
    return OverdueForecast(total=len(overdue), controls=tuple(rows))


def _keys(session: Session, model: type[Control] | type[Task], ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = session.exec(select(model.id, model.key).where(col(model.id).in_(ids))).all()
    return {row_id: key for row_id, key in rows if row_id is not None}
