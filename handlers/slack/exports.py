"""`/soc2 export` in Slack: answer at once, build the bundle in the background, DM the file."""

from __future__ import annotations

import logging
from pathlib import Path

from slack_sdk.web.async_client import AsyncWebClient

from bot import commands as c
from bot.actor import Actor
from bot.export_jobs import build_requested_bundle, run_in_background
from bot.export_links import bundle_link
from bot.messages import Message
from bot.permissions import Action, require
from bot.runtime import Runtime
from bot.views_export import export_view
from handlers.slack.blocks import render_blocks, render_text
from handlers.slack.errors import user_text

log = logging.getLogger("soc2bot.slack")


def started_text(intent: c.Export) -> str:
    return (
        f"Building the evidence bundle for {intent.start} to {intent.end}. "
        "I will send it to you in a direct message when it is ready."
    )


def start_export(
    deps: Runtime, client: AsyncWebClient, actor: Actor, intent: c.Export, user_id: str
) -> None:
    """Check the permission now (the answer says no at once), then build in the background."""
    require(actor, Action.EXPORT)
    run_in_background(_deliver(deps, client, actor, intent, user_id))


async def _deliver(
    deps: Runtime, client: AsyncWebClient, actor: Actor, intent: c.Export, user_id: str
) -> None:
    try:
        summary = await build_requested_bundle(deps, actor, intent)
    except Exception as error:  # the person waits for an answer: the funnel's words, in a DM
        await client.chat_postMessage(channel=user_id, text=user_text(error))
        return
    message = export_view(summary, link=bundle_link(deps.settings, summary.path, deps.clock()))
    posted = await client.chat_postMessage(
        channel=user_id, text=render_text(message), blocks=render_blocks(message)
    )
    path = summary.path
    if path is None:
        return
    limit = deps.settings.export_upload_max_bytes
    if summary.size > limit:
        where = "use the download link above" if deps.settings.export_links else f"it is at {path}"
        note = Message(
            text=f"The bundle ({_size(summary.size)}) is larger than this server sends in "
            f"chat ({_size(limit)}), so it stays on the server: {where}."
        )
        await client.chat_postMessage(channel=str(posted["channel"]), text=render_text(note))
        return
    await _upload(client, str(posted["channel"]), path)


async def _upload(client: AsyncWebClient, channel: str, path: Path) -> None:
    try:
        await client.files_upload_v2(channel=channel, file=str(path), filename=path.name)
    except Exception as error:  # the summary already says where the bundle is on the server
        log.error("Could not upload the evidence bundle %s", path.name, exc_info=error)
        await client.chat_postMessage(channel=channel, text=user_text(error))


def _size(n: int) -> str:
    return f"{n / 2**20:,.1f} MB" if n >= 2**20 else f"{max(1, n // 1024):,} KB"
