"""Chat channels named in the catalog, resolved once to the platform's id (a rename keeps it)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.base import ts_field


class ChatChannel(SQLModel, table=True):
    """A configured `name` (lower case, no `#`) and the id the platform gave it on first use."""

    __table_args__ = (sa.UniqueConstraint("platform", "name"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    name: str = Field(max_length=200)
    channel_id: str = Field(max_length=64)
    resolved_at: dt.datetime = ts_field()
