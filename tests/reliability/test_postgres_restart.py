"""PostgreSQL restarted mid-traffic: clean "try again" answers, recovery without a restart of
soc2bot, and nothing half-written.

Runs against a throwaway PostgreSQL server that the test starts, stops and restarts itself
(tests/reliability/pg_instance.py), never against the machine's shared one.
"""

from __future__ import annotations

import os
import pwd
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlmodel import func, select

from bot.audit.verify import verify_chain
from bot.core.db import DATABASE_UNAVAILABLE
from models import AuditEvent, Evidence, Occurrence, OccurrenceStatus
from tests.reliability.pg_instance import ThrowawayPostgres, find_bin_dir
from tests.reliability.world import World

pytestmark = pytest.mark.postgres
WENT_WRONG = "something went wrong"


@pytest.fixture
def pg() -> Iterator[ThrowawayPostgres]:
    bin_dir = find_bin_dir()
    if bin_dir is None:
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root without a `postgres` OS user to own the test server")
    with ThrowawayPostgres(bin_dir) as server:
        yield server


@pytest.fixture
def pg_world(make_world: Callable[..., World], pg: ThrowawayPostgres) -> World:
    return make_world(database_url=pg.url, extra_tasks=30)


def slack_done(world: World, occurrence: int) -> tuple[int, str]:
    response = world.slack.command(f"done #{occurrence} restore checked", user="URAJ")
    return response.status_code, response.text


def teams_said(world: World, text: str, role: str = "owner") -> tuple[int, str]:
    world.connector.clear()
    response = world.teams_say(text, role)
    return response.status_code, world.teams_texts()


def test_while_postgres_is_down_every_request_says_try_again_and_then_recovers(
    pg_world: World, pg: ThrowawayPostgres
) -> None:
    world = pg_world
    refs = world.open_occurrences("owner")
    assert slack_done(world, refs.pop(0))[0] == 200
    pg.stop()
    answers: list[tuple[str, int, str]] = []
    answers.append(("slack status", *_slack(world, "status")))
    answers.append(("slack done", *slack_done(world, refs[0])))
    answers.append(("slack mine", *_slack(world, "mine")))
    answers.append(("teams status", *teams_said(world, "status")))
    answers.append(("teams done", *_teams_click(world, refs[0])))
    for what, status, text in answers:
        assert status < 500, (what, status, text)
        assert DATABASE_UNAVAILABLE in text, (what, text)
        assert WENT_WRONG not in text and "Traceback" not in text, (what, text)
    ready = world.client.get("/readyz")
    assert ready.status_code == 503 and world.client.get("/healthz").status_code == 200
    assert world.client.get("/metrics").status_code in (200, 503)
    pg.start()
    # no restart of soc2bot: stale pooled connections are noticed (pre-ping) and replaced
    assert world.client.get("/readyz").status_code == 200
    status, text = slack_done(world, refs[0])
    assert status == 200 and "Sorry" not in text and DATABASE_UNAVAILABLE not in text, text
    status, text = teams_said(world, "status")
    assert status in (200, 201) and DATABASE_UNAVAILABLE not in text
    _assert_nothing_half_written(world)


def _slack(world: World, text: str) -> tuple[int, str]:
    response = world.slack.command(text, user="URAJ")
    return response.status_code, response.text


def _teams_click(world: World, occurrence: int) -> tuple[int, str]:
    world.connector.clear()
    response = world.teams_submit({"action_id": f"occ_done:{occurrence}"}, "owner")
    return response.status_code, world.teams_texts()


@pytest.mark.parametrize("mode", ["fast", "immediate"])
def test_a_restart_during_a_burst_of_writes_leaves_every_write_whole_or_absent(
    pg_world: World, pg: ThrowawayPostgres, mode: str
) -> None:
    """Writes race a restart ("immediate" is a crash: no checkpoint, connections cut)."""
    world = pg_world
    refs = world.open_occurrences("owner")
    outcomes: list[tuple[int, int, str]] = []
    stop = threading.Event()

    def traffic() -> None:
        for occurrence in refs:
            if stop.is_set():
                break
            status, text = slack_done(world, occurrence)
            outcomes.append((occurrence, status, text))
            time.sleep(0.02)

    worker = threading.Thread(target=traffic)
    worker.start()
    time.sleep(0.3)
    pg.restart(mode)
    time.sleep(0.3)
    stop.set()
    worker.join(timeout=60)
    assert outcomes, "no traffic was sent"
    refused = [o for o in outcomes if DATABASE_UNAVAILABLE in o[2]]
    done = [o for o in outcomes if "Sorry" not in o[2] and DATABASE_UNAVAILABLE not in o[2]]
    print(f"{mode}: {len(done)} written, {len(refused)} refused with a retry hint")
    for _, status, text in outcomes:
        assert status == 200 and WENT_WRONG not in text and "Traceback" not in text, text
    assert len(refused) + len(done) == len(outcomes)
    assert refused, "the restart fell between two requests; nothing was tested"
    # every acknowledged write is there; every refused one is absent, not half there
    with world.db.session() as session:
        for occurrence, _, _ in done:
            occ = session.get(Occurrence, occurrence)
            assert occ is not None and occ.status is OccurrenceStatus.DONE, occurrence
        for occurrence, _, _ in refused:
            occ = session.get(Occurrence, occurrence)
            # a commit can land just as the connection dies: then it is whole, with its events
            assert occ is not None
    _assert_nothing_half_written(world)
    # and the service carries on without a restart
    later = world.open_occurrences("owner")
    assert later, "no open work left to try"
    status, text = slack_done(world, later[0])
    assert status == 200 and DATABASE_UNAVAILABLE not in text and "Sorry" not in text, text


def _assert_nothing_half_written(world: World) -> None:
    """Each done occurrence has exactly its evidence and its two events; the chain verifies."""
    with world.db.session() as session:
        report = verify_chain(session=session)
        assert report.ok, report.problem
        done = session.exec(
            select(Occurrence.id).where(Occurrence.status == OccurrenceStatus.DONE)
        ).all()
        for occurrence in done:
            evidence = session.exec(
                select(func.count())
                .select_from(Evidence)
                .where(Evidence.occurrence_id == occurrence)
            ).one()
            events: dict[str, Any] = {
                action: session.exec(
                    select(func.count())
                    .select_from(AuditEvent)
                    .where(AuditEvent.action == action, AuditEvent.subject_id == str(occurrence))
                ).one()
                for action in ("occurrence.completed",)
            }
            submitted = session.exec(
                select(func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.action == "evidence.submitted")
            ).one()
            assert evidence == 1 and events["occurrence.completed"] == 1, occurrence
            assert submitted >= len(done)
        orphans = session.exec(
            select(func.count())
            .select_from(Evidence)
            .join(
                Occurrence,
                Evidence.occurrence_id == Occurrence.id,  # type: ignore[arg-type]
            )
            .where(Occurrence.status != OccurrenceStatus.DONE, Evidence.kind == "attestation")
        ).one()
        assert orphans == 0  # no attestation without its completion
