"""Done when: three real `soc2bot serve` replicas on one PostgreSQL database and one fake Slack
deliver every reminder and the digest exactly once, and still do after the leader is killed."""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import col, func, select

from bot.core.db import Database
from models import OutboxMessage, OutboxStatus
from tests.conftest import NO_POSTGRES, POSTGRES_URL
from tests.handlers.slack.fake_slack import FakeSlack
from tests.schedules.replicas import (
    Plan,
    Replica,
    drop_database,
    fresh_database,
    plan_clock,
    seed_people,
    seed_program,
    serve_env,
    start_replica,
    wait_until,
)

REPLICAS = 3
WAVE = 1000
LATE = 200  # queued after the kill: only a newly elected leader can decide these
LEASE_SECONDS = 10
TOKEN = "xoxb-replica-token"
DIGEST_CHANNEL = "CLEADERSHIP"  # #leadership in the catalog: the port resolves it to this id


@pytest.fixture
def replica_db() -> Iterator[Database]:
    """A database of its own: the replicas never touch the shared test database."""
    if not POSTGRES_URL:
        pytest.skip(NO_POSTGRES)
    db = Database(fresh_database(POSTGRES_URL))
    db.upgrade()
    yield db
    db.dispose()
    drop_database(db.url)


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack(token=TOKEN) as fake:
        fake.add_channel("leadership", channel_id=DIGEST_CHANNEL)
        yield fake


def replica_env(
    db: Database, slack: FakeSlack, workdir: Path, offset: dt.timedelta
) -> dict[str, str]:
    return serve_env(
        database_url=db.url, slack_url=slack.base_url, token=TOKEN, workdir=workdir,
        offset=offset, SOC2BOT_OUTBOX_LEASE_SECONDS=str(LEASE_SECONDS),
    )  # fmt: skip


def posts(slack: FakeSlack) -> Counter[str]:
    """chat.postMessage calls per channel (a user id is that person's DM)."""
    return Counter(str(call.args.get("channel")) for call in slack.calls_to("chat.postMessage"))


def arrived(slack: FakeSlack, wanted: set[str]) -> int:
    return len(wanted & set(posts(slack)))


def outbox_settled(db: Database) -> bool:
    busy = [OutboxStatus.PENDING, OutboxStatus.SENDING]
    with db.session() as session:
        query = select(func.count()).where(col(OutboxMessage.status).in_(busy))
        return session.exec(query).one() == 0


def sent_by_worker(db: Database) -> dict[str, int]:
    with db.session() as session:
        rows = session.exec(
            select(OutboxMessage.claimed_by, func.count())
            .where(OutboxMessage.status == OutboxStatus.SENT)
            .group_by(col(OutboxMessage.claimed_by))
        ).all()
    return {str(worker): count for worker, count in rows}


def reclaimed(db: Database) -> int:
    with db.session() as session:
        query = select(func.count()).where(col(OutboxMessage.last_error).like("lease of %"))
        return session.exec(query).one()


def duplicates(slack: FakeSlack, among: set[str]) -> int:
    return sum(n - 1 for channel, n in posts(slack).items() if channel in among)


class Run:
    """The replicas of one test, what was queued, and the figures it reports."""

    def __init__(self, db: Database, slack: FakeSlack, plan: Plan, env: dict[str, str]) -> None:
        self.db, self.slack, self.plan, self.env = db, slack, plan, env
        self.replicas: list[Replica] = []
        self.figures: dict[str, object] = {"clock offset": plan.offset, "zone": plan.program_zone}
        self.seeded = 0

    def start(self, workdir: Path) -> Replica:
        replica = start_replica(f"replica-{len(self.replicas)}", self.env, workdir)
        self.replicas.append(replica)
        return replica

    @property
    def alive(self) -> list[Replica]:
        return [r for r in self.replicas if r.process.poll() is None]

    def leader(self) -> Replica:
        leaders = [r for r in self.alive if r.leading()]
        assert len(leaders) == 1, [r.name for r in leaders]
        return leaders[0]

    def wave(self, size: int) -> set[str]:
        """Seed `size` more people, each with one reminder due now; their Slack ids."""
        numbers = range(self.seeded, self.seeded + size)
        self.seeded += size
        return set(seed_people(self.db, self.plan, numbers))

    def until_delivered(self, wanted: set[str], what: str, timeout: float = 60) -> float:
        took = wait_until(
            lambda: arrived(self.slack, wanted) == len(wanted), timeout=timeout, what=what
        )
        wait_until(lambda: outbox_settled(self.db), timeout=30, what="an idle outbox")
        return took

    def midway(self, wanted: set[str]) -> int:
        wait_until(
            lambda: arrived(self.slack, wanted) >= len(wanted) // 4,
            timeout=60,
            what="a wave under way",
        )
        return arrived(self.slack, wanted)

    def report(self, capsys: pytest.CaptureFixture[str]) -> None:
        with capsys.disabled():
            print("\n\nReplica test (3 x soc2bot serve, one PostgreSQL, one fake Slack):")
            for name, value in self.figures.items():
                print(f"  {name:<40} {value}")


