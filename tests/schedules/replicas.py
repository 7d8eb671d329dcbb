"""Helpers for the replica test: a database of its own, a clock that works, seeding, processes."""

from __future__ import annotations

import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg
import sqlalchemy as sa
from prometheus_client.parser import text_string_to_metric_families

from bot.core.actor import Actor
from bot.core.db import Database
from bot.work.occurrences import materialize_occurrences
from models import ChatIdentity, Control, EvidenceRequirement, Person, Program, Task
from schedules.leader import libpq_url

DATABASE_PREFIX = "soc2bot_replicas_"  # with a per-run suffix: runs at once never clash
# Every whole-hour offset on Earth, UTC-12 to UTC+14 (Etc/GMT signs are inverted).
ZONES = [f"Etc/GMT{-h:+d}" if h else "Etc/GMT" for h in range(-12, 15)]
# Local times when the default policy sends (09:30-17:00), with room for the test to run.
EARLIEST, LATEST = dt.time(9, 40), dt.time(16, 0)


def serve_env(
    *,
    database_url: str,
    slack_url: str,
    token: str,
    workdir: Path,
    offset: dt.timedelta,
    **settings: str,
) -> dict[str, str]:
    """The environment of a `soc2bot serve` replica under test: fast ticks, the fake Slack,
    the shifted clock; `settings` adds or overrides variables by name."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SOC2BOT_", "SLACK_"))}
    env.update(
        DATABASE_URL=database_url,
        SOC2BOT_EVIDENCE_URL=f"file://{workdir}/evidence",
        SLACK_BOT_TOKEN=token,
        SLACK_SIGNING_SECRET="replica-signing-secret",
        SLACK_API_URL=slack_url,
        SOC2BOT_SCHEDULER="true",
        SOC2BOT_LOG_LEVEL="INFO",
        SOC2BOT_REMINDER_TICK_SECONDS="1",
        SOC2BOT_DIGEST_TICK_SECONDS="1",
        SOC2BOT_OUTBOX_TICK_SECONDS="0.5",
        SOC2BOT_LEADER_RETRY_SECONDS="0.5",
        **settings,
    )
    if offset:
        env["SOC2BOT_TEST_CLOCK_OFFSET_SECONDS"] = str(offset.total_seconds())
    return env


def fresh_database(test_url: str) -> str:
    """Create an empty database of a unique name next to the test database; its SQLAlchemy URL."""
    url = sa.engine.make_url(test_url)
    name = f"{DATABASE_PREFIX}{os.getpid()}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(libpq_url(str(url.set(database="postgres"))), autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return url.set(database=name).render_as_string(hide_password=False)


def drop_database(database_url: str) -> None:
    """Drop a database `fresh_database` made (its URL); refuses any other name."""
    url = sa.engine.make_url(database_url)
    name = str(url.database)
    assert name.startswith(DATABASE_PREFIX) and name.replace("_", "").isalnum(), name
    with psycopg.connect(libpq_url(str(url.set(database="postgres"))), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@dataclass(frozen=True)
class Plan:
    """When the replicas live (real time plus `offset`) and the zones of the program and people."""

    offset: dt.timedelta
    program_zone: str
    zones: list[str]

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC) + self.offset

    def today(self) -> dt.date:
        return self.now().astimezone(ZoneInfo(self.program_zone)).date()


def plan_clock(now: dt.datetime, *, lasting: dt.timedelta) -> Plan:
    """Zones where it is a working day inside the send window for the whole test.

    Real time works unless no zone on Earth is inside working hours on a weekday (roughly
    Saturday 04:00 to Sunday 19:30 UTC). Then the replicas' clock is shifted forward to the
    next hour that works, through the hidden, test-only `SOC2BOT_TEST_CLOCK_OFFSET_SECONDS`
    (refused when SOC2BOT_ENV=production): nothing else could make a reminder due on a
    weekend, because the policy never sends on one.
    """
    for hours in range(0, 72):
        offset = dt.timedelta(hours=hours)
        start = now + offset
        zones = [z for z in ZONES if _works(z, start) and _works(z, start + lasting)]
        if zones:
            day = start.astimezone(ZoneInfo(zones[0])).date()
            same_day = [z for z in zones if start.astimezone(ZoneInfo(z)).date() == day]
            return Plan(offset, zones[0], same_day)
    raise AssertionError("no working hour in the next three days")


def _works(zone: str, when: dt.datetime) -> bool:
    local = when.astimezone(ZoneInfo(zone))
    return local.weekday() < 5 and EARLIEST <= local.time() <= LATEST


def seed_program(db: Database, plan: Plan) -> None:
    today = plan.today()
    with db.transaction() as session:
        session.add(
            Program(
                id=1,
                name="Replica Corp SOC 2",
                timezone=plan.program_zone,
                criteria=["security"],
                start_date=today,
                window_start=today,
                window_end=today + dt.timedelta(days=180),
                compliance_channel="#soc2",
                leadership_channel="#leadership",
            )
        )


def seed_people(db: Database, plan: Plan, numbers: range) -> list[str]:
    """One person per number, each owning one control whose task is due today; Slack ids."""
    today = plan.today()
    rule = f"RRULE:FREQ=YEARLY;BYMONTH={today.month};BYMONTHDAY={today.day}"
    with db.transaction() as session:
        people = [
            Person(email=f"p{n}@replica.test", name=f"Person {n}", timezone=_zone(plan, n))
            for n in numbers
        ]
        session.add_all(people)
        session.flush()
        session.add_all(
            ChatIdentity(person_id=p.id or 0, platform="slack", external_id=slack_id(n))
            for n, p in zip(numbers, people, strict=True)
        )
        controls = [
            Control(key=f"RC-{n}", title=f"Check {n}", owner_id=p.id)
            for n, p in zip(numbers, people, strict=True)
        ]
        session.add_all(controls)
        session.flush()
        session.add_all(
            Task(
                key=f"rc-{n}",
                control_id=c.id or 0,
                title=f"Confirm check {n}",
                schedule=rule,
                due_offset="0d",
                evidence=EvidenceRequirement.ATTESTATION,
            )
            for n, c in zip(numbers, controls, strict=True)
        )
        session.flush()
        materialize_occurrences(session=session, actor=Actor.cli(), now=plan.now(), horizon_days=30)
    return [slack_id(n) for n in numbers]


def slack_id(n: int) -> str:
    return f"U{n:06d}"


def _zone(plan: Plan, n: int) -> str:
    return plan.zones[n % len(plan.zones)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Replica:
    """One `soc2bot serve` process and where to reach it."""

    name: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path
    killed: bool = field(default=False)

    def get(self, path: str, timeout: float = 2.0) -> str:
        url = f"http://127.0.0.1:{self.port}{path}"
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return str(response.read().decode())

    def ready(self) -> bool:
        try:
            return "ready" in self.get("/readyz")
        except OSError:
            return False

    def leading(self) -> bool:
        for family in text_string_to_metric_families(self.get("/metrics")):
            for sample in family.samples:
                if sample.name == "soc2bot_scheduler_leader":
                    return sample.value == 1
        return False

    def kill(self) -> None:
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(10)
        self.killed = True

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


def serve_command(port: int) -> list[str]:
    script = Path(sys.executable).with_name("soc2bot")
    if script.is_file():
        base = [str(script)]
    else:  # not installed as a script: the same entry point through the interpreter
        base = [sys.executable, "-c", "from handlers.cli import main; main()"]
    return [*base, "serve", "--host", "127.0.0.1", "--port", str(port)]


def start_replica(name: str, env: dict[str, str], workdir: Path) -> Replica:
    port = free_port()
    log = workdir / f"{name}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            serve_command(port), env=env, cwd=workdir, stdout=out, stderr=subprocess.STDOUT
        )
    return Replica(name, port, process, log)


def wait_until(predicate: object, *, timeout: float, what: str, step: float = 0.05) -> float:
    """Poll until `predicate()` is true; the seconds it took."""
    started = time.monotonic()
    while not predicate():  # type: ignore[operator]
        if time.monotonic() - started > timeout:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(step)
    return time.monotonic() - started
