"""Done when: on a Slack taking 3 s per post, replicas on PostgreSQL lose and repeat nothing."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from bot.core.db import Database
from bot.core.settings import Settings
from models import OutboxStatus
from tests.conftest import NO_POSTGRES, POSTGRES_URL
from tests.reliability.replica_fleet import (
    ALERT_CHANNEL,
    DIGEST_CHANNEL,
    TOKEN,
    Fleet,
    serve_env,
)
from tests.reliability.slow_slack import Outcome, SlowSlack
from tests.schedules.replicas import (
    drop_database,
    fresh_database,
    plan_clock,
    seed_program,
    wait_until,
)

POST_SECONDS = 3.0  # every chat.postMessage; other Web API calls take 0.2 s
WAVE = 300
UPLOADS = "files.completeUploadExternal"  # the last call of the digest chart's upload
# A batch of 100 at 3 s per post over 8 slots takes 37.5 s: claims of the whole batch outlast it.
TIGHT_LEASE = "20"
SHORT_LEASE = "10"  # crash cases: a dead replica's rows come back in seconds, not 3 minutes
# The product's own claim size and lease, as `serve` takes them when nothing is set.
DEFAULT_BATCH = Settings.model_fields["outbox_batch"].default
DEFAULT_LEASE = f"{Settings.model_fields['outbox_lease_seconds'].default:.0f}"


@pytest.fixture
def replica_db() -> Iterator[Database]:
    """A database of a unique name, dropped at the end: runs at once never share one."""
    if not POSTGRES_URL:
        pytest.skip(NO_POSTGRES)
    db = Database(fresh_database(POSTGRES_URL))
    try:
        db.upgrade()
        yield db
    finally:
        db.dispose()
        drop_database(db.url)


@pytest.fixture
def slack() -> Iterator[SlowSlack]:
    fake = SlowSlack(TOKEN, post_seconds=POST_SECONDS)
    with fake:
        fake.add_channel("leadership", channel_id=DIGEST_CHANNEL)
        fake.add_channel("soc2", channel_id=ALERT_CHANNEL)
        yield fake


def fleet_for(db: Database, slack: SlowSlack, workdir: Path, **outbox: str) -> Fleet:
    plan = plan_clock(dt.datetime.now(dt.UTC), lasting=dt.timedelta(minutes=6))
    seed_program(db, plan)
    fleet = Fleet(db, slack, plan, serve_env(db, slack, workdir, plan, **outbox))
    fleet.figures["fake Slack"] = f"{POST_SECONDS:.0f} s per post, 0.2 s per other call"
    return fleet


@contextmanager
def running(fleet: Fleet, title: str, capsys: pytest.CaptureFixture[str]) -> Iterator[Fleet]:
    """Stop every replica at the end, print their logs on a failure and the figures always."""
    try:
        yield fleet
    except BaseException:
        fleet.dump_logs()
        raise
    finally:
        fleet.stop()
        fleet.report(title, capsys)


def record(fleet: Fleet, wanted: set[str]) -> dict[str, int]:
    """The final counts, into the figures: the DMs, and the digest and alert channels."""
    tally = fleet.tally(wanted)
    landed = fleet.slack.landed()
    fleet.figures["DMs expected / delivered"] = f"{tally['expected']} / {tally['delivered']}"
    fleet.figures["DM duplicates / missing"] = f"{tally['duplicates']} / {tally['missing']}"
    fleet.figures["messages landed twice (by outbox key)"] = tally["keys landed twice"]
    fleet.figures["digest posts in #leadership"] = landed[DIGEST_CHANNEL]
    fleet.figures["digest chart uploads"] = len(fleet.slack.calls_to(UPLOADS))
    fleet.figures["history checks (conversations.history)"] = len(
        fleet.slack.calls_to("conversations.history")
    )
    fleet.figures["posts in #soc2 (dead-letter alerts)"] = landed[ALERT_CHANNEL]
    fleet.figures["outbox rows by status"] = dict(fleet.statuses())
    fleet.figures["rows reclaimed after a lease expired"] = fleet.reclaimed()
    fleet.figures["of which Slack had taken before the kill"] = fleet.found_in_history()
    fleet.figures["sent rows by replica"] = fleet.sent_by_replica()
    return tally


def assert_exactly_once(fleet: Fleet, tally: dict[str, int]) -> None:
    landed = fleet.slack.landed()
    assert tally["missing"] == 0 and tally["duplicates"] == 0, tally
    assert tally["keys landed twice"] == 0, tally
    assert landed[DIGEST_CHANNEL] == 1
    assert landed[ALERT_CHANNEL] == 0, "something was reported dead"
    assert set(fleet.statuses()) == {OutboxStatus.SENT.value}, fleet.statuses()


@pytest.mark.postgres
@pytest.mark.parametrize("lease", [None, TIGHT_LEASE], ids=["default-lease", "20s-lease"])
def test_a_wave_on_a_slow_slack_is_sent_once_with_no_crash(
    lease: str | None,
    replica_db: Database,
    slack: SlowSlack,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # The product's own batch, and its own lease or one a full batch would outlast at 3 s/post.
    outbox = {"lease_seconds": lease} if lease else {}
    fleet = fleet_for(replica_db, slack, tmp_path, **outbox)
    title = f"(a) {WAVE} DMs + digest, batch {DEFAULT_BATCH}, lease {lease or DEFAULT_LEASE} s"
    with running(fleet, f"{title}, no crash", capsys):
        people = fleet.wave(WAVE)
        fleet.start_all(tmp_path)
        took = fleet.until_delivered(people | {DIGEST_CHANNEL}, timeout=300)
        fleet.figures["wave delivered after"] = f"{took:.1f} s"
        tally = record(fleet, people)
    assert fleet.reclaimed() == 0, "a lease ran out with no replica down"
    assert_exactly_once(fleet, tally)


@pytest.mark.postgres
@pytest.mark.parametrize("outcome", ["landed", "503"])
def test_a_crash_during_the_digest_post_neither_loses_nor_repeats_it(
    outcome: Outcome,
    replica_db: Database,
    slack: SlowSlack,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    fleet = fleet_for(replica_db, slack, tmp_path, lease_seconds=SHORT_LEASE)
    held = slack.hold_next_post(DIGEST_CHANNEL, outcome)
    title = f"(b) SIGKILL during the digest post ({outcome}), lease {SHORT_LEASE} s"
    with running(fleet, title, capsys):
        people = fleet.wave(24)
        fleet.start_all(tmp_path)
        wait_until(held.in_flight.is_set, timeout=120, what="the digest post in flight")
        row = fleet.digest_row()
        assert row is not None and row.status == OutboxStatus.SENDING and row.claimed_by
        holder = fleet.by_worker(row.claimed_by)
        fleet.kill(holder)
        held.release()  # after the kill: its answer (none, or a 503) reaches nobody
        killed = time.monotonic()
        fleet.figures["killed"] = f"{holder.name}, holding the digest post"
        fleet.until_delivered(people | {DIGEST_CHANNEL}, timeout=120)
        fleet.figures["all delivered, outbox idle"] = f"{time.monotonic() - killed:.1f} s after"
        tally = record(fleet, people)
    row = fleet.digest_row()
    assert row is not None and row.attempts >= 1 and row.status == OutboxStatus.SENT
    assert_exactly_once(fleet, tally)
    # Posted afresh (503), or found in history with its chart still to share (landed): the
    # chart goes up once either way.
    assert len(slack.calls_to(UPLOADS)) == 1
    assert len(slack.shared_files(DIGEST_CHANNEL)) == 1


@pytest.mark.postgres
def test_three_kills_in_mid_wave_lose_and_repeat_nothing(
    replica_db: Database, slack: SlowSlack, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fleet = fleet_for(replica_db, slack, tmp_path, lease_seconds=SHORT_LEASE)
    title = f"(c) {WAVE} DMs + digest, 3 SIGKILLs mid-wave, lease {SHORT_LEASE} s"
    # (share of the wave landed, who is killed, whether a replacement starts)
    kills = [(0.2, "leader", True), (0.45, "standby", True), (0.7, "leader", False)]
    with running(fleet, title, capsys):
        people = fleet.wave(WAVE)
        fleet.start_all(tmp_path)
        started = time.monotonic()
        for n, (share, whom, replace) in enumerate(kills, start=1):
            at = fleet.until_arrived(people, share, timeout=180)
            leader = fleet.leader()
            victim = leader if whom == "leader" else next(r for r in fleet.alive if r is not leader)
            fleet.kill(victim)
            assert at < WAVE, "a kill came after the wave had finished"
            if replace:
                fleet.start(tmp_path)
            what = f"{whom} {victim.name}" + (", replaced" if replace else "")
            fleet.figures[f"kill {n} (SIGKILL) at"] = f"{at} of {WAVE} landed ({what})"
        fleet.until_delivered(people | {DIGEST_CHANNEL}, timeout=240)
        fleet.figures["wave delivered after"] = f"{time.monotonic() - started:.1f} s"
        tally = record(fleet, people)
    assert_exactly_once(fleet, tally)
