"""Shared fixtures: real databases (a SQLite file per test; PostgreSQL when configured)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa
from sqlmodel import SQLModel

from bot.core.db import Database
from bot.status.cache import forget_cached_status
from schedules.leader import libpq_url
from tests.parallel import assign_groups

# "gw0", "gw1", … in a pytest-xdist worker (`make test` runs two); "" in a plain `pytest`.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
# One id for all workers of one run: two runs on one machine never share a database.
RUN = os.environ.get("PYTEST_XDIST_TESTRUNUID", "")[:8]


def worker_database_url(url: str | None) -> str | None:
    """`url` with the worker's name and the run's id appended to its database (test →
    test_gw0_1a2b3c4d), so that no two workers, of this run or another, ever empty or migrate
    the same database; `url` itself outside xdist."""
    if not url or not WORKER:
        return url
    parsed = sa.engine.make_url(url)
    own = parsed.set(database=f"{parsed.database}_{WORKER}_{RUN}")
    return own.render_as_string(hide_password=False)


POSTGRES_URL = worker_database_url(os.environ.get("SOC2BOT_TEST_POSTGRES_URL"))
NO_POSTGRES = "SOC2BOT_TEST_POSTGRES_URL is not set (CI sets it; see .ci/run)"


def _create_database_if_missing(url: str) -> None:
    """A worker's database is made on the server of the given URL, through `postgres`."""
    parsed = sa.engine.make_url(url)
    admin = libpq_url(str(parsed.set(database="postgres")))
    with psycopg.connect(admin, autocommit=True) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (parsed.database,))
        if found.fetchone() is None:
            conn.execute(f'CREATE DATABASE "{parsed.database}"')


def _drop_database(url: str) -> None:
    """The run's own database, dropped when its worker is done."""
    parsed = sa.engine.make_url(url)
    admin = libpq_url(str(parsed.set(database="postgres")))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)')


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups off the marks
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.pluginmanager.hasplugin("xdist"):
        assign_groups(items)  # tests/parallel.py says which tests stay together, and why


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Tests never read a developer's .env or real credentials."""
    for name in list(os.environ):
        ours = name.startswith(("SOC2BOT_", "SLACK_", "MICROSOFT_")) or name == "DATABASE_URL"
        if ours and name != "SOC2BOT_TEST_POSTGRES_URL":
            monkeypatch.delenv(name)
    # Background tickers would post real-time reminders into other tests' fakes; the tests
    # of the scheduler turn it on explicitly.
    monkeypatch.setenv("SOC2BOT_SCHEDULER", "false")
    monkeypatch.chdir(tmp_path)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (migrating once is the slow part)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    db = Database(f"sqlite:///{path}")
    db.upgrade()
    db.dispose()
    return path


@pytest.fixture
def sqlite_db(sqlite_template: Path, tmp_path: Path) -> Iterator[Database]:
    path = tmp_path / "soc2bot.db"
    shutil.copy(sqlite_template, path)
    db = Database(f"sqlite:///{path}")
    yield db
    db.dispose()


@pytest.fixture(scope="session")
def postgres_migrated() -> Iterator[Database]:
    if not POSTGRES_URL:
        pytest.skip(NO_POSTGRES)
    if WORKER:
        _create_database_if_missing(POSTGRES_URL)
    db = Database(POSTGRES_URL)
    with db.engine.begin() as conn:
        conn.exec_driver_sql("DROP SCHEMA IF EXISTS public CASCADE")
        conn.exec_driver_sql("CREATE SCHEMA public")
    db.upgrade()
    yield db
    db.dispose()
    if WORKER:
        _drop_database(POSTGRES_URL)


@pytest.fixture
def postgres_db(postgres_migrated: Database) -> Iterator[Database]:
    """The migrated PostgreSQL database, emptied before each test."""
    tables = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    with postgres_migrated.engine.begin() as conn:
        conn.exec_driver_sql(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
        conn.execute(
            sa.text("INSERT INTO auditchainhead (id, seq, hash) VALUES (1, 0, :h)"), {"h": "0" * 64}
        )
    # emptied behind soc2bot's back: the chain head alone cannot tell this test from the last
    forget_cached_status(postgres_migrated.engine)
    yield postgres_migrated


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest) -> Database:
    """Each test using `db` runs on SQLite and on PostgreSQL."""
    name = "sqlite_db" if request.param == "sqlite" else "postgres_db"
    return request.getfixturevalue(name)  # type: ignore[no-any-return]
