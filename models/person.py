"""People and the chat identities linked to them."""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.base import enum_column, ts_field


class Role(enum.StrEnum):
    ADMIN = "admin"
    MEMBER = "member"
    LEADERSHIP = "leadership"
    AUDITOR = "auditor"


class Person(SQLModel, table=True):
    """Someone in the company, known by email."""

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True)
    name: str = Field(max_length=200)
    role: Role = Field(default=Role.MEMBER, sa_column=enum_column(Role, nullable=False))
    manager_id: int | None = Field(default=None, foreign_key="person.id")
    timezone: str | None = Field(default=None, max_length=64)
    active: bool = Field(default=True, sa_column_kwargs={"server_default": sa.true()})
    placeholder: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})
    # Directory facts (`soc2bot people sync`), as the HR export or the chat profile gives them.
    department: str | None = Field(default=None, max_length=200)
    title: str | None = Field(default=None, max_length=200)
    # The manager the directory set last: it changes a manager only while it is still this
    # one, so a manager set by the catalog (config-as-code) or by hand stands.
    directory_manager_id: int | None = Field(default=None, foreign_key="person.id")
    created_at: dt.datetime = ts_field()
    updated_at: dt.datetime = ts_field()


class ChatIdentity(SQLModel, table=True):
    """A person's account on one chat platform (Slack user id, Teams id, AAD object id)."""

    __table_args__ = (sa.UniqueConstraint("platform", "external_id"),)

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    platform: str = Field(max_length=16)
    external_id: str = Field(max_length=200)
    display_name: str | None = Field(default=None, max_length=200)
    linked_at: dt.datetime = ts_field()
