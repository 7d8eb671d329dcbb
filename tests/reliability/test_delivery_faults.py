"""Slack and Teams APIs failing under the outbox: 500s, 503s, 429s and timeouts, mixed.

tests/schedules/test_sender.py and tests/handlers/teams/test_port_teams.py each try one
failure; here storms of them hit a batch of messages, and every message must end up
delivered exactly once: retried until it goes, never lost, never doubled (a send that timed
out after it landed is found in the conversation's history, not posted again).
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.db import Database
from handlers.slack.port import SlackChatPort
from handlers.teams.port import TeamsChatPort
from models import OutboxStatus
from schedules.sender import OutboxSender, SenderPolicy
from tests.handlers.slack.fake_slack import Call, FakeSlack
from tests.outbox_support import T0, FakeClock, queue, rows
from tests.reliability.world import World
from tests.schedules.sender_support import drain

TOKEN = "xoxb-test-token"
RECIPIENTS = [f"U{n:03d}" for n in range(8)]
ACTIVITIES = "/v3/conversations/"


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack(token=TOKEN) as slack:
        yield slack


def sender_for(db: Database, fake: FakeSlack, clock: FakeClock, timeout: int = 30) -> OutboxSender:
    port = SlackChatPort(AsyncWebClient(token=TOKEN, base_url=fake.base_url, timeout=timeout))
    policy = SenderPolicy(max_attempts=12)
    return OutboxSender(
        db, {"slack": port}, worker_id="w1", clock=clock, sleep=clock.sleep, policy=policy
    )


def delivered_keys(fake: FakeSlack) -> Counter[str]:
    """How many times each outbox key landed in Slack (the key rides as message metadata)."""
    landed: Counter[str] = Counter()
    for messages in fake._history.values():
        for message in messages:
            payload = (message.get("metadata") or {}).get("event_payload") or {}
            landed[str(payload.get("key"))] += 1
    return landed


def assert_each_delivered_once(db: Database, fake: FakeSlack, count: int) -> None:
    states = Counter(r.status for r in rows(db))
    assert states == {OutboxStatus.SENT: count}, states
    landed = delivered_keys(fake)
    assert len(landed) == count and set(landed.values()) == {1}, landed


@pytest.mark.parametrize("status", [500, 502, 503, 504, 429])
def test_a_run_of_http_failures_is_retried_until_each_message_lands_once(
    db: Database, fake: FakeSlack, status: int
) -> None:
    clock = FakeClock(T0)
    queue(db, RECIPIENTS * 3)
    fake.fail_next("chat.postMessage", status=status, retry_after=2, times=10)
    drain(db, sender_for(db, fake, clock), clock)
    assert_each_delivered_once(db, fake, len(RECIPIENTS) * 3)
    posts = fake.calls_to("chat.postMessage")
    assert len(posts) == len(RECIPIENTS) * 3 + 10  # each failure was retried, nothing more


def test_a_storm_of_mixed_failures_loses_nothing_and_doubles_nothing(
    db: Database, fake: FakeSlack
) -> None:
    clock = FakeClock(T0)
    queue(db, RECIPIENTS * 4)
    sender = sender_for(db, fake, clock)
    storm = [(500, 3), (429, 4), (503, 2), (502, 3), (429, 2), (504, 2)]

    async def go() -> None:
        for status, times in storm:
            fake.fail_next("chat.postMessage", status=status, retry_after=1, times=times)
            await sender.run_once()
            clock.advance(30)

    asyncio.run(go())
    drain(db, sender, clock)
    assert_each_delivered_once(db, fake, len(RECIPIENTS) * 4)


def test_a_timeout_after_the_message_landed_is_not_sent_twice(
    db: Database, fake: FakeSlack
) -> None:
    """Slack posted the message but the answer came too late: the retry finds it instead."""
    clock = FakeClock(T0)
    queue(db, RECIPIENTS[:3])
    slow = {"left": 3}

    def land_then_stall(call: Call) -> dict[str, Any]:
        answer = fake._post(call.args)  # in the channel's history, as on Slack
        if slow["left"] > 0:
            slow["left"] -= 1
            time.sleep(1.6)  # past the client's 1 s timeout
        return answer

    fake.respond("chat.postMessage", land_then_stall)
    drain(db, sender_for(db, fake, clock, timeout=1), clock)
    assert_each_delivered_once(db, fake, 3)
    assert len(fake.calls_to("conversations.history")) >= 3  # each unknown outcome was checked


def test_a_timeout_before_the_message_landed_is_sent_again_once(
    db: Database, fake: FakeSlack
) -> None:
    clock = FakeClock(T0)
    queue(db, RECIPIENTS[:3])
    slow = {"left": 3}

    def stall_then_land(call: Call) -> dict[str, Any]:
        if slow["left"] > 0:
            slow["left"] -= 1
            time.sleep(1.6)
            return {"ok": False, "error": "internal_error"}  # never reaches the client anyway
        return fake._post(call.args)

    fake.respond("chat.postMessage", stall_then_land)
    drain(db, sender_for(db, fake, clock, timeout=1), clock)
    assert_each_delivered_once(db, fake, 3)


def drain_teams(known: World, port: TeamsChatPort) -> None:
    """Run the outbox sender over Teams until nothing is left to send (the clock jumps)."""
    clock = FakeClock(T0)
    sender = OutboxSender(
        known.db, {"teams": port}, worker_id="w1", clock=clock, sleep=clock.sleep,
        policy=SenderPolicy(max_attempts=12),
    )  # fmt: skip

    async def go() -> None:
        for _ in range(60):
            if not await sender.run_once():
                waiting = [r for r in rows(known.db) if r.status == OutboxStatus.PENDING]
                if not waiting:
                    return
                clock.set(min(r.next_attempt_at for r in waiting))

    known.client.portal.call(go)  # type: ignore[union-attr]


@pytest.mark.parametrize("status", [500, 502, 503, 504, 412, 429])
def test_teams_connector_failures_are_retried_until_each_message_lands_once(
    world: World, status: int
) -> None:
    known = world  # everyone talked to the bot once, so Raj's conversation is known
    port: TeamsChatPort = known.client.app.state.teams_port  # type: ignore[attr-defined]
    ids = queue(known.db, ["teams:user:aad-raj"] * 5, platform="teams")
    known.connector.fail_next("POST", ACTIVITIES, status=status, retry_after=1, times=6)
    drain_teams(known, port)
    states = Counter(r.status for r in rows(known.db))
    assert states == {OutboxStatus.SENT: len(ids)}, states
    posts = known.connector.calls_to("POST", ACTIVITIES)
    assert [c.status for c in posts].count(200) == len(ids)  # one delivery per message
    assert len(known.connector.sent_activities()) == len(ids)


def short_timeout_port(known: World) -> TeamsChatPort:
    app_port: TeamsChatPort = known.client.app.state.teams_port  # type: ignore[attr-defined]
    return TeamsChatPort(app_port.runtime, app_port.adapter, timeout=0.5)


def test_a_teams_send_that_stalls_before_it_lands_is_sent_again_once(world: World) -> None:
    known = world
    ids = queue(known.db, ["teams:user:aad-raj"] * 3, platform="teams")
    known.connector.stall_next("POST", ACTIVITIES, seconds=1.5, lands=False, times=3)
    drain_teams(known, short_timeout_port(known))
    assert Counter(r.status for r in rows(known.db)) == {OutboxStatus.SENT: len(ids)}
    time.sleep(1.2)  # let the stalled requests finish (with their 504s)
    assert len(known.connector.sent_activities()) == len(ids)  # none lost, none doubled
    assert all(r.attempts >= 1 for r in rows(known.db))  # each was retried after its timeout


def test_a_teams_send_that_stalls_after_it_landed_is_delivered_at_least_once(
    world: World,
) -> None:
    """Teams offers bots no history to look the message up in, so a send whose answer came
    too late is sent again: nothing is lost, and the stalled ones arrive twice (documented in
    docs/architecture.md)."""
    known = world
    ids = queue(known.db, ["teams:user:aad-raj"] * 3, platform="teams")
    known.connector.stall_next("POST", ACTIVITIES, seconds=1.5, lands=True, times=2)
    drain_teams(known, short_timeout_port(known))
    assert Counter(r.status for r in rows(known.db)) == {OutboxStatus.SENT: len(ids)}
    deadline = time.monotonic() + 5  # the stalled requests land after the retries did
    while len(known.connector.sent_activities()) < len(ids) + 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.2)
    assert len(known.connector.sent_activities()) == len(ids) + 2
