"""Slack delivery for the outbox: Block Kit posts and updates, chart images uploaded to them."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Mapping
from pathlib import PurePosixPath
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from bot.chat.conversations import (
    ChannelBook,
    MemoryChannelBook,
    channel_key,
    is_channel_name,
)
from bot.chat.port import DeliveryFailed, RateLimited, Sent
from bot.core.messages import Image, Message
from handlers.slack.blocks import render_blocks, render_text

log = logging.getLogger("soc2bot.slack")

# Errors that the same request will get again however often it is retried.
PERMANENT_ERRORS = frozenset(
    {
        "channel_not_found",
        "user_not_found",
        "not_in_channel",
        "account_inactive",
        "is_archived",
        "cannot_dm_bot",
        "invalid_blocks",
        "invalid_blocks_format",
        "msg_too_long",
        "no_text",
        "message_not_found",
        "cant_update_message",
        "edit_window_closed",
        "restricted_action",
        "user_disabled",
    }
)
UPLOAD_TRIES = 3
METADATA_EVENT = "soc2bot_outbox"
HISTORY_PAGES = 5  # a conversation with more of our messages since the send is not plausible
UPLOAD_MAX_WAIT = 10.0
# conversations.list: public channels, and the private ones the bot is a member of.
CHANNEL_TYPES = "public_channel,private_channel"
LIST_PAGE, LIST_PAGES = 1000, 50  # Slack's largest page; 50,000 channels is plenty
Sleep = Callable[[float], Awaitable[None]]


class SlackChatPort:
    """`recipient` is a user id (`U…`: Slack opens the DM), a channel id or a `#name`.

    A name is resolved to its id once (`conversations.list`) and the id kept in `channels`;
    every call then uses the id, which history and updates require and a rename keeps.
    """

    def __init__(
        self,
        client: AsyncWebClient,
        *,
        sleep: Sleep = asyncio.sleep,
        channels: ChannelBook | None = None,
    ) -> None:
        # A sibling client without retry handlers: Bolt's client retries 429s by itself,
        # which would hide them from the outbox sender that owns retries and throttling.
        self.client = AsyncWebClient(
            token=client.token,
            base_url=client.base_url,
            timeout=client.timeout,
            ssl=client.ssl,
            proxy=client.proxy,
            headers=dict(client.headers or {}),
            retry_handlers=[],
        )
        self._sleep = sleep
        self._book: ChannelBook = channels or MemoryChannelBook()

    async def send(self, recipient: str, message: Message, *, key: str | None = None) -> Sent:
        # The key rides along as message metadata, so `find_sent` can recognise the message.
        metadata = {"event_type": METADATA_EVENT, "event_payload": {"key": key}} if key else None
        channel = await self._resolve(recipient) if is_channel_name(recipient) else recipient
        posted = await _call(
            self.client.chat_postMessage(
                channel=channel,
                text=render_text(message),
                blocks=render_blocks(message),
                unfurl_links=False,
                unfurl_media=False,
                metadata=metadata,
            )
        )
        sent = Sent(message_id=str(posted["ts"]), channel=str(posted["channel"]))
        for image in message.images:
            if image.data:
                await self._upload(sent.channel, image)
        return sent

    async def find_sent(self, recipient: str, key: str, since: dt.datetime) -> Sent | None:
        """Look for our message carrying `key` in the conversation's history since `since`."""
        channel = await self._channel(recipient)
        cursor: str | None = None
        for _ in range(HISTORY_PAGES):
            page = await _call(
                self.client.conversations_history(
                    channel=channel,
                    oldest=f"{since.timestamp() - 60:.6f}",  # a minute's slack for clock skew
                    include_all_metadata=True,
                    limit=200,
                    cursor=cursor,
                )
            )
            for posted in page.get("messages") or []:
                meta = posted.get("metadata") or {}
                if (meta.get("event_payload") or {}).get("key") == key:
                    return Sent(message_id=str(posted["ts"]), channel=channel)
            cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                break
        return None

    async def complete(self, sent: Sent, message: Message) -> None:
        """Share the images a message found by `find_sent` lacks (the send died between them).

        Images follow their message as file shares, so the history after it tells which ones
        went out before the crash: each missing one is uploaded now, none twice.
        """
        wanted = [image for image in message.images if image.data]
        if not wanted:
            return
        page = await _call(
            self.client.conversations_history(
                channel=sent.channel, oldest=sent.message_id, limit=200
            )
        )
        shared = {
            str(file.get("name"))
            for posted in page.get("messages") or []
            for file in posted.get("files") or []
        }
        for image in wanted:
            if _file_name(image) not in shared:
                await self._upload(sent.channel, image)

    async def _channel(self, recipient: str) -> str:
        """The conversation id: a user id's DM is opened (Slack returns the existing one)."""
        if is_channel_name(recipient):
            return await self._resolve(recipient)
        if recipient[:1] not in ("U", "W"):
            return recipient
        opened = await _call(self.client.conversations_open(users=recipient))
        return str(opened["channel"]["id"])

    async def _resolve(self, name: str) -> str:
        """The id of a channel name: the one stored when it was first used, else Slack's now."""
        known = await asyncio.to_thread(self._book.lookup, "slack", name)
        if known is not None:
            return known
        found = await self._find_channel(channel_key(name))
        if found is None:
            # Permanent: retrying cannot create the channel or invite the bot.
            reason = f"Slack: no channel #{channel_key(name)} the bot can see (invite it)"
            raise DeliveryFailed(reason, permanent=True)
        return await asyncio.to_thread(self._book.remember, "slack", name, found)

    async def _find_channel(self, key: str) -> str | None:
        cursor: str | None = None
        for _ in range(LIST_PAGES):
            page = await _call(
                self.client.conversations_list(
                    types=CHANNEL_TYPES, exclude_archived=True, limit=LIST_PAGE, cursor=cursor
                )
            )
            for channel in page.get("channels") or []:
                if key in (channel.get("name"), channel.get("name_normalized")):
                    return str(channel["id"])
            cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                return None
        return None

    async def update(self, recipient: str, message_id: str, message: Message) -> None:
        channel = await self._channel(recipient)  # chat.update wants the DM's id, not the user's
        await _call(
            self.client.chat_update(
                channel=channel,
                ts=message_id,
                text=render_text(message),
                blocks=render_blocks(message),
            )
        )

    async def _upload(self, channel: str, image: Image) -> None:
        """Share one picture right after its message (getUploadURLExternal → POST → complete).

        The message is already posted, so a failure here must not fail the send: a retry by
        the sender would post the text twice. A few short tries, then a logged loss.
        """
        name = _file_name(image)
        for attempt in range(UPLOAD_TRIES):
            try:
                await _call(
                    self.client.files_upload_v2(
                        channel=channel,
                        file=image.data,
                        filename=name,
                        title=image.alt_text or name,
                        alt_txt=image.alt_text,
                    )
                )
                return
            except DeliveryFailed as exc:
                if exc.permanent or attempt == UPLOAD_TRIES - 1:
                    log.error("Image %s not shared to %s: %s", name, channel, exc.reason)
                    return
                wait = exc.retry_after if isinstance(exc, RateLimited) else None
                await self._sleep(min(wait if wait is not None else 2.0**attempt, UPLOAD_MAX_WAIT))


