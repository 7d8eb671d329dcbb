"""The catalog file format (spec §6) as pydantic models; structural checks only."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

ROLES = ("admin", "member", "leadership", "auditor")
TASK_KINDS = (
    "access_review",
    "policy_review",
    "training",
    "vendor_review",
    "backup_test",
    "vulnerability_scan",
    "incident_exercise",
    "risk_assessment",
    "change_review",
    "onboarding",
    "offboarding",
    "monitoring_review",
    "generic",
)
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
HHMM_PATTERN = r"^([01]\d|2[0-3]):[0-5]\d$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class EscalationStep(_Strict):
    after: str
    to: Literal["owner", "backup_owner", "manager", "compliance"]


class WorkingHours(_Strict):
    start: str = Field("09:00", pattern=HHMM_PATTERN)
    end: str = Field("17:00", pattern=HHMM_PATTERN)


class ReminderPolicy(_Strict):
    before: list[str] = Field(default_factory=lambda: ["7d", "1d", "0d"])
    overdue_every: str = "2bd"
    escalate: list[EscalationStep] = Field(
        default_factory=lambda: [
            EscalationStep(after="3bd", to="manager"),
            EscalationStep(after="7bd", to="compliance"),
        ]
    )
    send_at: str = Field("09:30", pattern=HHMM_PATTERN)
    working_hours: WorkingHours = Field(default_factory=WorkingHours)

    @model_validator(mode="after")
    def _send_within_working_hours(self) -> ReminderPolicy:
        # Zero-padded HH:MM strings compare like the times they spell.
        hours = self.working_hours
        if not hours.start <= self.send_at < hours.end:
            raise ValueError(
                f"send_at {self.send_at} must fall within working_hours "
                f"{hours.start}-{hours.end} (start inclusive, end exclusive)"
            )
        return self


class Window(_Strict):
    start: dt.date
    end: dt.date


class Channels(_Strict):
    compliance: str | None = None
    leadership: str | None = None


class ProgramSpec(_Strict):
    name: str = Field(min_length=1, max_length=200)
    timezone: str = "UTC"
    criteria: list[str] = Field(default_factory=lambda: ["security"])
    window: Window | None = None
    start: dt.date | None = None
    channels: Channels = Field(default_factory=Channels)
    reminders: ReminderPolicy = Field(default_factory=ReminderPolicy)

    @field_validator("criteria")
    @classmethod
    def _lower(cls, value: list[str]) -> list[str]:
        return [v.lower().replace(" ", "_").replace("-", "_") for v in value]


class PersonSpec(_Strict):
    email: str = Field(pattern=EMAIL_PATTERN, max_length=254)
    name: str = Field(min_length=1, max_length=200)
    role: Literal["admin", "member", "leadership", "auditor"] = "member"
    manager: str | None = Field(None, pattern=EMAIL_PATTERN)
    timezone: str | None = None
    placeholder: bool = False

    @field_validator("email", "manager")
    @classmethod
    def _lower_email(cls, value: str | None) -> str | None:
        return value.lower() if value else value


class ReviewSpec(_Strict):
    """Where an access review's accounts come from, who decides them, where the prompt goes."""

    source: dict[str, str | bool | int]  # YAML's `no` is a bool: the source reads yes/no
    channel: str = Field(min_length=1, max_length=200)
    reviewer: str = Field("owner", min_length=1, max_length=254)  # owner | manager | <email>

    @field_validator("reviewer")
    @classmethod
    def _lower(cls, value: str) -> str:
        return value.lower()


class TaskSpec(_Strict):
    id: str = Field(pattern=ID_PATTERN)
    title: str = Field(min_length=1, max_length=200)
    kind: Literal[TASK_KINDS] = "generic"  # type: ignore[valid-type]
    schedule: str
    due: str = "14d"
    evidence: Literal["file", "attestation", "any"] = "any"
    assignee: str | None = Field(None, pattern=EMAIL_PATTERN)
    instructions: str | None = Field(None, max_length=2000)
    reminders: ReminderPolicy | None = None
    review: ReviewSpec | None = None
    # Evidence valid for a time (a vendor's SOC 2 report: `12m`): it stops counting after.
    expires: str | None = Field(None, max_length=16)


class ControlSpec(_Strict):
    id: str = Field(pattern=ID_PATTERN)
    title: str = Field(min_length=1, max_length=200)
    description: str = Field("", max_length=4000)
    criteria: list[str] = Field(min_length=1)
    owner: str = Field(pattern=EMAIL_PATTERN)
    backup_owner: str | None = Field(None, pattern=EMAIL_PATTERN)
    tasks: list[TaskSpec] = Field(default_factory=list)

    @field_validator("criteria")
    @classmethod
    def _upper(cls, value: list[str]) -> list[str]:
        return [v.upper() for v in value]

    @field_validator("owner", "backup_owner")
    @classmethod
    def _lower_email(cls, value: str | None) -> str | None:
        return value.lower() if value else value


SHA256_PATTERN = r"^[0-9a-fA-F]{64}$"


class PolicyDocument(_Strict):
    """The policy's current document: a file (read at sync, kept in the evidence store) or a
    link with the SHA-256 of what it serves."""

    file: str | None = Field(None, min_length=1, max_length=500)
    link: str | None = Field(None, pattern=r"^https://", max_length=2000)
    sha256: str | None = Field(None, pattern=SHA256_PATTERN)

    @model_validator(mode="after")
    def _one_source(self) -> PolicyDocument:
        if (self.file is None) == (self.link is None):
            raise ValueError("give the document as either `file` or `link`")
        if self.link is not None and self.sha256 is None:
            raise ValueError("a linked document needs its `sha256`, so a change is noticed")
        return self


class PolicySpec(_Strict):
    id: str = Field(pattern=ID_PATTERN)
    title: str = Field(min_length=1, max_length=200)
    owner: str = Field(pattern=EMAIL_PATTERN)
    approvers: list[str] = Field(min_length=1, max_length=6)
    document: PolicyDocument
    version: str = Field(min_length=1, max_length=64)
    review: str = "12m"  # the review cycle
    audience: str = Field("all", min_length=1, max_length=200)  # as campaigns' --group
    controls: list[str] = Field(min_length=1)

    @field_validator("owner")
    @classmethod
    def _lower_owner(cls, value: str) -> str:
        return value.lower()

    @field_validator("approvers")
    @classmethod
    def _lower_approvers(cls, value: list[str]) -> list[str]:
        return [v.strip().lower() for v in value]


class CatalogSpec(_Strict):
    program: ProgramSpec
    people: list[PersonSpec] = Field(default_factory=list)
    controls: list[ControlSpec] = Field(default_factory=list)
    policies: list[PolicySpec] = Field(default_factory=list)
