"""The fake Slack Web API and the request builders, checked through the real slack_sdk and Bolt."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs

import aiohttp
import pytest
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from tests.handlers.slack.fake_slack import FakeSlack
from tests.handlers.slack.signing import (
    block_action_payload,
    event_body,
    interaction_body,
    signed_headers,
    slash_command_body,
    view_submission_payload,
)

TOKEN = "xoxb-test-token"
SECRET = "test-signing-secret"
FORM = "application/x-www-form-urlencoded"
BLOCKS = [{"type": "section", "block_id": "s1", "text": {"type": "mrkdwn", "text": "*hi*"}}]


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack(token=TOKEN) as fake:
        yield fake


def client(fake: FakeSlack, **kwargs: Any) -> AsyncWebClient:
    return AsyncWebClient(token=TOKEN, base_url=fake.base_url, **kwargs)


async def slack_error(call: Any) -> Any:
    with pytest.raises(SlackApiError) as refused:
        await call
    return refused.value.response


def test_calls_are_recorded_with_their_args_and_answered_like_slack(fake: FakeSlack) -> None:
    async def run() -> list[Any]:
        web = client(fake)
        return [
            await web.chat_postMessage(channel="C1", text="hi", blocks=BLOCKS),
            await web.chat_postMessage(channel="URAJ", text="to a person"),
            # Form-encoded, as slack_sdk sends many methods: JSON values come back decoded.
            await web.api_call("chat.update", data={"channel": "C1", "ts": "1.2", "blocks": "[]"}),
            await web.views_open(trigger_id="1337.42", view={"type": "modal", "callback_id": "cb"}),
            await web.conversations_open(users="URAJ"),
            await web.api_call("reactions.add", params={"name": "eyes"}),
        ]

    first, second, update, view, dm, other = asyncio.run(run())
    call = fake.calls_to("chat.postMessage")[0]
    assert call.args == {"channel": "C1", "text": "hi", "blocks": BLOCKS}
    assert call.headers["authorization"] == f"Bearer {TOKEN}"
    assert first["message"]["blocks"] == BLOCKS and first["ts"] < second["ts"]
    assert second["channel"] == "DURAJ" == dm["channel"]["id"]
    assert fake.last("chat.update").args == {"channel": "C1", "ts": "1.2", "blocks": []}
    assert update["ts"] == "1.2"
    assert view["view"]["id"].startswith("V") and view["view"]["callback_id"] == "cb"
    assert fake.last("views.open").args["view"] == {"type": "modal", "callback_id": "cb"}
    assert other.data == {"ok": True} and fake.last("reactions.add").args == {"name": "eyes"}
    fake.clear()
    assert fake.calls == [] and fake.calls_to("chat.postMessage") == []


def test_a_missing_or_wrong_token_is_refused_like_slack(fake: FakeSlack) -> None:
    async def run() -> list[Any]:
        anonymous = AsyncWebClient(base_url=fake.base_url)
        stranger = AsyncWebClient(token="xoxb-someone-else", base_url=fake.base_url)
        return [
            await slack_error(anonymous.auth_test()),
            await slack_error(stranger.chat_postMessage(channel="C1", text="hi")),
            await client(fake).auth_test(),
        ]

    anonymous, stranger, bot = asyncio.run(run())
    assert (anonymous.status_code, anonymous["error"]) == (200, "not_authed")
    assert stranger["error"] == "invalid_auth"
    assert (bot["user_id"], bot["bot_id"], bot["team_id"]) == ("UBOT", "BBOT", "T1")


def test_a_429_carries_retry_after_once_and_the_rate_limit_handler_retries(
    fake: FakeSlack,
) -> None:
    async def run() -> tuple[Any, Any]:
        fake.fail_next("chat.postMessage", retry_after=1)
        refused = await slack_error(client(fake).chat_postMessage(channel="C1", text="a"))
        fake.fail_next("chat.postMessage", retry_after=0)
        patient = client(fake, retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=1)])
        return refused, await patient.chat_postMessage(channel="C1", text="b")

    refused, sent = asyncio.run(run())
    assert (refused.status_code, refused["error"]) == (429, "ratelimited")
    assert refused.headers["Retry-After"] == "1"
    texts = [c.args["text"] for c in fake.calls_to("chat.postMessage")]
    assert sent["ok"] and texts == ["a", "b", "b"]  # refused, then the 429 and its retry


def test_server_errors_last_the_given_number_of_calls(fake: FakeSlack) -> None:
    fake.fail_next("chat.postEphemeral", status=503, times=2)

    async def run() -> Any:
        quick = FixedValueRetryIntervalCalculator(0.01)
        retry = AsyncServerErrorRetryHandler(max_retry_count=2, interval_calculator=quick)
        patient = client(fake, retry_handlers=[retry])
        return await patient.chat_postEphemeral(channel="C1", user="U1", text="hi")

    assert asyncio.run(run())["message_ts"]
    assert len(fake.calls_to("chat.postEphemeral")) == 3


def test_a_file_download_needs_the_bot_token_else_slack_sends_its_login_page(
    fake: FakeSlack,
) -> None:
    content = bytes(range(256)) * 1024  # 256 KiB: streamed in chunks
    file = fake.add_file(content, name="scan 1.pdf", file_id="F42")

    async def get(url: str, token: str | None) -> tuple[int, str, str | None, bytes]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        async with aiohttp.ClientSession() as http, http.get(url, headers=headers) as response:
            length = response.headers.get("Content-Length")
            return response.status, response.content_type, length, await response.read()

    download = file["url_private_download"]
    assert download == f"{fake.url}/files-pri/T1-F42/download/scan%201.pdf"
    assert asyncio.run(get(download, TOKEN)) == (200, "application/pdf", "262144", content)
    assert asyncio.run(get(file["url_private"], TOKEN))[3] == content
    for token in (None, "xoxb-someone-else"):
        status, kind, _, page = asyncio.run(get(download, token))
        assert (status, kind) == (200, "text/html") and page.startswith(b"<!DOCTYPE html>")
    fake.files_forbidden = True  # the bot token, but no files:read scope
    assert asyncio.run(get(download, TOKEN))[1] == "text/html"
    assert fake.downloads == ["F42", "F42"]
    info = asyncio.run(client(fake).files_info(file="F42"))
    assert info["file"] == file and (file["size"], file["filetype"]) == (len(content), "pdf")


def test_users_info_and_lookup_by_email_answer_from_the_registry(fake: FakeSlack) -> None:
    fake.add_user("URAJ", "raj@acme.test", name="Raj Iyer", tz="Europe/Berlin")
    fake.add_user("UBOTISH", "", name="No Email", is_bot=True)
    web = WebClient(token=TOKEN, base_url=fake.base_url)  # the sync client sends the same way

    raj = web.users_info(user="URAJ")["user"]
    assert (raj["real_name"], raj["profile"]["email"]) == ("Raj Iyer", "raj@acme.test")
    assert raj["tz"] == "Europe/Berlin" and raj["tz_offset"] in (3600, 7200)
    assert raj["is_bot"] is False and raj["deleted"] is False
    assert web.users_lookupByEmail(email="raj@acme.test")["user"]["id"] == "URAJ"
    assert "email" not in web.users_info(user="UBOTISH")["user"]["profile"]
    assert [u["id"] for u in web.users_list()["members"]] == ["URAJ", "UBOTISH"]
    with pytest.raises(SlackApiError) as unknown:
        web.users_info(user="UNOPE")
    assert unknown.value.response["error"] == "user_not_found"
    with pytest.raises(SlackApiError) as nobody:
        web.users_lookupByEmail(email="nobody@acme.test")
    assert nobody.value.response["error"] == "users_not_found"
    assert fake.last("users.lookupByEmail").args == {"email": "nobody@acme.test"}


def test_overrides_answer_instead_of_the_defaults(fake: FakeSlack) -> None:
    fake.respond("chat.postMessage", {"ok": False, "error": "channel_not_found"})
    fake.respond("users.info", lambda call: {"ok": True, "user": {"id": call.args["user"]}})

    async def run() -> tuple[Any, Any]:
        web = client(fake)
        missing = await slack_error(web.chat_postMessage(channel="C404", text="hi"))
        return missing, await web.users_info(user="UX")

    missing, user = asyncio.run(run())
    assert missing["error"] == "channel_not_found" and user["user"] == {"id": "UX"}


def test_files_upload_v2_posts_the_bytes_to_the_fake_and_completes(fake: FakeSlack) -> None:
    async def run() -> Any:
        upload = client(fake).files_upload_v2
        return await upload(content=b"a,b\n", filename="export.csv", title="Export", channel="C1")

    done = asyncio.run(run())["file"]
    assert (done["name"], done["title"], done["mimetype"]) == ("export.csv", "Export", "text/csv")
    stored = fake.file(done["id"])
    assert stored is not None and stored[1] == b"a,b\n"
    completed = fake.last("files.completeUploadExternal").args
    assert completed["files"] == [{"id": done["id"], "title": "Export"}]
    assert completed["channel_id"] == "C1"


def test_signed_headers_verify_and_a_tampered_body_does_not() -> None:
    body = slash_command_body("status", user_id="URAJ")
    headers = signed_headers(body, SECRET, content_type=FORM)
    verifier = SignatureVerifier(SECRET)
    assert verifier.is_valid_request(body, headers)
    assert verifier.is_valid_request(body.encode(), headers)
    assert not verifier.is_valid_request(body.replace("status", "export"), headers)
    assert not SignatureVerifier("another-secret").is_valid_request(body, headers)
    stale = signed_headers(body, SECRET, timestamp=1, content_type=FORM)
    assert not verifier.is_valid_request(body, stale)
    fields = parse_qs(body)
    assert fields["command"] == ["/soc2"] and fields["text"] == ["status"]


def test_built_requests_reach_bolt_listeners_through_the_fake(fake: FakeSlack) -> None:
    seen: dict[str, Any] = {}
    app = AsyncApp(token=TOKEN, signing_secret=SECRET, client=client(fake))

    @app.command("/soc2")
    async def command(ack: Any, command: dict[str, Any]) -> None:
        await ack()
        seen["command"] = command

    @app.action("occ_done:7")
    async def action(ack: Any, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        seen["action"], seen["container"] = action, body["container"]

    @app.view("evidence_submit")
    async def view(ack: Any, view: dict[str, Any]) -> None:
        await ack()
        seen["view"] = view

    @app.event("app_mention")
    async def mention(event: dict[str, Any], say: Any) -> None:
        await say(f"hello <@{event['user']}>")

    buttons = [{"type": "actions", "block_id": "a1", "elements": [{"action_id": "occ_done:7"}]}]
    values = {"note": {"n": {"type": "plain_text_input", "value": "ok"}}}
    submission = view_submission_payload(callback_id="evidence_submit", values=values)
    mention_event = {"type": "app_mention", "user": "URAJ", "channel": "C1", "text": "hi"}
    bodies = [
        (slash_command_body("mine", response_url=fake.base_url + "response_url"), FORM),
        (
            interaction_body(
                block_action_payload(action_id="occ_done:7", value="7", blocks=buttons)
            ),
            FORM,
        ),
        (interaction_body(submission), FORM),
        (event_body(mention_event), "application/json"),
    ]

    async def run() -> list[int]:
        statuses = []
        for body, kind in bodies:
            headers: dict[str, Any] = signed_headers(body, SECRET, content_type=kind)
            request = AsyncBoltRequest(body=body, headers=headers)
            statuses.append((await app.async_dispatch(request)).status)
        await asyncio.sleep(0.3)  # listeners run after the ack
        return statuses

    assert asyncio.run(run()) == [200, 200, 200, 200]
    assert seen["command"]["text"] == "mine" and seen["command"]["user_id"] == "U1"
    assert (seen["action"]["value"], seen["action"]["block_id"]) == ("7", "a1")
    assert seen["container"]["message_ts"] == "1700000000.000100"
    assert seen["view"]["state"]["values"] == values
    said = fake.last("chat.postMessage").args
    assert (said["channel"], said["text"]) == ("C1", "hello <@URAJ>")
    assert fake.calls_to("auth.test")  # Bolt checked its token against the fake first


def test_it_refuses_what_slack_refuses_missing_scopes_and_names_for_ids(fake: FakeSlack) -> None:
    async def run() -> list[Any]:
        web = client(fake)
        dm = (await web.conversations_open(users="URAJ"))["channel"]["id"]
        fake.scopes = fake.scopes - {"files:write", "channels:history"}
        return [
            (await slack_error(web.files_upload_v2(channel=dm, content="x", filename="a")))[
                "needed"
            ],
            (await slack_error(web.conversations_history(channel="C1")))["error"],  # no scope
            (await slack_error(web.conversations_history(channel="#general")))["error"],
            (await slack_error(web.chat_update(channel="URAJ", ts="1.2", text="x")))["error"],
            (await slack_error(web.conversations_open(users="raj")))["error"],
        ]

    assert asyncio.run(run()) == [
        "files:write",
        "missing_scope",
        "channel_not_found",
        "channel_not_found",
        "user_not_found",
    ]
