"""Digest facts: everything the weekly digest says, and the rows of its lists."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from bot.audit.witness import SignedHead
from bot.campaigns.facts import TeamRate
from bot.core.text import share
from bot.status.facts import CriterionCount, EvidenceExpiry
from bot.work.facts import WorkItem


@dataclass(frozen=True)
class Completed:
    """One piece of work finished in the week reported on."""

    occurrence_id: int
    control_key: str
    task_title: str
    period_key: str
    completed_by: str | None
    completed_on: dt.date  # program time
    on_time: bool


@dataclass(frozen=True)
class OwnerOverdue:
    """How much overdue work one person holds (`owner` None: nobody is assigned)."""

    owner: str | None
    count: int
    oldest_due: dt.date


@dataclass(frozen=True)
class CampaignProgress:
    campaign_id: int
    name: str
    kind: str
    decided: int
    total: int

    @property
    def pct(self) -> float | None:
        """Percent decided; None for an empty round (shown as such, never as 0% or 100%)."""
        return share(self.decided, self.total)


@dataclass(frozen=True)
class WeekTrend:
    """Work due in one ISO week (program time), and how much of it was done by its due time."""

    week_start: dt.date
    due: int
    on_time: int

    @property
    def label(self) -> str:
        return f"W{self.week_start.isocalendar().week:02d}"

    @property
    def rate(self) -> float | None:
        return 100.0 * self.on_time / self.due if self.due else None


@dataclass(frozen=True)
class Digest:
    """Everything the weekly digest says; dates are in the program's timezone."""

    program: str
    iso_year: int
    iso_week: int
    today: dt.date
    last_week_start: dt.date  # Monday of the week reported on
    readiness_pct: float
    readiness_week_ago_pct: float  # the same measure, as of 7 days before `now`
    controls_in_scope: int
    controls_on_track: int
    completed_count: int
    completed_late: int
    completed: list[Completed]  # the first `limit`, oldest first
    overdue_count: int
    overdue_by_owner: list[OwnerOverdue]
    evidence_files: int
    evidence_attestations: int
    due_soon_count: int
    due_soon: list[WorkItem]
    window_start: dt.date
    window_end: dt.date
    coverage_pct: float | None  # None while no period of the window is due yet
    gap_count: int
    gaps: list[WorkItem]
    campaigns: list[CampaignProgress]
    trend: list[WeekTrend]  # oldest first, ending with last week
    criteria: list[CriterionCount]
    # Open training rounds: completion within each manager's team, least complete first.
    training_by_team: list[TeamRate] = field(default_factory=list)
    # The audit chain's head, signed: a dated witness kept outside the database.
    witness: SignedHead | None = None
    # Evidence that stops counting within 30 days, and evidence that has (as `status`).
    expiry: EvidenceExpiry = EvidenceExpiry()

    @property
    def week_label(self) -> str:
        return f"{self.iso_year}-W{self.iso_week:02d}"

    @property
    def last_week_end(self) -> dt.date:
        """Sunday of the week reported on."""
        return self.last_week_start + dt.timedelta(days=6)

    @property
    def readiness_change(self) -> float:
        return self.readiness_pct - self.readiness_week_ago_pct

    @property
    def evidence_count(self) -> int:
        return self.evidence_files + self.evidence_attestations
