"""Work facts: an occurrence's state as people see it, and one occurrence as a work item."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass


class State(enum.StrEnum):
    """What a person sees: stored status plus dates."""

    UPCOMING = "upcoming"
    OPEN = "open"
    OVERDUE = "overdue"
    DONE = "done"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class WorkItem:
    """One occurrence as people see it."""

    occurrence_id: int
    control_key: str
    task_title: str
    period_key: str
    due_on: dt.date
    state: State
    evidence: str
    assignee: str | None
