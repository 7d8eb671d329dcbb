"""The append-only, hash-chained audit trail and the single row that holds its head."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.base import json_field, ts_field


class AuditEvent(SQLModel, table=True):
    """One event; `hash` covers every other column and the previous event's hash."""

    __table_args__ = (sa.Index("ix_auditevent_subject", "subject_type", "subject_id", "seq"),)

    seq: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    occurred_at: dt.datetime = ts_field()
    actor: str = Field(max_length=254)
    actor_person_id: int | None = Field(default=None, foreign_key="person.id")
    actor_platform: str | None = Field(default=None, max_length=16)
    actor_platform_id: str | None = Field(default=None, max_length=200)
    action: str = Field(max_length=64, index=True)
    subject_type: str = Field(max_length=32)
    subject_id: str = Field(max_length=200)
    details: dict[str, Any] = json_field(default=dict, nullable=False)
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64, unique=True)


class AuditChainHead(SQLModel, table=True):
    """The chain's last sequence number and hash; appenders lock this one row."""

    id: int = Field(default=1, primary_key=True)
    seq: int = 0
    hash: str = Field(max_length=64)
