"""Status facts: the program's posture, per criterion, with its Type II window coverage."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bot.campaigns.facts import RoundProgress
from bot.core.text import share
from bot.directory.facts import OwnedWork
from bot.work.facts import ExpiringEvidence, WorkItem


@dataclass(frozen=True)
class CriterionCount:
    group: str
    controls: int
    open: int
    overdue: int


@dataclass(frozen=True)
class Coverage:
    control_key: str
    title: str
    expected: int
    evidenced: int
    skipped: int

    @property
    def gaps(self) -> int:
        return self.expected - self.evidenced - self.skipped


@dataclass(frozen=True)
class EvidenceExpiry:
    """Evidence nearing its expiry and evidence expired without a renewal, soonest first;
    the counts cover everything, the lists the first few."""

    expiring_count: int = 0
    expiring: tuple[ExpiringEvidence, ...] = ()
    expired_count: int = 0
    expired: tuple[ExpiringEvidence, ...] = ()


@dataclass(frozen=True)
class StatusSummary:
    program: str
    today: dt.date
    window_start: dt.date
    window_end: dt.date
    controls_in_scope: int
    controls_on_track: int
    open_count: int
    overdue_count: int
    due_soon_count: int
    overdue: list[WorkItem]
    due_soon: list[WorkItem]
    criteria: list[CriterionCount]
    coverage: list[Coverage]
    gaps: list[WorkItem]
    placeholder_owners: int
    # Controls, tasks and pending work still held by people who are no longer active.
    needs_new_owner: tuple[OwnedWork, ...] = ()
    # Open policy acknowledgement and training rounds, with their counts.
    rounds: tuple[RoundProgress, ...] = ()
    # Evidence that stops counting within 30 days, and evidence that has (bot/work/expiring.py).
    expiry: EvidenceExpiry = EvidenceExpiry()
    # Gaps that are done work whose evidence had expired by their due time (not missing).
    lapsed: frozenset[int] = frozenset()

    @property
    def readiness_pct(self) -> float:
        """Share of in-scope controls with no overdue work (0 with none in scope: the digest's
        trend subtracts it; messages say "no controls in scope" instead)."""
        return share(self.controls_on_track, self.controls_in_scope) or 0.0

    @property
    def coverage_pct(self) -> float | None:
        """Share of expected periods in the window (so far) that have accepted evidence; None
        while none is expected (neither 0% nor 100% covered)."""
        expected = sum(c.expected - c.skipped for c in self.coverage)
        return share(sum(c.evidenced for c in self.coverage), expected)

    @property
    def gap_count(self) -> int:
        return sum(c.gaps for c in self.coverage)
