"""The export window: dates, instants in the program's timezone, and which rows fall in it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from bot.audit.trail import format_time
from bot.core.program import program_today
from models import Campaign, CampaignItem, Evidence, Occurrence, Program

BATCH = 1000


@dataclass(frozen=True)
class Window:
    """Both dates inclusive; `start_at`/`end_at` bound it in UTC (end exclusive)."""

    program: Program
    start: dt.date
    end: dt.date
    now: dt.datetime

    @property
    def timezone(self) -> ZoneInfo:
        return ZoneInfo(self.program.timezone)

    @property
    def start_at(self) -> dt.datetime:
        return dt.datetime.combine(self.start, dt.time(), self.timezone).astimezone(dt.UTC)

    @property
    def end_at(self) -> dt.datetime:
        after = self.end + dt.timedelta(days=1)
        return dt.datetime.combine(after, dt.time(), self.timezone).astimezone(dt.UTC)

    @property
    def today(self) -> dt.date:
        return program_today(self.program, self.now)


def occurrence_in_window(window: Window) -> Any:
    """The Type II population: every occurrence due within the window, both ends included."""
    return col(Occurrence.due_on).between(window.start, window.end)


def occurrence_ids(window: Window) -> Any:
    return select(Occurrence.id).where(occurrence_in_window(window))


def campaign_in_window(window: Window) -> Any:
    """Campaigns running at some point in the window, or tied to an occurrence in it, and
    the other campaigns of the same occurrence (a review split by manager is one review: its
    snapshot is filed under its first campaign only)."""
    sibling = aliased(Campaign)
    shared = select(sibling.occurrence_id).where(
        _running(sibling, window), col(sibling.occurrence_id).is_not(None)
    )
    return sa.or_(
        _running(Campaign, window),
        col(Campaign.occurrence_id).in_(occurrence_ids(window)),
        col(Campaign.occurrence_id).in_(shared),
    )


def _running(campaign: Any, window: Window) -> Any:
    return sa.and_(
        campaign.created_at < window.end_at,
        sa.or_(campaign.completed_at.is_(None), campaign.completed_at >= window.start_at),
    )


def campaign_ids(window: Window) -> Any:
    return select(Campaign.id).where(campaign_in_window(window))


def evidence_in_window(window: Window) -> Any:
    """Evidence of the window's occurrences and campaigns (superseded rows included)."""
    items = select(CampaignItem.id).where(col(CampaignItem.campaign_id).in_(campaign_ids(window)))
    return sa.or_(
        col(Evidence.occurrence_id).in_(occurrence_ids(window)),
        col(Evidence.campaign_id).in_(campaign_ids(window)),
        col(Evidence.campaign_item_id).in_(items),
    )


def stream(session: Session, query: Any) -> Iterator[Any]:
    """Rows as the database hands them over, a batch at a time (server-side on PostgreSQL)."""
    yield from session.execute(query.execution_options(yield_per=BATCH))


def text(value: Any) -> str:
    """One CSV/HTML cell: dates as ISO, instants as UTC with ms, None as empty."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return format_time(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)
