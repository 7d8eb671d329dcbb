"""Catalog facts: controls as listed, and one control in detail."""

from __future__ import annotations

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
