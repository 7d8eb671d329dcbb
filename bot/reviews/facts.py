"""Access review facts: a review's items and counts, as its channel prompt shows them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from models import Campaign, CampaignItem

UNUSED_DAYS = 90
# Why a pulled account needs a closer look, in the order rows show them (flagged rows first).
FLAGS = {
    "orphan": "no matching person",
    "departed": "holder inactive or departed",
    "privileged": "admin or owner rights",
    "no_mfa": "no MFA",
    "unused": f"unused for over {UNUSED_DAYS} days",
}


@dataclass(frozen=True)
class ReviewItemRow:
    """One account of a review with the names of its reviewer, of who decided it, and of the
    person whose email the account carries (who it maps to), when known."""

    item: CampaignItem
    reviewer: str | None
    decided_by: str | None
    holder: str | None = None


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
    zone: dt.tzinfo = dt.UTC  # the program's timezone: the shared prompt's times are in it
    # Loaded one page at a time (`get_review_progress(page=…)`): `items` is that page, which
    # starts at row `first` of `rows` (all accounts, or the pending ones), and `systems` the
    # systems of every account. None: `items` holds every account.
    page: PageOf | None = None


@dataclass(frozen=True)
class PageOf:
    """Where a loaded page of review items sits among the rows it was cut from."""

    number: int  # 0-based, clamped to the last page
    size: int
    rows: int  # how many rows the view has (every account, or only the pending ones)
    pending_only: bool
    systems: tuple[str, ...]  # up to two: one means every account is on that system


@dataclass(frozen=True)
class BulkKeep:
    """What "Keep all remaining on this page" did: the accounts kept, and those skipped by
    reason ("already decided", "assigned to another reviewer", "your own account")."""

    campaign_id: int
    kept: tuple[str, ...]
    skipped: tuple[tuple[str, tuple[str, ...]], ...]
    completed: bool  # the last pending account was kept: the review is complete
