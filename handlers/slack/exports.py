"""Exports in Slack: answered where asked (nothing of the bundle), delivered in the person's DM."""

from __future__ import annotations

import logging
from pathlib import Path

from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot.chat import commands as c
from bot.chat.exports import (
    ExportRequests,
    open_for_upload,
    requests_on_this_loop,
    start_private_export,
    too_large_to_upload,
)
from bot.chat.runtime import Runtime
from bot.core.actor import Actor
from bot.core.errors import InvalidInput
from bot.core.messages import Message
from bot.export.facts import BundleSummary
from bot.export.messages import export_started_view
from handlers.slack.blocks import render_blocks, render_text
from handlers.slack.errors import user_text
from handlers.slack.files import slack_token
from models import Platform

log = logging.getLogger("soc2bot.slack")
WHERE = "in a direct message"


def started_text(intent: c.Export) -> str:
    return render_text(export_started_view(intent.start, intent.end, where=WHERE))


def start_export(
    deps: Runtime, client: AsyncWebClient, actor: Actor, intent: c.Export, user_id: str
) -> None:
    """Check the permission now (the answer says no at once), then build in the background."""
    start_private_export(deps, actor, intent, SlackDM(deps, client, user_id))


def export_requests(deps: Runtime) -> ExportRequests:
    """Exports typed as text (mention, DM, More button): delivered in the caller's DM.

    Those paths hand dispatch a Slack actor, whose platform id is the Slack user to DM.
    """

    def chat_for(actor: Actor) -> SlackDM:
        user = actor.platform_id or ""
        if actor.platform != Platform.SLACK or user[:1] not in ("U", "W"):
            raise InvalidInput("Exports are sent in a direct message: ask from your Slack account.")
        client = AsyncWebClient(
            token=slack_token(deps.settings),
            base_url=deps.settings.slack_api_url,
            retry_handlers=[
                AsyncRateLimitErrorRetryHandler(max_retry_count=3),
                AsyncServerErrorRetryHandler(max_retry_count=2),
            ],
        )
        return SlackDM(deps, client, user)

    return requests_on_this_loop(deps, chat_for, WHERE)


class SlackDM:
    """The DM between the bot and one user: opened by id (`conversations.open`), then used."""

    def __init__(self, deps: Runtime, client: AsyncWebClient, user_id: str) -> None:
        self.deps, self.client, self.user_id = deps, client, user_id
        self._channel: str | None = None

    async def channel(self) -> str:
        if self._channel is None:
            opened = await self.client.conversations_open(users=self.user_id)
            self._channel = str(opened["channel"]["id"])
        return self._channel

    async def tell(self, message: Message) -> None:
        await self.client.chat_postMessage(
            channel=await self.channel(),
            text=render_text(message),
            blocks=render_blocks(message),
            unfurl_links=False,
        )

    async def failed(self, error: Exception) -> None:
        await self.tell(Message(text=user_text(error)))

    async def hand_over(self, summary: BundleSummary, message: Message) -> None:
        await self.tell(message)
        path = summary.path
        if path is None:
            return
        too_large = too_large_to_upload(self.deps.settings, summary)
        if too_large is not None:
            await self.tell(too_large)
            return
        await self._upload(path)

    async def _upload(self, path: Path) -> None:
        channel = await self.channel()
        try:
            with open_for_upload(path) as handle:
                await self.client.files_upload_v2(
                    channel=channel, file=handle, filename=path.name, title=path.name
                )
        except Exception as error:  # the summary already says where the bundle is on the server
            log.error("Could not upload the evidence bundle %s", path.name, exc_info=error)
            await self.client.chat_postMessage(channel=channel, text=user_text(error))
