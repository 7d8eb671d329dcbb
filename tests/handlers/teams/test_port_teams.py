"""The Teams chat port against the fake connector: proactive sends, failures mapped, images."""

from __future__ import annotations

import base64
import datetime as dt
import json
from typing import Any

import pytest

from bot.chat.port import DeliveryFailed, RateLimited, RecipientUnknown
from bot.core.messages import Image, Message
from handlers.teams.port import TeamsChatPort
from models import OutboxStatus
from schedules.sender import OutboxSender
from tests.handlers.teams.conftest import TeamsScenario
from tests.outbox_support import T0, FakeClock, queue, row

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 160  # ~40 KB, like a digest chart
REMINDER = Message(title="Reminder: review production access", text="Due Friday.")
ACTIVITIES = "/v3/conversations/"


def send(teams: TeamsScenario, message: Message, recipient: str = "teams:user:aad-raj") -> Any:
    port: TeamsChatPort = teams.client.app.state.teams_port  # type: ignore[attr-defined]
    return teams.client.portal.call(port.send, recipient, message)  # type: ignore[union-attr]


@pytest.fixture
def known(teams: TeamsScenario) -> TeamsScenario:
    """Raj has talked to the bot, so his conversation reference is stored."""
    teams.say("whoami")
    teams.connector.clear()
    return teams


def test_a_send_returns_the_activity_id_and_the_conversation(known: TeamsScenario) -> None:
    sent = send(known, REMINDER)
    [activity] = known.sent()
    assert sent.channel == "a:personal-raj" and sent.message_id.startswith("17")
    assert "Reminder: review production access" in json.dumps(activity)


def test_a_throttled_send_raises_rate_limited_and_tells_the_person_nothing(
    known: TeamsScenario,
) -> None:
    known.connector.fail_next("POST", ACTIVITIES, status=429, retry_after=3)
    with pytest.raises(RateLimited) as raised:
        send(known, REMINDER)
    assert raised.value.retry_after == 3.0
    # No internal retry, and no "something went wrong" posted by the adapter's error handler.
    assert [c.status for c in known.connector.calls_to("POST", ACTIVITIES)] == [429]
    assert known.sent() == []


@pytest.mark.parametrize(("status", "permanent"), [(404, True), (403, True), (502, False)])
def test_connector_errors_are_permanent_or_transient(
    known: TeamsScenario, status: int, permanent: bool
) -> None:
    known.connector.fail_next("POST", ACTIVITIES, status=status)
    with pytest.raises(DeliveryFailed) as raised:
        send(known, REMINDER)
    assert raised.value.permanent is permanent and f"HTTP {status}" in raised.value.reason
    assert known.sent() == []


def test_someone_who_never_talked_to_the_bot_is_a_permanent_failure(teams: TeamsScenario) -> None:
    with pytest.raises(RecipientUnknown) as raised:
        send(teams, REMINDER, "teams:user:aad-nobody")
    assert raised.value.permanent


def test_a_chart_is_sent_inline_and_the_card_stays_small(known: TeamsScenario) -> None:
    digest = Message(title="Weekly digest", images=(Image("digest.png", "Trend", PNG),))
    send(known, digest)
    [activity] = known.sent()
    [card, picture] = activity["attachments"]
    assert card["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert picture["contentType"] == "image/png" and picture["name"] == "digest.png"
    prefix = "data:image/png;base64,"
    assert picture["contentUrl"].startswith(prefix)
    assert base64.b64decode(picture["contentUrl"][len(prefix) :]) == PNG
    # Teams' size limit leaves base64 images out; the rest of the activity stays under 28 KB.
    without_image = {**activity, "attachments": [card]}
    assert len(json.dumps(without_image)) < 28_000


def test_an_update_puts_the_new_card_on_the_same_activity(known: TeamsScenario) -> None:
    port: TeamsChatPort = known.client.app.state.teams_port  # type: ignore[attr-defined]
    known.client.portal.call(port.update, "teams:user:aad-raj", "1700000000001", REMINDER)  # type: ignore[union-attr]
    [put] = known.connector.calls_to("PUT", ACTIVITIES)
    assert put.path.endswith("/activities/1700000000001") and put.status == 200


def test_the_sender_retries_a_teams_429_after_its_retry_after_and_delivers_once(
    known: TeamsScenario,
) -> None:
    clock = FakeClock(T0)
    port: TeamsChatPort = known.client.app.state.teams_port  # type: ignore[attr-defined]
    sender = OutboxSender(known.db, {"teams": port}, worker_id="w1", clock=clock, sleep=clock.sleep)
    [row_id] = queue(known.db, ["teams:user:aad-raj"], platform="teams")
    known.connector.fail_next("POST", ACTIVITIES, status=429, retry_after=4)
    known.client.portal.call(sender.run_once)  # type: ignore[union-attr]
    waiting = row(known.db, row_id)
    assert waiting.status == OutboxStatus.PENDING and waiting.attempts == 0
    assert waiting.next_attempt_at >= T0 + dt.timedelta(seconds=4)
    clock.advance(2)
    assert known.client.portal.call(sender.run_once) == 0  # type: ignore[union-attr]
    clock.set(waiting.next_attempt_at)
    assert known.client.portal.call(sender.run_once) == 1  # type: ignore[union-attr]
    delivered = row(known.db, row_id)
    assert delivered.status == OutboxStatus.SENT and delivered.platform_message_id
    assert [c.status for c in known.connector.calls_to("POST", ACTIVITIES)] == [429, 200]
    assert len(known.sent()) == 1


def test_the_sender_delivers_a_chart_to_teams_inline(known: TeamsScenario) -> None:
    clock = FakeClock(T0)
    port: TeamsChatPort = known.client.app.state.teams_port  # type: ignore[attr-defined]
    sender = OutboxSender(known.db, {"teams": port}, worker_id="w1", clock=clock)
    digest = Message(title="Weekly digest", images=(Image("digest.png", "Trend", PNG),))
    queue(known.db, ["teams:user:aad-raj"], platform="teams", message=digest)
    known.client.portal.call(sender.run_once)  # type: ignore[union-attr]
    [activity] = known.sent()
    assert activity["attachments"][1]["contentUrl"].startswith("data:image/png;base64,")
