"""The Slack chat port against the fake Web API: posts, updates, uploads, failures mapped."""

from __future__ import annotations

import asyncio
import socket

import pytest
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot.chat.port import DeliveryFailed, RateLimited, Sent
from bot.core.messages import Button, Image, Message
from handlers.slack.port import SlackChatPort
from tests.handlers.slack.conftest import TOKEN
from tests.handlers.slack.fake_slack import FakeSlack

PNG = b"\x89PNG\r\n\x1a\n" + b"chart pixels" * 100
REMINDER = Message(
    title="Reminder: review production access",
    text="Due Friday.",
    buttons=(Button("Mark done", "occ_done:7", "7", "primary"),),
    ephemeral=False,
)


def bolt_like_client(base_url: str) -> AsyncWebClient:
    """The client Bolt's app has: with retry handlers the port must not inherit."""
    handlers = [AsyncRateLimitErrorRetryHandler(max_retry_count=3), AsyncServerErrorRetryHandler()]
    return AsyncWebClient(token=TOKEN, base_url=base_url, retry_handlers=handlers)


async def _no_wait(seconds: float) -> None:
    return None


@pytest.fixture
def port(fake_slack: FakeSlack) -> SlackChatPort:
    return SlackChatPort(bolt_like_client(fake_slack.base_url), sleep=_no_wait)


def test_a_message_to_a_user_is_posted_as_block_kit_in_their_dm(
    port: SlackChatPort, fake_slack: FakeSlack
) -> None:
    sent = asyncio.run(port.send("URAJ", REMINDER))
    call = fake_slack.last("chat.postMessage")
    assert call.args["channel"] == "URAJ"
    assert "Reminder: review production access" in call.args["text"]
    assert any(b["type"] == "actions" for b in call.args["blocks"])
    assert sent == Sent(message_id="1700000000.000100", channel="DURAJ")  # the DM's id


def test_a_429_is_raised_with_its_retry_after_not_retried_inside(
    port: SlackChatPort, fake_slack: FakeSlack
) -> None:
    fake_slack.fail_next("chat.postMessage", status=429, retry_after=7)
    with pytest.raises(RateLimited) as raised:
        asyncio.run(port.send("URAJ", REMINDER))
    assert raised.value.retry_after == 7.0 and not raised.value.permanent
    assert len(fake_slack.calls_to("chat.postMessage")) == 1


@pytest.mark.parametrize(
    "error",
    ["channel_not_found", "user_not_found", "not_in_channel", "account_inactive", "is_archived"],
)
def test_a_recipient_slack_will_never_take_is_a_permanent_failure(
    port: SlackChatPort, fake_slack: FakeSlack, error: str
) -> None:
    fake_slack.respond("chat.postMessage", {"ok": False, "error": error})
    with pytest.raises(DeliveryFailed) as raised:
        asyncio.run(port.send("UGONE", REMINDER))
    assert raised.value.permanent and error in raised.value.reason


@pytest.mark.parametrize("status", [500, 503])
def test_a_server_error_is_transient_and_tried_once(
    port: SlackChatPort, fake_slack: FakeSlack, status: int
) -> None:
    fake_slack.fail_next("chat.postMessage", status=status)
    with pytest.raises(DeliveryFailed) as raised:
        asyncio.run(port.send("URAJ", REMINDER))
    assert not raised.value.permanent and not isinstance(raised.value, RateLimited)
    assert len(fake_slack.calls_to("chat.postMessage")) == 1


def test_an_unreachable_slack_is_transient() -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{s.getsockname()[1]}/api/"
    port = SlackChatPort(AsyncWebClient(token=TOKEN, base_url=closed))
    with pytest.raises(DeliveryFailed) as raised:
        asyncio.run(port.send("URAJ", REMINDER))
    assert not raised.value.permanent and "unreachable" in raised.value.reason


def test_a_chart_goes_through_the_external_upload_flow_into_the_messages_channel(
    port: SlackChatPort, fake_slack: FakeSlack
) -> None:
    digest = Message(
        title="Weekly digest",
        images=(Image("digest.png", "On-time completion, last 12 weeks", PNG),),
        ephemeral=False,
    )
    sent = asyncio.run(port.send("C0LEADS", digest))
    methods = [c.method for c in fake_slack.calls]
    assert methods == [
        "chat.postMessage",
        "files.getUploadURLExternal",
        "files.completeUploadExternal",
    ]
    asked = fake_slack.last("files.getUploadURLExternal").args
    assert asked["filename"] == "digest.png" and int(asked["length"]) == len(PNG)
    complete = fake_slack.last("files.completeUploadExternal").args
    assert complete["channel_id"] == sent.channel == "C0LEADS"
    [shared] = complete["files"]
    stored = fake_slack.file(shared["id"])
    assert stored is not None and stored[1] == PNG
    assert shared["title"] == "On-time completion, last 12 weeks"
    assert all(b.get("type") != "image" for b in fake_slack.last("chat.postMessage").args["blocks"])


def test_a_chart_for_a_user_is_shared_in_their_dm(
    port: SlackChatPort, fake_slack: FakeSlack
) -> None:
    asyncio.run(port.send("URAJ", Message(title="Chart", images=(Image("c.png", "c", PNG),))))
    assert fake_slack.last("files.completeUploadExternal").args["channel_id"] == "DURAJ"


def test_a_failed_upload_after_the_post_does_not_fail_the_send(
    port: SlackChatPort, fake_slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    fake_slack.fail_next("files.getUploadURLExternal", status=500, times=3)
    chart = Message(title="Chart", images=(Image("c.png", "c", PNG),))
    sent = asyncio.run(port.send("C1", chart))  # a retry would post the text twice
    assert sent.channel == "C1" and len(fake_slack.calls_to("chat.postMessage")) == 1
    assert len(fake_slack.calls_to("files.getUploadURLExternal")) == 3
    assert "not shared" in caplog.text


def test_an_upload_throttled_once_is_tried_again(
    port: SlackChatPort, fake_slack: FakeSlack
) -> None:
    fake_slack.fail_next("files.getUploadURLExternal", status=429, retry_after=1)
    asyncio.run(port.send("C1", Message(title="Chart", images=(Image("c.png", "c", PNG),))))
    assert len(fake_slack.calls_to("files.completeUploadExternal")) == 1


def test_an_update_to_a_user_opens_their_dm_and_edits_in_place(
    port: SlackChatPort, fake_slack: FakeSlack
) -> None:
    asyncio.run(port.update("URAJ", "1700000000.000100", REMINDER))
    assert fake_slack.last("conversations.open").args["users"] == "URAJ"
    update = fake_slack.last("chat.update").args
    assert (update["channel"], update["ts"]) == ("DURAJ", "1700000000.000100")


def test_an_update_to_a_channel_goes_straight_to_it(
    port: SlackChatPort, fake_slack: FakeSlack
) -> None:
    asyncio.run(port.update("C1", "1.2", REMINDER))
    assert fake_slack.calls_to("conversations.open") == []
    assert fake_slack.last("chat.update").args["channel"] == "C1"
