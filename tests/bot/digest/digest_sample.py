"""A hand-made digest for chart and view tests (no database needed)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from bot.digest.facts import CampaignProgress, Completed, Digest, OwnerOverdue, WeekTrend
from bot.status.facts import CriterionCount
from bot.work.facts import State, WorkItem

MONDAY = dt.date(2026, 5, 18)


def work(n: int, key: str = "CC6.1-AR", state: State = State.OPEN) -> WorkItem:
    return WorkItem(
        n, key, "Review production access", f"2026-W{n:02d}", MONDAY, state, "any", "Raj"
    )


def sample_digest(**changes: Any) -> Digest:
    """Week 2026-W21 of a small program; keyword arguments replace fields."""
    digest = Digest(
        program="Acme SOC 2",
        iso_year=2026,
        iso_week=21,
        today=MONDAY,
        last_week_start=MONDAY - dt.timedelta(days=7),
        readiness_pct=75.0,
        readiness_week_ago_pct=70.0,
        controls_in_scope=20,
        controls_on_track=15,
        completed_count=12,
        completed_late=2,
        completed=[
            Completed(
                n,
                "CC6.1-AR",
                "Review production access",
                f"2026-W{n}",
                "Raj Iyer",
                MONDAY - dt.timedelta(days=3),
                n % 5 != 0,
            )
            for n in range(10, 15)
        ],  # fmt: skip
        overdue_count=7,
        overdue_by_owner=[
            OwnerOverdue("Raj Iyer", 4, dt.date(2026, 4, 15)),
            OwnerOverdue(None, 3, dt.date(2026, 5, 1)),
        ],
        evidence_files=5,
        evidence_attestations=9,
        due_soon_count=3,
        due_soon=[work(21), work(22, state=State.UPCOMING)],
        window_start=dt.date(2026, 1, 1),
        window_end=dt.date(2026, 12, 31),
        coverage_pct=91.5,
        gap_count=4,
        gaps=[work(19, state=State.OVERDUE)],
        campaigns=[CampaignProgress(1, "Q2 production access", "access_review", 12, 30)],
        trend=[
            WeekTrend(MONDAY - dt.timedelta(weeks=w), due, ok)
            for w, due, ok in zip(
                range(12, 0, -1),
                [4, 0, 6, 3, 8, 2, 5, 9, 4, 7, 1, 6],
                [4, 0, 5, 3, 6, 2, 5, 8, 2, 7, 0, 3],
                strict=True,
            )
        ],  # fmt: skip
        criteria=[
            CriterionCount("CC6", 8, 5, 4),
            CriterionCount("CC7", 5, 2, 3),
            CriterionCount("A1", 2, 1, 0),
        ],
    )
    return dataclasses.replace(digest, **changes)