def test_the_replicas_use_real_time_unless_no_zone_is_at_work_then() -> None:
    monday_night = dt.datetime(2026, 11, 30, 23, 11, tzinfo=dt.UTC)
    plan = plan_clock(monday_night, lasting=dt.timedelta(minutes=5))
    assert plan.offset == dt.timedelta(0) and plan.program_zone == "Etc/GMT+12"  # 11:11 there
    saturday_noon = dt.datetime(2026, 12, 5, 12, 0, tzinfo=dt.UTC)
    plan = plan_clock(saturday_noon, lasting=dt.timedelta(minutes=5))
    shifted = saturday_noon + plan.offset
    assert plan.offset > dt.timedelta(0) and shifted.weekday() in (6, 0)  # Monday somewhere
    local = shifted.astimezone(ZoneInfo(plan.program_zone))
    assert local.weekday() == 0 and dt.time(9, 40) <= local.time() <= dt.time(16, 0)
    assert all(shifted.astimezone(ZoneInfo(z)).date() == local.date() for z in plan.zones)


@pytest.mark.postgres
def test_three_replicas_deliver_every_reminder_once_even_when_the_leader_is_killed(
    replica_db: Database, slack: FakeSlack, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = plan_clock(dt.datetime.now(dt.UTC), lasting=dt.timedelta(minutes=5))
    seed_program(replica_db, plan)
    run = Run(replica_db, slack, plan, replica_env(replica_db, slack, tmp_path, plan.offset))
    began = time.monotonic()
    try:
        _waves(run, tmp_path)
    except BaseException:
        for replica in run.replicas:
            tail = replica.log.read_text(errors="replace").splitlines()[-30:]
            print(f"--- {replica.name} (pid {replica.process.pid}) ---", *tail, sep="\n")
        raise
    finally:
        for replica in run.replicas:
            replica.stop()
        run.figures["total test time"] = f"{time.monotonic() - began:.1f} s"
        run.report(capsys)


def _waves(run: Run, workdir: Path) -> None:
    f = run.figures
    first = run.wave(WAVE)
    for _ in range(REPLICAS):
        run.start(workdir)
    took = wait_until(lambda: all(r.ready() for r in run.replicas), timeout=90, what="3 replicas")
    f["start-up (all ready)"] = f"{took:.1f} s"

    # Wave 1: 1,000 reminders due now, and this week's digest, with three replicas up.
    took = run.until_delivered(first | {DIGEST_CHANNEL}, "wave 1 and the digest")
    f["wave 1: 1,000 reminders + digest"] = f"{took:.1f} s, {duplicates(run.slack, first)} dup."
    assert posts(run.slack)[DIGEST_CHANNEL] == 1

    # Wave 2, a rolling restart: a standby is stopped (SIGTERM) mid-wave and replaced.
    second = run.wave(WAVE)
    standby = next(r for r in run.alive if r is not run.leader())
    at_stop = run.midway(second)
    standby.stop()
    replacement = run.start(workdir)
    took = run.until_delivered(second, "wave 2")
    f["wave 2: standby stopped (SIGTERM) at"] = f"{at_stop} of {WAVE} ({standby.name})"
    f["wave 2: delivered after"] = f"{took:.1f} s, {duplicates(run.slack, second)} dup."
    wait_until(replacement.ready, timeout=60, what="the replacement replica")

    # Wave 3: the leader is killed (SIGKILL) mid-wave; the others finish it and elect a
    # new leader, which alone can decide wave 4 (due only after the kill).
    third = run.wave(WAVE)
    leader = run.leader()
    at_kill = run.midway(third)
    leader.kill()
    killed = time.monotonic()
    took = wait_until(lambda: sum(r.leading() for r in run.alive) == 1, timeout=30, what="leader")
    f["wave 3: leader killed (SIGKILL) at"] = f"{at_kill} of {WAVE} ({leader.name})"
    f["wave 3: new leader elected after"] = f"{took:.1f} s ({run.leader().name})"
    fourth = run.wave(LATE)
    run.until_delivered(third | fourth, "waves 3 and 4", timeout=LEASE_SECONDS * 3 + 60)
    f["waves 3+4: all delivered, outbox idle"] = f"{time.monotonic() - killed:.1f} s after the kill"
    time.sleep(2.0)  # a late duplicate (a reclaimed lease) would have arrived by now
    f["rows reclaimed after their lease expired"] = reclaimed(run.db)

    counts = posts(run.slack)
    everyone = first | second | third | fourth
    missing = everyone - set(counts)
    f["reminders expected"] = len(everyone)
    f["reminders delivered (distinct)"] = len(everyone & set(counts))
    f["duplicates (all waves)"] = duplicates(run.slack, everyone)
    f["missing"] = len(missing)
    f["digest posts"] = counts[DIGEST_CHANNEL]
    f["sent rows by worker (host:pid)"] = sent_by_worker(run.db)
    assert at_stop < WAVE and at_kill < WAVE, "a disruption came after its wave had finished"
    assert not missing, sorted(missing)[:10]
    assert set(counts) == everyone | {DIGEST_CHANNEL}
    assert counts[DIGEST_CHANNEL] == 1
    assert len(run.slack.calls_to("files.completeUploadExternal")) == 1  # the digest's chart
    assert duplicates(run.slack, first | second) == 0  # three replicas, and a graceful stop
    assert duplicates(run.slack, third | fourth) == 0  # after the SIGKILL
