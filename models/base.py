"""Shared column types for the tables: UTC-aware timestamps, portable JSON and enums."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

# A fixed naming convention keeps Alembic batch migrations on SQLite and
# PostgreSQL constraint names identical.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

JSONType = sa.JSON().with_variant(JSONB(), "postgresql")


def utcnow() -> dt.datetime:
    """Now, in UTC, with a timezone."""
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timestamp stored in UTC; SQLite hands back naive values, so they are re-tagged."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: sa.Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; timestamps must carry a timezone")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            value = dt.datetime.fromisoformat(value)
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)  # type: ignore[no-any-return]
        return value.astimezone(dt.UTC)  # type: ignore[no-any-return]


def enum_column(enum_cls: type[enum.Enum], **kw: Any) -> sa.Column[Any]:
    """A portable VARCHAR enum column storing the enum's values."""
    return sa.Column(
        sa.Enum(
            enum_cls,
            native_enum=False,
            length=32,
            values_callable=lambda e: [m.value for m in e],
            validate_strings=True,
        ),
        **kw,
    )


def ts_field(*, nullable: bool = False, index: bool = False) -> Any:
    """A UTC timestamp field; non-null ones default to now."""
    column: sa.Column[dt.datetime] = sa.Column(UTCDateTime(), nullable=nullable, index=index)
    if nullable:
        return Field(default=None, sa_column=column)
    return Field(default_factory=utcnow, sa_column=column)


def json_field(*, default: Any = None, nullable: bool = True) -> Any:
    """A JSON field (JSONB on PostgreSQL)."""
    column: sa.Column[Any] = sa.Column(JSONType, nullable=nullable)
    if callable(default):
        return Field(default_factory=default, sa_column=column)
    return Field(default=default, sa_column=column)
