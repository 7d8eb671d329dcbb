"""Leader election on PostgreSQL: one advisory lock, on a dedicated connection per replica."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator

import psycopg
import pytest

from bot.core.db import Database
from schedules.leader import (
    LEADER_LOCK_KEY,
    STARTUP_LOCK_KEY,
    AdvisoryLockElector,
    SoleProcess,
    elector_for,
    exclusively,
    libpq_url,
)

pytestmark = pytest.mark.postgres


@pytest.fixture
def url(postgres_db: Database) -> str:
    return postgres_db.url


@pytest.fixture
def electors(url: str) -> Iterator[tuple[AdvisoryLockElector, AdvisoryLockElector]]:
    a, b = AdvisoryLockElector(url), AdvisoryLockElector(url)
    yield a, b
    asyncio.run(_close(a, b))


async def _close(*electors: AdvisoryLockElector) -> None:
    for elector in electors:
        await elector.close()


def check(elector: AdvisoryLockElector) -> bool:
    return asyncio.run(elector.check())


def test_of_two_electors_exactly_one_leads_and_keeps_leading(
    electors: tuple[AdvisoryLockElector, AdvisoryLockElector],
) -> None:
    a, b = electors
    assert check(a) is True
    assert check(b) is False
    for _ in range(3):  # re-checks are health checks for the leader, retries for the other
        assert (check(a), check(b)) == (True, False)
    assert a.is_leader and not b.is_leader


def test_closing_the_leaders_connection_lets_the_other_take_over(
    electors: tuple[AdvisoryLockElector, AdvisoryLockElector],
) -> None:
    a, b = electors
    assert check(a) and not check(b)
    asyncio.run(a.close())
    assert not a.is_leader
    assert check(b) is True
    assert check(a) is False


def test_a_leader_whose_connection_broke_steps_down_and_another_takes_over(
    electors: tuple[AdvisoryLockElector, AdvisoryLockElector], url: str
) -> None:
    a, b = electors
    assert check(a) and not check(b)
    with psycopg.connect(libpq_url(url), autocommit=True) as admin:
        # pg_locks covers the whole server: only this database's leader, not another worker's
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' "
            "AND granted AND classid = %s AND objid = %s AND objsubid = 1 AND database = "
            "(SELECT oid FROM pg_database WHERE datname = current_database())",
            (LEADER_LOCK_KEY >> 32, LEADER_LOCK_KEY & 0xFFFFFFFF),
        )
    assert check(a) is False  # the health check notices the dead connection
    assert check(b) is True
    assert check(a) is False  # it reconnects, finds the lock taken and stays a standby


def test_a_killed_leader_process_releases_leadership(url: str) -> None:
    holder = textwrap.dedent(
        """
        import asyncio, sys, time
        from schedules.leader import AdvisoryLockElector
        elector = AdvisoryLockElector(sys.argv[1])
        print(asyncio.run(elector.check()), flush=True)
        time.sleep(60)
        """
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", holder, url], stdout=subprocess.PIPE, text=True, cwd=_repo()
    )
    other = AdvisoryLockElector(url)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "True"
        assert check(other) is False
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        deadline = time.monotonic() + 10
        while not check(other):
            assert time.monotonic() < deadline, "leadership was not released by the dead process"
            time.sleep(0.1)
    finally:
        proc.kill()
        proc.wait()
        asyncio.run(other.close())


def test_a_database_that_is_down_means_not_leading() -> None:
    elector = AdvisoryLockElector("postgresql+psycopg://nobody:secret@127.0.0.1:1/none")
    assert check(elector) is False
    assert not elector.is_leader


def test_startup_work_is_exclusive_between_replicas(url: str) -> None:
    inside = threading.Event()
    release = threading.Event()
    order: list[str] = []

    def first() -> None:
        with exclusively(url):
            order.append("first in")
            inside.set()
            release.wait(10)
            order.append("first out")

    thread = threading.Thread(target=first)
    thread.start()
    assert inside.wait(10)
    probe = AdvisoryLockElector(url, key=STARTUP_LOCK_KEY)
    assert check(probe) is False  # the startup lock is held meanwhile
    asyncio.run(probe.close())
    waiter = threading.Thread(target=lambda: _second(url, order))
    waiter.start()
    time.sleep(0.3)
    assert order == ["first in"]
    release.set()
    thread.join(10)
    waiter.join(10)
    assert order == ["first in", "first out", "second in"]


def _second(url: str, order: list[str]) -> None:
    with exclusively(url):
        order.append("second in")


def test_sqlite_has_one_process_which_always_leads() -> None:
    elector = elector_for("sqlite:///./x.db")
    assert isinstance(elector, SoleProcess)
    assert asyncio.run(elector.check()) is True
    with exclusively("sqlite:///./x.db"):
        pass


def _repo() -> str:
    return os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
