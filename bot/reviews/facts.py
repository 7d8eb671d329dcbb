"""Access review facts: a review's items and counts, as its channel prompt shows them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from models import Campaign, CampaignItem


@dataclass(frozen=True)
class ReviewItemRow:
    """One account of a review with the names of its reviewer and of who decided it."""

    item: CampaignItem
    reviewer: str | None
    decided_by: str | None


@dataclass(frozen=True)
class ReviewProgress:
    """A review's items and counts, as the channel prompt shows them."""

    campaign: Campaign
    items: list[ReviewItemRow]
    total: int
    decided: int
    kept: int
    revoked: int
    pending: int
    reviewers: list[str]
    follow_ups: int
    completed_on: dt.date | None = None  # the campaign's completion day, in program time
