"""Proof attached to an occurrence or campaign item: a stored file or an attestation."""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.base import enum_column, ts_field


class EvidenceKind(enum.StrEnum):
    FILE = "file"
    ATTESTATION = "attestation"


class Platform(enum.StrEnum):
    SLACK = "slack"
    TEAMS = "teams"
    CLI = "cli"
    SCHEDULER = "scheduler"


class Evidence(SQLModel, table=True):
    """Never overwritten or deleted; superseded evidence keeps its row and gains a reason."""

    # "Does this occurrence have accepted evidence?" is asked per occurrence by coverage and
    # gap counts: answered from this partial index alone.
    __table_args__ = (
        sa.Index(
            "ix_evidence_accepted",
            "occurrence_id",
            sqlite_where=sa.text("superseded_at IS NULL"),
            postgresql_where=sa.text("superseded_at IS NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    occurrence_id: int | None = Field(default=None, foreign_key="occurrence.id", index=True)
    campaign_item_id: int | None = Field(default=None, foreign_key="campaignitem.id", index=True)
    # Campaign-level evidence, e.g. the CSV of every decision of a finished access review.
    campaign_id: int | None = Field(default=None, foreign_key="campaign.id", index=True)
    kind: EvidenceKind = Field(sa_column=enum_column(EvidenceKind, nullable=False))
    statement: str | None = None
    note: str | None = None
    original_name: str | None = Field(default=None, max_length=255)
    size: int | None = None
    media_type: str | None = Field(default=None, max_length=128)
    sha256: str | None = Field(default=None, max_length=64, index=True)
    storage_key: str | None = Field(default=None, max_length=300)
    submitted_by_id: int | None = Field(default=None, foreign_key="person.id")
    on_behalf_of_id: int | None = Field(default=None, foreign_key="person.id")
    platform: Platform = Field(sa_column=enum_column(Platform, nullable=False))
    submitted_at: dt.datetime = ts_field(index=True)
    superseded_at: dt.datetime | None = ts_field(nullable=True)
    superseded_by_id: int | None = Field(default=None, foreign_key="person.id")
    supersede_reason: str | None = None
    # Valid until then (a vendor's SOC 2 report, a pen test): from that moment it no longer
    # counts as coverage. Set from the task's `expires:` or by an admin.
    expires_at: dt.datetime | None = ts_field(nullable=True, index=True)
