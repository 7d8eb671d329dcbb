"""Who runs the deciding tickers: a PostgreSQL advisory-lock leader, or the only SQLite process."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator
from typing import Protocol

import psycopg
import sqlalchemy as sa

log = logging.getLogger("soc2bot.leader")

# Fixed keys in PostgreSQL's one advisory-lock namespace: b"soc2bot" + a role byte.
LEADER_LOCK_KEY = 0x736F6332626F7401
STARTUP_LOCK_KEY = 0x736F6332626F7402


class Elector(Protocol):
    """Answers "may this process run the tickers that decide what to send?"."""

    @property
    def is_leader(self) -> bool: ...

    async def check(self) -> bool:
        """Confirm leadership (or try to take it); the answer holds until the next check."""
        ...

    async def close(self) -> None:
        """Give leadership up, if held."""
        ...


class SoleProcess:
    """SQLite: one process serves everything, so it always leads."""

    is_leader = True

    async def check(self) -> bool:
        return True

    async def close(self) -> None:
        return None


class AdvisoryLockElector:
    """Leads while it holds a session advisory lock on a connection of its own.

    The connection is not from the request pool: a session lock lives as long as the
    connection that took it, so a pooled connection would hand leadership around with it.
    When the leader dies, PostgreSQL ends its session and the lock is free for the others.
    """

    def __init__(self, database_url: str, *, key: int = LEADER_LOCK_KEY) -> None:
        self._conninfo = libpq_url(database_url)
        self._key = key
        self._conn: psycopg.Connection[tuple[object, ...]] | None = None
        self._leader = False
        self._lock = asyncio.Lock()

    @property
    def is_leader(self) -> bool:
        return self._leader

    async def check(self) -> bool:
        async with self._lock:
            was = self._leader
            self._leader = await asyncio.to_thread(self._check)
            if self._leader != was:
                log.info("Scheduler leadership %s", "taken" if self._leader else "lost")
            return self._leader

    async def close(self) -> None:
        async with self._lock:
            await asyncio.to_thread(self._drop)
            self._leader = False

    def _check(self) -> bool:
        try:
            if self._leader:
                return self._still_held()
            return self._try_acquire()
        except psycopg.Error as exc:
            # The message may name the host; the type is enough to act on.
            log.warning("Leader election: database error (%s); not leading", type(exc).__name__)
            self._drop()
            return False

    def _still_held(self) -> bool:
        # A broken connection means the server may already have released the lock.
        assert self._conn is not None
        self._conn.execute("SELECT 1").fetchone()
        return True

    def _try_acquire(self) -> bool:
        conn = self._connection()
        row = conn.execute("SELECT pg_try_advisory_lock(%s)", (self._key,)).fetchone()
        return bool(row and row[0])

    def _connection(self) -> psycopg.Connection[tuple[object, ...]]:
        if self._conn is None or self._conn.closed:
            self._conn = open_dedicated(self._conninfo, "soc2bot-leader")
        return self._conn

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(psycopg.Error):
                conn.close()  # ends the session, which releases its advisory locks


def elector_for(database_url: str) -> Elector:
    """The advisory-lock elector on PostgreSQL; on SQLite this process simply leads."""
    if database_url.startswith("sqlite"):
        return SoleProcess()
    return AdvisoryLockElector(database_url)


@contextlib.contextmanager
def exclusively(database_url: str, *, key: int = STARTUP_LOCK_KEY) -> Iterator[None]:
    """Hold a PostgreSQL advisory lock for the block (no-op on SQLite): one replica at a time.

    Replicas that start together migrate and sync the catalog one after the other, so
    they never race on the same CREATE TABLE or the same occurrence rows.
    """
    if database_url.startswith("sqlite"):
        yield
        return
    with open_dedicated(libpq_url(database_url), "soc2bot-startup") as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (key,))
        try:
            yield
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (key,))


def open_dedicated(conninfo: str, name: str) -> psycopg.Connection[tuple[object, ...]]:
    """A connection outside any pool; TCP keepalives notice a vanished peer in ~30 s."""
    return psycopg.connect(
        conninfo,
        autocommit=True,
        connect_timeout=5,
        application_name=name,
        keepalives=1,
        keepalives_idle=10,
        keepalives_interval=5,
        keepalives_count=3,
    )


def libpq_url(database_url: str) -> str:
    """The SQLAlchemy URL (`postgresql+psycopg://…`) as a URL libpq itself accepts."""
    url = sa.engine.make_url(database_url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)
