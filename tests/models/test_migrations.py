"""Migrations and models agree, on SQLite and PostgreSQL; timestamps come back in UTC."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel, select

from bot.core.db import Database
from models import AuditChainHead, Person


def test_migrated_schema_matches_the_models(db: Database) -> None:
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, SQLModel.metadata) == []


def test_migration_seeds_the_audit_chain_genesis(db: Database) -> None:
    with db.session() as session:
        head = session.get(AuditChainHead, 1)
    assert head is not None and head.seq == 0 and head.hash == "0" * 64


def test_timestamps_round_trip_as_utc_aware(db: Database) -> None:
    local = dt.datetime(2026, 3, 8, 1, 30, tzinfo=ZoneInfo("America/New_York"))
    with db.transaction() as session:
        session.add(Person(email="tz@acme.test", name="Tz", created_at=local))
    with db.session() as session:
        person = session.exec(select(Person).where(Person.email == "tz@acme.test")).one()
    assert person.created_at == local
    assert person.created_at.tzinfo is not None and person.created_at.utcoffset() == dt.timedelta(0)


def test_upgrade_is_repeatable(db: Database) -> None:
    db.upgrade()
    db.upgrade()
