"""Done when: three real `soc2bot serve` replicas on one PostgreSQL database and one fake Slack
deliver every reminder and the digest exactly once, and still do after the leader is killed."""

from __future__ import annotations

import datetime as dt
import os
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import col, func, select

from bot.db import Database
from models import OutboxMessage, OutboxStatus
from tests.conftest import NO_POSTGRES, POSTGRES_URL
from tests.handlers.slack.fake_slack import FakeSlack
from tests.schedules.replicas import (
    Replica,
    drop_database,
    fresh_database,
    plan_clock,
    seed_people,
    seed_program,
    start_replica,
    wait_until,
)

pytestmark = pytest.mark.postgres

REPLICAS = 3
WAVE = 1000
LATE = 200  # queued after the kill: only a newly elected leader can decide these
LEASE_SECONDS = 10
TOKEN = "xoxb-replica-token"
DIGEST_CHANNEL = "#leadership"


@pytest.fixture
def replica_db() -> Iterator[Database]:
    """A database of its own: the replicas never touch the shared test database."""
    if not POSTGRES_URL:
        pytest.skip(NO_POSTGRES)
    db = Database(fresh_database(POSTGRES_URL))
    db.upgrade()
    yield db
    db.dispose()
    drop_database(POSTGRES_URL)


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack(token=TOKEN) as fake:
        yield fake


def replica_env(
    db: Database, slack: FakeSlack, workdir: Path, offset: dt.timedelta
) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SOC2BOT_", "SLACK_"))}
    env.update(
        DATABASE_URL=db.url,
        SOC2BOT_EVIDENCE_URL=f"file://{workdir}/evidence",
        SLACK_BOT_TOKEN=TOKEN,
        SLACK_SIGNING_SECRET="replica-signing-secret",
        SLACK_API_URL=slack.base_url,
        SOC2BOT_SCHEDULER="true",
        SOC2BOT_LOG_LEVEL="INFO",
        SOC2BOT_REMINDER_TICK_SECONDS="1",
        SOC2BOT_DIGEST_TICK_SECONDS="1",
        SOC2BOT_OUTBOX_TICK_SECONDS="0.5",
        SOC2BOT_LEADER_RETRY_SECONDS="0.5",
        SOC2BOT_OUTBOX_LEASE_SECONDS=str(LEASE_SECONDS),
    )
    if offset:
        env["SOC2BOT_TEST_CLOCK_OFFSET_SECONDS"] = str(offset.total_seconds())
    return env


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


def the_leader(replicas: list[Replica]) -> Replica:
    leaders = [r for r in replicas if r.leading()]
    assert len(leaders) == 1, [r.name for r in leaders]
    return leaders[0]


def test_three_replicas_deliver_every_reminder_once_even_when_the_leader_is_killed(
    replica_db: Database, slack: FakeSlack, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = plan_clock(dt.datetime.now(dt.UTC), lasting=dt.timedelta(minutes=5))
    seed_program(replica_db, plan)
    first = set(seed_people(replica_db, plan, range(WAVE)))
    env = replica_env(replica_db, slack, tmp_path, plan.offset)
    began = time.monotonic()
    replicas = [start_replica(f"replica-{n}", env, tmp_path) for n in range(REPLICAS)]
    try:
        figures = _run_waves(replica_db, slack, plan, replicas, first)
    except BaseException:
        for replica in replicas:
            tail = replica.log.read_text(errors="replace").splitlines()[-40:]
            print(f"--- {replica.name} (pid {replica.process.pid}) ---", *tail, sep="\n")
        raise
    finally:
        for replica in replicas:
            replica.stop()
    figures["total test time"] = f"{time.monotonic() - began:.1f} s"
    with capsys.disabled():
        print("\n\nReplica test (3 x soc2bot serve, one PostgreSQL, one fake Slack):")
        for name, value in figures.items():
            print(f"  {name:<34} {value}")


def _run_waves(
    db: Database, slack: FakeSlack, plan: object, replicas: list[Replica], first: set[str]
) -> dict[str, object]:
    figures: dict[str, object] = {}
    took = wait_until(lambda: all(r.ready() for r in replicas), timeout=90, what="3 ready replicas")
    figures["start-up (all ready)"] = f"{took:.1f} s"

    # Wave 1: 1,000 reminders due now, and this week's digest.
    took = wait_until(
        lambda: arrived(slack, first | {DIGEST_CHANNEL}) == len(first) + 1,
        timeout=60,
        what="wave 1 and the digest",
    )
    figures["wave 1: 1,000 reminders + digest"] = f"{took:.1f} s"
    leader = the_leader(replicas)

    # Wave 2: 1,000 more; the leader is killed while they are going out.
    second = set(seed_people(db, plan, range(WAVE, 2 * WAVE)))  # type: ignore[arg-type]
    wait_until(lambda: arrived(slack, second) >= WAVE // 4, timeout=60, what="wave 2 under way")
    leader.kill()
    at_kill = arrived(slack, second)
    figures["wave 2 delivered when killed"] = f"{at_kill} of {WAVE} ({leader.name})"
    survivors = [r for r in replicas if r is not leader]
    took = wait_until(lambda: sum(r.leading() for r in survivors) == 1, timeout=30, what="leader")
    figures["new leader elected after"] = f"{took:.1f} s ({the_leader(survivors).name})"

    # Wave 3: due only now, so only the new leader can have decided it.
    third = set(seed_people(db, plan, range(2 * WAVE, 2 * WAVE + LATE)))  # type: ignore[arg-type]
    wanted = second | third
    took = wait_until(
        lambda: arrived(slack, wanted) == len(wanted),
        timeout=LEASE_SECONDS * 3 + 60,
        what="the rest of wave 2 and wave 3",
    )
    figures["rest of wave 2 + wave 3 after kill"] = f"{took:.1f} s"
    wait_until(lambda: outbox_settled(db), timeout=30, what="an idle outbox")
    time.sleep(2.0)  # any late duplicate (a reclaimed lease) would arrive by now

    counts = posts(slack)
    everyone = first | second | third
    duplicates = {c: n for c, n in counts.items() if n > 1}
    missing = everyone - set(counts)
    unexpected = set(counts) - everyone - {DIGEST_CHANNEL}
    figures["reminders expected"] = len(everyone)
    figures["reminders delivered (distinct)"] = len(everyone & set(counts))
    figures["duplicates"] = sum(n - 1 for n in duplicates.values())
    figures["missing"] = len(missing)
    figures["digest posts"] = counts[DIGEST_CHANNEL]
    figures["sent rows by worker (host:pid)"] = sent_by_worker(db)
    assert at_kill < WAVE, "the leader was killed after wave 2 had finished"
    assert not missing, sorted(missing)[:10]
    assert not duplicates, duplicates
    assert not unexpected, sorted(unexpected)[:10]
    assert counts[DIGEST_CHANNEL] == 1
    assert len(slack.calls_to("files.completeUploadExternal")) == 1  # the digest's chart
    return figures
