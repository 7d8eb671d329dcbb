"""Three `soc2bot serve` replicas on one PostgreSQL database and one slow fake Slack, and counts."""

from __future__ import annotations

import datetime as dt
import re
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlmodel import col, func, select

from bot.core.db import Database
from models import OutboxMessage, OutboxStatus
from tests.reliability.slow_slack import SlowSlack
from tests.schedules.replicas import Plan, Replica, seed_people, start_replica, wait_until
from tests.schedules.replicas import serve_env as replica_serve_env

TOKEN = "xoxb-replica-token"
DIGEST_CHANNEL = "CLEADERSHIP"  # #leadership in the program: the outbox resolves it to this id
ALERT_CHANNEL = "CSOC2"  # #soc2, the compliance channel: where a dead row would be reported
DIGEST_KEY = "digest:%"
RECLAIMED = re.compile(r"lease of \S*:(\d+) expired")  # the claimer's pid, in last_error


def serve_env(
    db: Database, slack: SlowSlack, workdir: Path, plan: Plan, **outbox: str
) -> dict[str, str]:
    """The replicas' environment; `outbox` overrides SOC2BOT_OUTBOX_<NAME> (else the defaults)."""
    return replica_serve_env(
        database_url=db.url, slack_url=slack.base_url, token=TOKEN, workdir=workdir,
        offset=plan.offset,
        **{f"SOC2BOT_OUTBOX_{name.upper()}": value for name, value in outbox.items()},
    )  # fmt: skip


def dm(slack_id: str) -> str:
    """The DM conversation the fake opens for a user id."""
    return f"D{slack_id}"


