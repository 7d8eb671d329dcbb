"""Sampling facts: a population with its canonical lines and hash, and a sample as shown."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from bot.sampling.draw import population_sha256


class PopulationKind(enum.StrEnum):
    """What a sample is drawn from (stored as `sample.population_kind`)."""

    OCCURRENCES = "occurrences"  # a control's work due in a window
    CAMPAIGN_ITEMS = "campaign_items"  # a campaign's accounts or acknowledgements
    FOLLOW_UPS = "follow_ups"  # a campaign's follow-ups (revocations to carry out)


MEMBER_PREFIX = {
    PopulationKind.OCCURRENCES: "occurrence",
    PopulationKind.CAMPAIGN_ITEMS: "item",
    PopulationKind.FOLLOW_UPS: "follow-up",
}


@dataclass(frozen=True)
class Population:
    """Every member, sorted by its sort key then id; `lines[i]` is the member `ids[i]`."""

    kind: PopulationKind
    ids: tuple[int, ...]
    lines: tuple[str, ...]
    label: str  # "CC6.1-AR, 2026-01-01 to 2026-06-30", "camp-5 (Q1 GitHub review)"
    control_id: int | None = None
    campaign_id: int | None = None
    window: tuple[dt.date, dt.date] | None = None
    schedules: tuple[str, ...] = ()  # one per task behind the occurrences

    @property
    def size(self) -> int:
        return len(self.ids)

    @property
    def sha256(self) -> str:
        return population_sha256(self.lines)


@dataclass(frozen=True)
class SizeChoice:
    """How many to draw and why: the frequency row of the table, or the size asked for."""

    size: int
    frequency: str | None  # "monthly", …; None for a campaign's items
    rule: str  # the rule in words, for the record and the answer


@dataclass(frozen=True)
class SampledItem:
    """One drawn member as an auditor reads it."""

    member: str  # "occurrence:412"
    ref: str  # "#412", "camp-5 item 88", "camp-5 follow-up 9"
    what: str  # "access-review 2026-Q1", an account, a follow-up's title
    day: dt.date | None  # due date (occurrences, follow-ups, acknowledgements)
    state: str  # done, skipped, overdue…; keep, revoke, pending…
    evidence: int  # accepted (not superseded) evidence
    round: int  # 0: the first draw; 1, 2…: each addition


@dataclass(frozen=True)
class SampleDetail:
    """A sample for display: what it was drawn from, how, and what was drawn."""

    sample_id: int
    label: str
    seed: str
    population_size: int
    population_sha256: str
    rule: str
    drawn_by: str
    drawn_at: dt.datetime
    items: tuple[SampledItem, ...]
    added: int = 0  # drawn by the latest addition, when the answer is about one
