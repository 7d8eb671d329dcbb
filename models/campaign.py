"""Campaigns of many small decisions (access reviews, policy acknowledgements, training)."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.base import enum_column, json_field, ts_field


class CampaignKind(enum.StrEnum):
    ACCESS_REVIEW = "access_review"
    POLICY_ACK = "policy_ack"
    TRAINING = "training"


class CampaignStatus(enum.StrEnum):
    OPEN = "open"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    # A policy round replaced by a newer version (or a training round by the next one).
    SUPERSEDED = "superseded"


class ItemDecision(enum.StrEnum):
    PENDING = "pending"
    KEEP = "keep"
    REVOKE = "revoke"
    ACKNOWLEDGED = "acknowledged"
    COMPLETED = "completed"
    # The person left the campaign's audience (deactivated); kept, never counted.
    WITHDRAWN = "withdrawn"


class Campaign(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    kind: CampaignKind = Field(sa_column=enum_column(CampaignKind, nullable=False))
    name: str = Field(max_length=200)
    control_id: int | None = Field(default=None, foreign_key="control.id")
    occurrence_id: int | None = Field(default=None, foreign_key="occurrence.id")
    status: CampaignStatus = Field(
        default=CampaignStatus.OPEN, sa_column=enum_column(CampaignStatus, nullable=False)
    )
    version: str | None = Field(default=None, max_length=64)
    # What successive rounds share (`policy:acceptable-use`): a new round supersedes the open one.
    topic: str | None = Field(default=None, max_length=120, index=True)
    channel: str | None = Field(default=None, max_length=200)
    details: dict[str, Any] = json_field(default=dict, nullable=False)
    created_by_id: int | None = Field(default=None, foreign_key="person.id")
    created_at: dt.datetime = ts_field()
    completed_at: dt.datetime | None = ts_field(nullable=True)


class CampaignItem(SQLModel, table=True):
    """One decision: an account to keep or revoke, or one person's acknowledgement."""

    __table_args__ = (sa.Index("ix_campaignitem_decision_due", "decision", "due_at"),)

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    subject: str = Field(max_length=300)
    # The account holder's email where known: a reviewer never decides on their own account.
    subject_email: str | None = Field(default=None, max_length=254)
    system_owner_id: int | None = Field(default=None, foreign_key="person.id")
    person_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    reviewer_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    decision: ItemDecision = Field(
        default=ItemDecision.PENDING, sa_column=enum_column(ItemDecision, nullable=False)
    )
    decided_by_id: int | None = Field(default=None, foreign_key="person.id")
    decided_at: dt.datetime | None = ts_field(nullable=True)
    note: str | None = None
    # Policy/training items: the version the person is asked to accept, and their deadline.
    version: str | None = Field(default=None, max_length=64)
    due_on: dt.date | None = None
    due_at: dt.datetime | None = ts_field(nullable=True)
    details: dict[str, Any] = json_field(default=dict, nullable=False)
