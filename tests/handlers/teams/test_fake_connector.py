"""The fake connector answers botbuilder's real ConnectorClient as the Bot Framework would."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, TypeVar

import aiohttp
import pytest
from botbuilder.core import TurnContext
from botbuilder.schema import (
    Activity,
    ActivityTypes,
    ChannelAccount,
    ConversationParameters,
    ErrorResponseException,
)
from botbuilder.schema.teams import TeamsChannelAccount
from botframework.connector.aio import ConnectorClient
from botframework.connector.auth import MicrosoftAppCredentials

from tests.handlers.teams.activities import (
    card_submit_activity,
    conversation_update_activity,
    message_activity,
)
from tests.handlers.teams.fake_connector import FakeConnector

T = TypeVar("T")
CHANNEL = "19:abc123@thread.tacv2;messageid=1700000000000"


@pytest.fixture
def fake() -> Iterator[FakeConnector]:
    with FakeConnector() as connector:
        yield connector


def with_client(fake: FakeConnector, use: Callable[[ConnectorClient], Awaitable[T]]) -> T:
    """Run `use` with the real connector client, anonymous (empty app id: no token is sent)."""

    async def run() -> T:
        credentials = MicrosoftAppCredentials("", "")
        async with ConnectorClient(credentials, base_url=fake.service_url) as client:
            return await use(client)

    return asyncio.run(run())


def text(value: str) -> Activity:
    return Activity(type=ActivityTypes.message, text=value)


def test_a_send_is_recorded_with_the_decoded_conversation_id(fake: FakeConnector) -> None:
    sent = with_client(fake, lambda c: c.conversations.send_to_conversation(CHANNEL, text("hi")))
    [call] = fake.calls
    assert call.method == "POST" and call.path == f"/v3/conversations/{CHANNEL}/activities"
    assert call.body is not None and call.body["text"] == "hi"
    assert "authorization" not in call.headers  # anonymous mode sends no token
    assert sent.id and sent.id.isdigit()
    assert fake.sent_activities() == [call.body]


def test_reply_update_and_delete_use_the_activity_path(fake: FakeConnector) -> None:
    async def use(client: ConnectorClient) -> tuple[Any, Any]:
        ops = client.conversations
        reply = await ops.reply_to_activity("a:1raj-personal", "1700000000009", text("reply"))
        updated = await ops.update_activity("a:1raj-personal", reply.id, text("edited"))
        await ops.delete_activity("a:1raj-personal", reply.id)
        return reply, updated

    reply, updated = with_client(fake, use)
    assert reply.id != "1700000000009" and updated.id == reply.id
    base = "/v3/conversations/a:1raj-personal/activities"
    assert [(c.method, c.path) for c in fake.calls] == [
        ("POST", f"{base}/1700000000009"),
        ("PUT", f"{base}/{reply.id}"),
        ("DELETE", f"{base}/{reply.id}"),
    ]
    assert [a["text"] for a in fake.sent_activities()] == ["reply", "edited"]
    assert [c.status for c in fake.calls_to("DELETE", base)] == [200]


def test_create_conversation_returns_a_new_personal_conversation(fake: FakeConnector) -> None:
    params = ConversationParameters(
        is_group=False,
        bot=ChannelAccount(id="28:bot-app-id"),
        members=[ChannelAccount(id="29:1raj")],
        tenant_id="tenant-1",
        channel_data={"tenant": {"id": "tenant-1"}},
    )
    first = with_client(fake, lambda c: c.conversations.create_conversation(params))
    second = with_client(fake, lambda c: c.conversations.create_conversation(params))
    assert (first.id, second.id) == ("a:new-conversation-1", "a:new-conversation-2")
    assert first.activity_id and first.service_url == fake.service_url
    [call, _] = fake.calls_to("POST", "/v3/conversations")
    assert call.path == "/v3/conversations" and call.body is not None
    assert call.body["members"] == [{"id": "29:1raj"}]
    assert call.body["channelData"] == {"tenant": {"id": "tenant-1"}}  # botbuilder: "tenantID"
    assert fake.sent_activities() == []  # created without an activity: nothing was posted


def test_a_registered_member_is_found_by_teams_id_or_aad_id(fake: FakeConnector) -> None:
    fake.add_member(
        aad_object_id="aad-raj", user_id="29:1raj", name="Raj Iyer", email="raj@acme.test"
    )

    async def use(client: ConnectorClient) -> list[TeamsChannelAccount]:
        found = []
        for member_id in ("29:1raj", "aad-raj"):
            member = await client.conversations.get_conversation_member("a:x", member_id)
            # How TeamsInfo.get_member rebuilds a Teams member from the answer.
            data = dict(member.serialize(), **member.additional_properties)
            found.append(TeamsChannelAccount().deserialize(data))
        return found

    for member in with_client(fake, use):
        assert (member.id, member.aad_object_id, member.name) == ("29:1raj", "aad-raj", "Raj Iyer")
        assert member.email == member.user_principal_name == "raj@acme.test"
        assert (member.given_name, member.surname, member.tenant_id) == ("Raj", "Iyer", "tenant-1")
    assert fake.calls_to("GET", "/v3/conversations/a:x/members/")[1].path.endswith("/aad-raj")


def test_an_unknown_member_is_a_404_with_teams_error_code(fake: FakeConnector) -> None:
    with pytest.raises(ErrorResponseException) as raised:
        with_client(fake, lambda c: c.conversations.get_conversation_member("a:x", "29:nobody"))
    assert raised.value.response.status_code == 404
    assert raised.value.error.error.code == "MemberNotFoundInConversation"


def test_fail_next_throttles_then_the_send_goes_through(fake: FakeConnector) -> None:
    fake.fail_next("POST", "/v3/conversations/", status=429, retry_after=2, times=2)

    async def use(client: ConnectorClient) -> list[Any]:
        outcomes: list[Any] = []
        for _ in range(3):
            try:
                outcomes.append(await client.conversations.send_to_conversation("a:1", text("x")))
            except ErrorResponseException as exc:
                outcomes.append((exc.response.status_code, exc.response.headers["Retry-After"]))
        return outcomes

    first, second, third = with_client(fake, use)
    assert first == second == (429, "2") and third.id
    assert [c.status for c in fake.calls] == [429, 429, 200]
    assert len(fake.sent_activities()) == 1  # refused sends are not counted as sent


def test_a_token_is_required_when_the_fake_is_given_one() -> None:
    with FakeConnector(token="bot-token") as fake, pytest.raises(ErrorResponseException) as raised:
        with_client(fake, lambda c: c.conversations.send_to_conversation("a:1", text("x")))
    assert raised.value.response.status_code == 401
    assert fake.sent_activities() == []


async def fetch(url: str, **headers: str) -> tuple[int, bytes]:
    async with aiohttp.ClientSession() as session, session.get(url, headers=headers) as response:
        return response.status, await response.read()


def test_a_file_downloads_without_a_token_from_its_download_url(fake: FakeConnector) -> None:
    attachment = fake.add_file(b"%PDF-1.7 scan", name="access review.pdf")
    content = attachment["content"]
    assert attachment["contentType"] == "application/vnd.microsoft.teams.file.download.info"
    assert attachment["name"] == "access review.pdf" and content["fileType"] == "pdf"
    assert fake.downloads == []
    assert asyncio.run(fetch(content["downloadUrl"])) == (200, b"%PDF-1.7 scan")
    assert fake.downloads == [content["uniqueId"]]
    assert asyncio.run(fetch(attachment["contentUrl"]))[0] == 401  # SharePoint's, not the bot's


def test_an_inline_image_needs_the_bot_token(fake: FakeConnector) -> None:
    image = fake.add_inline_image(b"\x89PNG...")
    assert image["contentType"] == "image/png"
    assert asyncio.run(fetch(image["contentUrl"]))[0] == 401
    assert fake.downloads == []
    assert asyncio.run(fetch(image["contentUrl"], Authorization="Bearer t")) == (200, b"\x89PNG...")
    assert len(fake.downloads) == 1


def test_built_activities_deserialize_as_botbuilder_reads_them(fake: FakeConnector) -> None:
    raw = message_activity(
        "mine",
        service_url=fake.service_url,
        mention_bot=True,
        conversation_type="channel",
        conversation_id=CHANNEL,
    )
    activity = Activity().deserialize(raw)
    assert activity.text == "<at>soc2bot</at> mine" and activity.from_property.aad_object_id
    assert TurnContext.remove_recipient_mention(activity).strip() == "mine"
    assert activity.conversation.is_group and activity.channel_data["team"]["id"].startswith("19:")
    reference = TurnContext.get_conversation_reference(activity)
    assert reference.service_url == fake.service_url and reference.conversation.id == CHANNEL

    submit = Activity().deserialize(card_submit_activity({"action_id": "x"}, service_url="u"))
    assert submit.value == {"action_id": "x"} and submit.text is None and submit.reply_to_id

    added = Activity().deserialize(conversation_update_activity(service_url=fake.service_url))
    assert [m.id for m in added.members_added] == [added.recipient.id]
