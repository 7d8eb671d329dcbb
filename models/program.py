"""The SOC 2 program: name, timezone, scope, observation window, channels, reminder policy."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlmodel import Field, SQLModel

from models.base import json_field, ts_field


class Program(SQLModel, table=True):
    """One program per installation (row id 1), set by the catalog."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    timezone: str = Field(default="UTC", max_length=64)
    criteria: list[str] = json_field(default=list, nullable=False)
    start_date: dt.date
    window_start: dt.date
    window_end: dt.date
    compliance_channel: str | None = Field(default=None, max_length=200)
    leadership_channel: str | None = Field(default=None, max_length=200)
    reminder_policy: dict[str, Any] = json_field(default=dict, nullable=False)
    created_at: dt.datetime = ts_field()
    updated_at: dt.datetime = ts_field()