def _file_name(image: Image) -> str:
    return PurePosixPath(image.url_or_path).name or "image.png"


async def _call(request: Awaitable[AsyncSlackResponse]) -> AsyncSlackResponse:
    """Await a Web API call, translating its failures into the chat port's errors."""
    try:
        return await request
    except SlackApiError as exc:
        raise _api_failure(exc.response) from exc
    except (SlackClientError, aiohttp.ClientError, TimeoutError) as exc:
        raise DeliveryFailed(f"Slack unreachable: {type(exc).__name__}", permanent=False) from exc


def _api_failure(response: Any) -> DeliveryFailed:
    status = int(getattr(response, "status_code", 0) or 0)
    data = getattr(response, "data", None)
    error = str(data.get("error") or "") if isinstance(data, dict) else ""
    if status == 429 or error == "ratelimited":
        return RateLimited(_retry_after(getattr(response, "headers", None) or {}), "Slack: 429")
    if error in PERMANENT_ERRORS:
        return DeliveryFailed(f"Slack: {error}", permanent=True)
    return DeliveryFailed(f"Slack: {error or f'HTTP {status}'}", permanent=False)


def _retry_after(headers: Mapping[str, Any]) -> float | None:
    for name, value in headers.items():
        if name.lower() == "retry-after":
            try:
                return max(0.0, float(value))
            except (TypeError, ValueError):
                return None
    return None
