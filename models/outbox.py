"""Outbound chat messages, each with an idempotency key, claimed and sent by the outbox sender."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.base import enum_column, json_field, ts_field


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    DEAD = "dead"


class OutboxMessage(SQLModel, table=True):
    __table_args__ = (sa.Index("ix_outboxmessage_status_next", "status", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    idempotency_key: str = Field(max_length=200, unique=True)
    platform: str = Field(max_length=16)
    recipient: str = Field(max_length=200)
    kind: str = Field(default="message", max_length=32)
    payload: dict[str, Any] = json_field(default=dict, nullable=False)
    status: OutboxStatus = Field(
        default=OutboxStatus.PENDING, sa_column=enum_column(OutboxStatus, nullable=False)
    )
    attempts: int = 0
    next_attempt_at: dt.datetime = ts_field()
    claimed_by: str | None = Field(default=None, max_length=100)
    claimed_until: dt.datetime | None = ts_field(nullable=True)
    platform_message_id: str | None = Field(default=None, max_length=200)
    last_error: str | None = None
    created_at: dt.datetime = ts_field()
    sent_at: dt.datetime | None = ts_field(nullable=True)
