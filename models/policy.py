"""Policies as living documents: the registry, each version's document, and its approvals."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.base import enum_column, json_field, ts_field


class Policy(SQLModel, table=True):
    """A policy from the catalog's `policies:`; its yearly review is the work of `task_id`."""

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=64, unique=True)  # the catalog id, lower case
    title: str = Field(max_length=200)
    owner_id: int = Field(foreign_key="person.id", index=True)
    # Approvers in order (person ids): a new version goes to each in turn.
    approver_ids: list[int] = json_field(default=list, nullable=False)
    review_cycle: str = Field(default="12m", max_length=16)
    audience: str = Field(default="all", max_length=200)  # as campaigns' --group
    control_keys: list[str] = json_field(default=list, nullable=False)
    task_id: int | None = Field(default=None, foreign_key="task.id")
    # The published version people acknowledge (no FK: versions point back at the policy).
    current_version_id: int | None = None
    retired_at: dt.datetime | None = ts_field(nullable=True)
    created_at: dt.datetime = ts_field()
    updated_at: dt.datetime = ts_field()


class VersionStatus(enum.StrEnum):
    AWAITING_APPROVAL = "awaiting_approval"
    CHANGES_REQUESTED = "changes_requested"
    PUBLISHED = "published"
    SUPERSEDED = "superseded"  # a later version was published
    WITHDRAWN = "withdrawn"  # replaced before it was published


class PolicyVersion(SQLModel, table=True):
    """One version of a policy's document: a stored file or a link, always with its SHA-256."""

    __table_args__ = (sa.UniqueConstraint("policy_id", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    policy_id: int = Field(foreign_key="policy.id", index=True)
    version: str = Field(max_length=64)
    status: VersionStatus = Field(
        default=VersionStatus.AWAITING_APPROVAL,
        sa_column=enum_column(VersionStatus, nullable=False),
    )
    sha256: str = Field(max_length=64)
    document_name: str | None = Field(default=None, max_length=255)
    storage_key: str | None = Field(default=None, max_length=300)
    media_type: str | None = Field(default=None, max_length=128)
    size: int | None = None
    link: str | None = Field(default=None, max_length=2000)
    note: str | None = None
    submitted_by_id: int | None = Field(default=None, foreign_key="person.id")
    submitted_at: dt.datetime = ts_field()
    occurrence_id: int | None = Field(default=None, foreign_key="occurrence.id")
    published_at: dt.datetime | None = ts_field(nullable=True)
    campaign_id: int | None = Field(default=None, foreign_key="campaign.id")
    details: dict[str, Any] = json_field(default=dict, nullable=False)


class ApprovalDecision(enum.StrEnum):
    APPROVED = "approved"
    CHANGES_REQUESTED = "changes_requested"


class PolicyApproval(SQLModel, table=True):
    """One approver's decision on one version, bound to the document's SHA-256 it saw."""

    id: int | None = Field(default=None, primary_key=True)
    version_id: int = Field(foreign_key="policyversion.id", index=True)
    step: int  # 1-based position in the policy's approvers
    approver_id: int = Field(foreign_key="person.id")
    decision: ApprovalDecision = Field(sa_column=enum_column(ApprovalDecision, nullable=False))
    sha256: str = Field(max_length=64)
    comment: str | None = None
    decided_at: dt.datetime = ts_field()
    # Set when the document changed after this decision: it no longer counts.
    invalidated_at: dt.datetime | None = ts_field(nullable=True)
