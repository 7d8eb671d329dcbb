"""Messages the bot posted, mapped to what they are about (file replies in their threads count)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.base import ts_field


class ChatMessage(SQLModel, table=True):
    """A posted message (platform, channel, message id) and its occurrence or campaign."""

    __table_args__ = (sa.UniqueConstraint("platform", "channel", "message_id"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    channel: str = Field(max_length=200)
    message_id: str = Field(max_length=200)
    kind: str = Field(default="task", max_length=32)
    occurrence_id: int | None = Field(default=None, foreign_key="occurrence.id", index=True)
    campaign_id: int | None = Field(default=None, foreign_key="campaign.id", index=True)
    page: int = 0
    created_at: dt.datetime = ts_field()


class InboundEvent(SQLModel, table=True):
    """An inbound platform event already handled; its unique key stops duplicate deliveries."""

    __table_args__ = (sa.UniqueConstraint("platform", "event_id"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    event_id: str = Field(max_length=200)
    received_at: dt.datetime = ts_field()
