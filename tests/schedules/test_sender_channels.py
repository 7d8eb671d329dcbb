"""The digest's channel post under faults: resolved to the channel's id, checked there on retry.

The fake Slack acts like the real one here: channels have ids and names, a name can change,
`conversations.history` takes ids only and needs the scope of the channel's kind, and the
scopes granted are the manifest's.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Iterator
from typing import Any

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.chat.port import ChatPort, DeliveryFailed
from bot.core.db import Database
from bot.core.payload import message_from_payload
from bot.digest.services import queue_weekly_digest
from bot.outbox.channels import StoredChannelBook
from handlers.slack.manifest import BOT_SCOPES
from handlers.slack.port import SlackChatPort
from models import OutboxStatus, utcnow
from schedules.sender import OutboxSender, SenderPolicy
from tests.factories import make_control, make_person, make_program, make_task
from tests.handlers.slack.fake_slack import Call, FakeSlack
from tests.outbox_support import FakeClock, rows
from tests.schedules.sender_support import drain

TOKEN = "xoxb-test-token"
MONDAY = dt.datetime(2026, 11, 30, 10, 0, tzinfo=dt.UTC)  # after the digest's 09:00


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack(token=TOKEN) as fake:
        fake.add_channel("general")
        fake.add_channel("random", member=False)
        yield fake


def seed(db: Database, channel: str = "#leadership", compliance: str = "#soc2") -> None:
    with db.transaction() as s:
        program = make_program(s)
        program.leadership_channel, program.compliance_channel = channel, compliance
        raj = make_person(s, "raj@acme.test", name="Raj Iyer")
        make_task(s, make_control(s, "CC6.1-AR", owner=raj), "wk", schedule="weekly", due="2d")


def queue_digest(db: Database, now: dt.datetime = MONDAY) -> None:
    with db.transaction() as s:
        assert queue_weekly_digest(session=s, now=now)


def sender(db: Database, fake: FakeSlack, clock: FakeClock, *, timeout: int = 30) -> OutboxSender:
    """A replica's sender, its Slack port keeping resolved channel ids in the database."""
    client = AsyncWebClient(token=TOKEN, base_url=fake.base_url, timeout=timeout)
    ports: dict[str, ChatPort] = {"slack": SlackChatPort(client, channels=StoredChannelBook(db))}
    policy = SenderPolicy(max_attempts=5)
    return OutboxSender(db, ports, worker_id="w1", clock=clock, sleep=clock.sleep, policy=policy)


def landed(fake: FakeSlack, channel: str) -> list[str]:
    """The outbox keys of the messages in the channel's history, oldest first."""
    history = fake._history.get(channel, [])
    return [str(m["metadata"]["event_payload"]["key"]) for m in history if m.get("metadata")]


@pytest.mark.parametrize("private", [False, True], ids=["public", "private"])
def test_a_digest_whose_answer_was_lost_after_it_landed_is_found_by_id_not_posted_again(
    db: Database, slack: FakeSlack, private: bool
) -> None:
    seed(db)
    channel = slack.add_channel("leadership", private=private)
    queue_digest(db)
    stalled = {"left": 1}

    def land_then_stall(call: Call) -> dict[str, Any]:
        answer = slack._post(call.args)  # in the channel's history, as on Slack
        if stalled["left"]:
            stalled["left"] -= 1
            time.sleep(1.6)  # past the client's 1 s timeout: the outcome is unknown
        return answer

    slack.respond("chat.postMessage", land_then_stall)
    clock = FakeClock(utcnow())
    drain(db, sender(db, slack, clock, timeout=1), clock)
    [row] = rows(db)
    assert row.status == OutboxStatus.SENT and row.attempts == 1, row.last_error
    assert landed(slack, channel) == ["digest:2026-W49"]  # once, in the channel itself
    assert len(slack.calls_to("chat.postMessage")) == 1
    assert {c.args["channel"] for c in slack.calls_to("conversations.history")} == {channel}
    assert row.platform_message_id == slack._history[channel][0]["ts"]
    # the send died before its chart went up: the retry that found the text shares it, once
    assert charts(slack, channel) == ["soc2-digest-2026-W49.png"]


def charts(fake: FakeSlack, channel: str) -> list[str]:
    """Names of the files shared in the channel, oldest first."""
    return [str(f["name"]) for m in fake._history.get(channel, []) for f in m.get("files") or []]


