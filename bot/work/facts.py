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
class PolicyRef:
    """The policy whose review an occurrence is: its row id (the buttons') and its id."""

    id: int
    key: str


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
    # Set when this is a policy's review: it is answered through the policy, not marked done.
    policy: PolicyRef | None = None


@dataclass(frozen=True)
class ExpiringEvidence:
    """A task's current evidence (its latest accepted) that stops counting at `expires_at`."""

    evidence_id: int
    occurrence_id: int
    task_id: int
    control_key: str
    task_title: str
    period_key: str
    submitted_at: dt.datetime
    expires_at: dt.datetime  # the instant it stops counting: the end of `expires_on`
    expires_on: dt.date  # its last valid day, in the program's timezone
    owner_id: int | None  # who renews it: the work's assignee, else the control's owner
    # The task's work whose period holds today (None: no period holds it); the evidence's own
    # occurrence when that one is still current, so a renewal can be attached to it.
    current_occurrence_id: int | None