class Fleet:
    """The replicas of one run, the people seeded, and the figures it reports."""

    def __init__(self, db: Database, slack: SlowSlack, plan: Plan, env: dict[str, str]) -> None:
        self.db, self.slack, self.plan, self.env = db, slack, plan, env
        self.replicas: list[Replica] = []
        self.figures: dict[str, object] = {}
        self.seeded = 0
        self.killed_at: dict[int, float] = {}  # pid → epoch seconds of its SIGKILL
        self.began = time.monotonic()

    def start(self, workdir: Path) -> Replica:
        replica = start_replica(f"replica-{len(self.replicas)}", self.env, workdir)
        self.replicas.append(replica)
        return replica

    def start_all(self, workdir: Path, count: int = 3) -> None:
        for _ in range(count):
            self.start(workdir)
        took = wait_until(lambda: all(r.ready() for r in self.alive), timeout=90, what="replicas")
        self.figures["start-up (all ready)"] = f"{took:.1f} s"

    @property
    def alive(self) -> list[Replica]:
        return [r for r in self.replicas if r.process.poll() is None]

    def leader(self) -> Replica:
        wait_until(lambda: sum(r.leading() for r in self.alive) == 1, timeout=30, what="a leader")
        return next(r for r in self.alive if r.leading())

    def by_worker(self, worker: str) -> Replica:
        """The replica whose outbox worker id (`host:pid`) this is."""
        pid = int(worker.rpartition(":")[2])
        return next(r for r in self.replicas if r.process.pid == pid)

    def kill(self, replica: Replica) -> None:
        self.killed_at[replica.process.pid] = time.time()
        replica.kill()

    def wave(self, size: int) -> set[str]:
        """Seed `size` more people, each with one reminder due now; their DM conversations."""
        numbers = range(self.seeded, self.seeded + size)
        self.seeded += size
        return {dm(user) for user in seed_people(self.db, self.plan, numbers)}

    def arrived(self, wanted: set[str]) -> int:
        return len(wanted & set(self.slack.landed()))

    def until_arrived(self, wanted: set[str], share: float, timeout: float) -> int:
        """Wait until this share of `wanted` has landed; how many had."""
        goal = max(1, int(len(wanted) * share))
        wait_until(lambda: self.arrived(wanted) >= goal, timeout=timeout, what=f"{goal} landed")
        return self.arrived(wanted)

    def until_delivered(self, wanted: set[str], timeout: float) -> float:
        """Wait for every wanted conversation to get a message and the outbox to go idle."""
        took = wait_until(
            lambda: self.arrived(wanted) == len(wanted), timeout=timeout, what="every message"
        )
        wait_until(self.settled, timeout=timeout, what="an idle outbox")
        # A send still in flight somewhere (a duplicate in the making) lands within one post.
        time.sleep(max(self.slack.delays.values()) + 2.0)
        return took

    def settled(self) -> bool:
        busy = [OutboxStatus.PENDING, OutboxStatus.SENDING]
        with self.db.session() as session:
            query = select(func.count()).where(col(OutboxMessage.status).in_(busy))
            return session.exec(query).one() == 0

    def digest_row(self) -> OutboxMessage | None:
        with self.db.session() as session:
            query = select(OutboxMessage).where(col(OutboxMessage.idempotency_key).like(DIGEST_KEY))
            return session.exec(query).first()

    def statuses(self) -> Counter[str]:
        with self.db.session() as session:
            query = select(OutboxMessage.status, func.count()).group_by(col(OutboxMessage.status))
            rows = session.exec(query).all()
        return Counter({OutboxStatus(status).value: n for status, n in rows})

    def sent_by_replica(self) -> dict[str, int]:
        """Rows each replica recorded as sent: how the replicas shared the wave."""
        with self.db.session() as session:
            query = (
                select(OutboxMessage.claimed_by, func.count())
                .where(OutboxMessage.status == OutboxStatus.SENT)
                .group_by(col(OutboxMessage.claimed_by))
            )
            rows = session.exec(query).all()
        names = {f":{r.process.pid}": r.name for r in self.replicas}
        named = {names.get(f":{str(w).rpartition(':')[2]}", str(w)): n for w, n in rows}
        return dict(sorted(named.items()))

    def reclaimed(self) -> int:
        with self.db.session() as session:
            query = select(func.count()).where(col(OutboxMessage.last_error).like("lease of %"))
            return session.exec(query).one()

    def found_in_history(self) -> int:
        """Reclaimed rows whose post was in flight when their claimer was killed, and landed.

        Slack acts on a request it has received even if its caller dies, so these landed
        unanswered: a retry gets them right only by finding them in the conversation's history.
        """
        with self.db.session() as session:
            query = select(
                OutboxMessage.idempotency_key, OutboxMessage.recipient, OutboxMessage.last_error
            )
            rows = session.exec(query.where(col(OutboxMessage.last_error).like("lease of %"))).all()
        first = self.slack.first_landed()
        found = 0
        for key, recipient, error in rows:
            match = RECLAIMED.match(error or "")
            killed = self.killed_at.get(int(match.group(1))) if match else None
            where = DIGEST_CHANNEL if key.startswith("digest:") else dm(recipient)
            in_flight = killed + max(self.slack.delays.values()) if killed else 0.0
            found += killed is not None and first.get(where, in_flight) < in_flight
        return found

    def tally(self, wanted: set[str]) -> dict[str, int]:
        """Delivered, duplicates and missing among `wanted`, as the people see their Slack."""
        landed = self.slack.landed()
        keys = self.slack.keys_landed()
        return {
            "expected": len(wanted),
            "delivered": len(wanted & set(landed)),
            "duplicates": sum(landed[c] - 1 for c in wanted if landed[c] > 1),
            "missing": len(wanted - set(landed)),
            "keys landed twice": sum(n - 1 for n in keys.values() if n > 1),
        }

    def stop(self) -> None:
        for replica in self.replicas:
            replica.stop()
        self.figures["total run time"] = f"{time.monotonic() - self.began:.1f} s"

    def dump_logs(self) -> None:
        for replica in self.replicas:
            tail = replica.log.read_text(errors="replace").splitlines()[-30:]
            print(f"--- {replica.name} (pid {replica.process.pid}) ---", *tail, sep="\n")

    def report(self, title: str, capsys: pytest.CaptureFixture[str]) -> None:
        with capsys.disabled():
            print(f"\n\n{title}")
            for name, value in self.figures.items():
                print(f"  {name:<44} {value}")


def clock_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
