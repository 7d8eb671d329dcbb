"""Database engine, sessions and migrations; SQLite by default, PostgreSQL in production."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Engine
from sqlmodel import Session

import models  # noqa: F401  (registers every table on the metadata)

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
DATABASE_UNAVAILABLE = (
    "The database is not reachable right now, so nothing was changed. Please try again in a minute."
)
# Errors that mean "could not talk to the database" (down, restarting, connection dropped,
# pool exhausted, SQLite locked), as opposed to a query that is wrong.
_OUTAGES = (sa.exc.OperationalError, sa.exc.InterfaceError, sa.exc.TimeoutError)


def is_database_outage(error: BaseException) -> bool:
    """Whether `error` (or what caused it) says the database was unreachable, not wrong."""
    seen: BaseException | None = error
    for _ in range(5):  # the cause chain, briefly: errors may be re-raised from an outage
        if seen is None:
            return False
        if isinstance(seen, _OUTAGES) or (
            isinstance(seen, sa.exc.DBAPIError) and seen.connection_invalidated
        ):
            return True
        seen = seen.__cause__ or (None if seen.__suppress_context__ else seen.__context__)
    return False


class Database:
    """An engine plus the two kinds of session the services use."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url
        self.engine = create_db_engine(url, echo=echo)
        # On SQLite, write transactions take the write lock up front (BEGIN IMMEDIATE):
        # a deferred transaction that upgrades later can fail with "database is locked".
        self._write_engine = self.engine.execution_options(sqlite_immediate=True)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A read session; commit it yourself if you change something."""
        with Session(self.engine, expire_on_commit=False) as session:
            yield session

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A write transaction committed on success and rolled back on any error."""
        with Session(self._write_engine, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def ping(self) -> None:
        """Raise if the database cannot answer a trivial query."""
        with self.engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))

    def upgrade(self) -> None:
        """Apply every pending migration."""
        upgrade_database(self.engine)

    def dispose(self) -> None:
        self.engine.dispose()


def create_db_engine(url: str, *, echo: bool = False) -> Engine:
    """An engine with the SQLite settings the app relies on (FKs, WAL, autobegin off)."""
    if not url.startswith("sqlite"):
        # A bounded connect timeout keeps /readyz and requests from hanging on a dead host.
        engine = sa.create_engine(
            url, echo=echo, pool_pre_ping=True, connect_args={"connect_timeout": 5}
        )
        if engine.dialect.name == "postgresql":
            sa.event.listen(engine, "connect", _postgres_on_connect)
        return engine
    _ensure_sqlite_dir(url)
    engine = sa.create_engine(
        url, echo=echo, connect_args={"check_same_thread": False, "timeout": 30}
    )
    sa.event.listen(engine, "connect", _sqlite_on_connect)
    sa.event.listen(engine, "begin", _sqlite_on_begin)
    return engine


def _ensure_sqlite_dir(url: str) -> None:
    path = sa.engine.make_url(url).database
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)


def _sqlite_on_connect(dbapi_conn: Any, _record: Any) -> None:
    # pysqlite's own transaction handling is switched off so that BEGIN is ours.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def _postgres_on_connect(dbapi_conn: Any, _record: Any) -> None:
    # PostgreSQL JIT-compiles any plan it estimates as costly, which the status and digest
    # aggregates over the Type II window are: 15-30 ms of compiling per query for work that
    # takes 40 ms (docs/performance.md). A SET, not a startup option, so poolers that refuse
    # startup options still connect.
    autocommit = dbapi_conn.autocommit
    dbapi_conn.autocommit = True
    with dbapi_conn.cursor() as cur:
        cur.execute("SET jit = off")
    dbapi_conn.autocommit = autocommit


def _sqlite_on_begin(conn: sa.Connection) -> None:
    immediate = conn.get_execution_options().get("sqlite_immediate")
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def alembic_config(engine: Engine) -> Config:
    """An Alembic config pointing at the bundled migrations and this engine."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade_database(engine: Engine) -> None:
    """Run `alembic upgrade head` on this engine."""
    command.upgrade(alembic_config(engine), "head")
