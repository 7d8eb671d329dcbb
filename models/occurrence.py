"""One due instance of a task for one period."""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.base import enum_column, ts_field


class OccurrenceStatus(enum.StrEnum):
    """Stored status; `upcoming`, `open` and `overdue` are pending ones told apart by dates."""

    PENDING = "pending"
    DONE = "done"
    SKIPPED = "skipped"


class Occurrence(SQLModel, table=True):
    __table_args__ = (
        sa.UniqueConstraint("task_id", "period_key"),
        sa.Index("ix_occurrence_status_due_at", "status", "due_at"),
        sa.Index("ix_occurrence_assignee_status", "assignee_id", "status", "due_at"),
        # Per control, its periods and what the Type II window aggregates count: coverage
        # reads this index alone, already grouped by control (docs/performance.md).
        sa.Index(
            "ix_occurrence_control_window",
            "control_id",
            "period_start",
            "status",
            "due_at",
            "proven",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    task_id: int = Field(foreign_key="task.id")
    control_id: int = Field(foreign_key="control.id")  # ix_occurrence_control_window leads
    # Denormalised from task/control at generation and on reassignment, so "my work"
    # is one indexed lookup rather than a join over every task.
    assignee_id: int | None = Field(default=None, foreign_key="person.id")
    period_key: str = Field(max_length=32)
    period_start: dt.date = Field(index=True)
    period_end: dt.date
    due_on: dt.date
    due_at: dt.datetime = ts_field()
    status: OccurrenceStatus = Field(
        default=OccurrenceStatus.PENDING,
        sa_column=enum_column(OccurrenceStatus, nullable=False),
    )
    completed_at: dt.datetime | None = ts_field(nullable=True, index=True)
    completed_by_id: int | None = Field(default=None, foreign_key="person.id")
    skip_reason: str | None = None
    # Whether accepted (not superseded) evidence exists: kept by the evidence service in the
    # same transaction as the evidence, so that window coverage is counted from an index
    # instead of probing the evidence of every occurrence (docs/performance.md).
    proven: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})
    # Reminders and escalations pause until this instant (a snooze with a reason, audited).
    snoozed_until: dt.datetime | None = ts_field(nullable=True)
    snooze_reason: str | None = Field(default=None, max_length=500)
    created_at: dt.datetime = ts_field()
