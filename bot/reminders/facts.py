"""Reminder facts: what one reminder says about one occurrence, to one audience."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bot.work.facts import PolicyRef, State


@dataclass(frozen=True)
class ReminderNote:
    """What a reminder says about one occurrence, for one audience on one local day."""

    occurrence_id: int
    control_key: str
    control_title: str
    task_title: str
    period_key: str
    due_on: dt.date
    evidence: str
    state: State
    assignee: str | None
    audience: str  # assignee | owner | backup_owner | manager | compliance
    today: dt.date  # the recipient's local date when it is sent
    overdue_days: int  # business days past the due day
    policy: PolicyRef | None = None  # a policy's review: the owner answers it, not "done"
