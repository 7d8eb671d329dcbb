"""Controls and the Trust Services Criteria each one maps to."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Field, SQLModel

from models.base import ts_field


class Control(SQLModel, table=True):
    """A control with a stable key such as `CC6.1-AR`; retired controls keep their history."""

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=64, unique=True)
    title: str = Field(max_length=200)
    description: str = Field(default="")
    owner_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    backup_owner_id: int | None = Field(default=None, foreign_key="person.id")
    in_scope: bool = True
    retired_at: dt.datetime | None = ts_field(nullable=True)
    created_at: dt.datetime = ts_field()
    updated_at: dt.datetime = ts_field()


class ControlCriterion(SQLModel, table=True):
    """One criterion (`CC6.1`) a control maps to; its own table so counts are SQL aggregates."""

    control_id: int = Field(foreign_key="control.id", primary_key=True)
    criterion: str = Field(max_length=16, primary_key=True, index=True)
