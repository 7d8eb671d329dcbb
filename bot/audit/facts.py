"""Audit facts: the events found for one subject."""

from __future__ import annotations

from dataclasses import dataclass

from models import AuditEvent


@dataclass(frozen=True)
class History:
    subject: str
    events: list[AuditEvent]
