"""Policy and training facts: one person's card, and the progress of rounds and teams."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bot.core.text import share
from models import CampaignKind, CampaignStatus, ItemDecision


@dataclass(frozen=True)
class CampaignCard:
    """One person's item of a round, with everything its message shows."""

    campaign_id: int
    item_id: int
    kind: CampaignKind
    title: str
    version: str
    topic_slug: str
    statement: str
    summary: str | None
    link: str | None
    document: str | None  # "policy.pdf · SHA-256 ab12…" when a file was attached
    due_on: dt.date | None
    decision: ItemDecision
    decided_on: dt.date | None  # in the reader's timezone when known, else the program's
    round_status: CampaignStatus
    person: str

    @property
    def pending(self) -> bool:
        return self.decision is ItemDecision.PENDING and self.round_status is CampaignStatus.OPEN


@dataclass(frozen=True)
class RoundProgress:
    """A round's counts; withdrawn people (deactivated) are left out of every one of them."""

    campaign_id: int
    kind: CampaignKind
    name: str
    status: CampaignStatus
    due_on: dt.date | None
    total: int
    done: int
    overdue: int

    @property
    def pending(self) -> int:
        return self.total - self.done

    @property
    def pct(self) -> float | None:
        """Percent done; None for no one to count (shown as such, never as 0% or 100%)."""
        return share(self.done, self.total)


@dataclass(frozen=True)
class PersonRow:
    name: str
    email: str
    detail: str


@dataclass(frozen=True)
class RoundDetail:
    progress: RoundProgress
    done: list[PersonRow]
    pending: list[PersonRow]
    withdrawn: list[PersonRow]


@dataclass(frozen=True)
class TeamRate:
    """Completion of one open training round within one manager's direct reports."""

    campaign: str
    manager: str | None
    done: int
    total: int

    @property
    def pct(self) -> float | None:
        """Percent done; None for no one to count (shown as such, never as 0% or 100%)."""
        return share(self.done, self.total)
