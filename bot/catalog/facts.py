"""Catalog facts: controls as listed, one control in detail, overdue work a sync would make."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from models import AuditEvent, Control, Evidence, Occurrence, Person, Task


@dataclass(frozen=True)
class ControlRow:
    key: str
    title: str
    owner: str | None
    criteria: list[str]
    in_scope: bool
    retired: bool


@dataclass(frozen=True)
class ControlDetail:
    control: Control
    owner: Person | None
    backup_owner: Person | None
    criteria: list[str]
    tasks: list[Task]
    recent: list[Occurrence]
    last_evidence: Evidence | None
    history: list[AuditEvent]


@dataclass(frozen=True)
class OverduePeriod:
    """One occurrence a sync would create with its due day already past."""

    task: str
    period: str
    due_on: dt.date


@dataclass(frozen=True)
class OverdueControl:
    """A control's share of that work: how much, and its oldest periods."""

    control: str
    count: int
    oldest: tuple[OverduePeriod, ...]


@dataclass(frozen=True)
class OverdueForecast:
    """The already-overdue work a sync would create, most affected controls first."""

    total: int
    controls: tuple[OverdueControl, ...]
