"""Recurring obligations under a control: schedule, due offset, evidence requirement."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlmodel import Field, SQLModel

from models.base import enum_column, json_field, ts_field


class EvidenceRequirement(enum.StrEnum):
    FILE = "file"
    ATTESTATION = "attestation"
    ANY = "any"


class Task(SQLModel, table=True):
    """A task with a stable key; its occurrences are generated from `schedule`."""

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=64, unique=True)
    control_id: int = Field(foreign_key="control.id", index=True)
    title: str = Field(max_length=200)
    kind: str = Field(default="generic", max_length=32)
    schedule: str = Field(max_length=500)
    due_offset: str = Field(default="14d", max_length=16)
    evidence: EvidenceRequirement = Field(
        default=EvidenceRequirement.ANY,
        sa_column=enum_column(EvidenceRequirement, nullable=False),
    )
    assignee_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    instructions: str | None = None
    reminder_policy: dict[str, Any] | None = json_field()
    # An access review's source, reviewer and channel (the catalog's `review:`), or None.
    review: dict[str, Any] | None = json_field()
    # How long evidence for this task stays valid (`12m`), or None: it never expires.
    expires: str | None = Field(default=None, max_length=16)
    # Set when the schedule changes: a new cadence is planned from then on and does not
    # invent past periods that the old cadence already covered.
    planned_from: dt.date | None = None
    retired_at: dt.datetime | None = ts_field(nullable=True)
    created_at: dt.datetime = ts_field()
    updated_at: dt.datetime = ts_field()
