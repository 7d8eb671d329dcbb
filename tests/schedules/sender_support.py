"""Running the outbox sender against the fake Slack: a sender on a fake clock, drained."""

from __future__ import annotations

import asyncio
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.core.db import Database
from handlers.slack.port import SlackChatPort
from models import OutboxStatus
from schedules.sender import OutboxSender
from tests.handlers.slack.fake_slack import Call, FakeSlack
from tests.outbox_support import FakeClock, rows

TOKEN = "xoxb-test-token"
SOC2 = "CSOC2"  # the compliance channel #soc2 (make_program), as Slack knows it: by id


def slack_port(fake: FakeSlack) -> SlackChatPort:
    return SlackChatPort(AsyncWebClient(token=TOKEN, base_url=fake.base_url))


def make_sender(db: Database, fake: FakeSlack, clock: FakeClock, **kw: Any) -> OutboxSender:
    options: dict[str, Any] = {"worker_id": "w1", "clock": clock, "sleep": clock.sleep, **kw}
    return OutboxSender(db, {"slack": slack_port(fake)}, **options)


def drain(db: Database, sender: OutboxSender, clock: FakeClock, *, runs: int = 200) -> int:
    """Run the sender until nothing is left to do, jumping the clock to the next due row."""

    async def go() -> int:
        count = 0
        for count in range(1, runs + 1):  # noqa: B007
            if await sender.run_once():
                continue
            waiting = [r for r in rows(db) if r.status == OutboxStatus.PENDING]
            if not waiting:
                return count
            clock.set(min(r.next_attempt_at for r in waiting))
        return count

    return asyncio.run(go())


def posted_to(fake: FakeSlack, channel: str) -> list[Call]:
    return [c for c in fake.calls_to("chat.postMessage") if c.args["channel"] == channel]


def slack_answer(fake: FakeSlack, call: Call) -> dict[str, Any]:
    to = str(call.args["channel"])
    return {"ok": True, "channel": f"D{to}" if to[:1] == "U" else to, "ts": fake.new_ts()}