def test_a_found_digest_whose_chart_was_already_shared_is_not_given_a_second(
    db: Database, slack: FakeSlack
) -> None:
    seed(db)
    channel = slack.add_channel("leadership")
    queue_digest(db)
    [row] = rows(db)
    port = SlackChatPort(AsyncWebClient(token=TOKEN, base_url=slack.base_url))
    message = message_from_payload(row.payload)

    async def send_then_find_again() -> None:
        sent = await port.send(channel, message, key=row.idempotency_key)
        found = await port.find_sent(channel, row.idempotency_key, row.created_at)
        assert found == sent
        await port.complete(found, message)  # as a retry after a crash would

    asyncio.run(send_then_find_again())
    assert charts(slack, channel) == ["soc2-digest-2026-W49.png"]
    assert len(slack.calls_to("files.completeUploadExternal")) == 1


def test_a_digest_post_refused_with_503_is_checked_by_id_then_posted_once(
    db: Database, slack: FakeSlack
) -> None:
    seed(db)
    channel = slack.add_channel("leadership")
    queue_digest(db)
    slack.fail_next("chat.postMessage", status=503)
    clock = FakeClock(utcnow())
    drain(db, sender(db, slack, clock), clock)
    [row] = rows(db)
    assert row.status == OutboxStatus.SENT, row.last_error
    assert landed(slack, channel) == ["digest:2026-W49"]
    assert [c.args["channel"] for c in slack.calls_to("conversations.history")] == [channel]
    # the chart went to the same channel, by id (files.completeUploadExternal takes only ids)
    assert slack.last("files.completeUploadExternal").args["channel_id"] == channel


def test_a_renamed_channel_still_receives_the_digest(db: Database, slack: FakeSlack) -> None:
    seed(db)
    channel = slack.add_channel("leadership", private=True)
    queue_digest(db)
    clock = FakeClock(utcnow())
    drain(db, sender(db, slack, clock), clock)
    slack.rename_channel(channel, "exec-team")  # the catalog still says #leadership
    queue_digest(db, MONDAY + dt.timedelta(days=7))
    restarted = FakeClock(utcnow())  # another replica, or the same after a restart
    drain(db, sender(db, slack, restarted), restarted)
    first, second = rows(db)
    assert (first.status, second.status) == (OutboxStatus.SENT, OutboxStatus.SENT), second
    assert landed(slack, channel) == ["digest:2026-W49", "digest:2026-W50"]
    assert first.recipient == "#leadership" and second.recipient == channel  # queued to the id
    assert len(slack.calls_to("conversations.list")) == 1  # resolved once


@pytest.mark.parametrize("name", ["#gone", "#random"], ids=["no such channel", "not invited"])
def test_a_channel_the_bot_cannot_post_in_is_a_dead_letter_saying_why(
    db: Database, slack: FakeSlack, name: str
) -> None:
    seed(db, channel=name, compliance="#general")
    queue_digest(db)
    clock = FakeClock(utcnow())
    drain(db, sender(db, slack, clock), clock)
    digest, alert = rows(db)
    assert digest.status == OutboxStatus.DEAD and digest.attempts == 1
    why = {"#gone": "no channel #gone the bot can see (invite it)", "#random": "not_in_channel"}
    assert why[name] in (digest.last_error or "")
    assert alert.status == OutboxStatus.SENT and why[name] in str(landed_blocks(slack, "#general"))


def landed_blocks(fake: FakeSlack, name: str) -> list[Any]:
    [channel] = [c["id"] for c in fake._channels.values() if c["name"] == name.lstrip("#")]
    return [m.get("blocks") for m in fake._history.get(channel, [])]


def test_the_history_check_needs_the_scope_the_manifest_grants(slack: FakeSlack) -> None:
    public, private = slack.add_channel("leadership"), slack.add_channel("board", private=True)
    port = SlackChatPort(AsyncWebClient(token=TOKEN, base_url=slack.base_url))
    since = utcnow() - dt.timedelta(minutes=1)

    async def check(channel: str) -> object:
        try:
            return await port.find_sent(channel, "digest:2026-W49", since)
        except DeliveryFailed as exc:
            return exc.reason

    assert asyncio.run(check(public)) is None and asyncio.run(check(private)) is None
    assert asyncio.run(check("#board")) is None  # a name is resolved to the id first
    assert slack.last("conversations.history").args["channel"] == private
    slack.scopes = frozenset(BOT_SCOPES) - {"channels:history", "groups:history"}
    assert asyncio.run(check(public)) == "Slack: missing_scope"
    assert asyncio.run(check(private)) == "Slack: missing_scope"
    slack.scopes = frozenset(BOT_SCOPES) - {"groups:history"}  # private needs its own scope
    assert asyncio.run(check(public)) is None
    assert asyncio.run(check(private)) == "Slack: missing_scope"
