"""Training certificates posted in the thread of a round's DM, or in a DM with `camp-N`."""

from __future__ import annotations

from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.chat.campaigns import (
    campaign_reference,
    check_certificate,
    item_for_thread_file,
    record_certificate,
)
from bot.chat.runtime import Runtime, in_thread
from bot.core.actor import Actor
from handlers.slack.files import download, precheck
from handlers.slack.identity import resolve_actor
from models import Platform


async def certificate_target(
    deps: Runtime, client: AsyncWebClient, event: dict[str, Any]
) -> tuple[Actor, int] | None:
    """(sender, item) when a shared file is a training certificate, else None.

    A file in the thread of a round's DM is for the sender's item of that round; in a DM,
    a file with exactly one `camp-N` in its text is for their item of round N.
    """
    thread = event.get("thread_ts")
    named = campaign_reference(event.get("text")) if event.get("channel_type") == "im" else None
    if not thread and named is None:
        return None
    actor = await resolve_actor(deps, client, event["user"])
    item_id = await in_thread(
        item_for_thread_file,
        deps,
        actor,
        platform=Platform.SLACK.value,
        channel=event["channel"],
        thread=thread,
        campaign_id=named,
    )
    return (actor, item_id) if item_id is not None else None


async def store_certificates(
    deps: Runtime, actor: Actor, item_id: int, files: list[dict[str, Any]]
) -> str:
    """Check, download, store and record each file; one answer line per file."""
    await in_thread(check_certificate, deps, actor, item_id)  # before any download
    lines = []
    for file in files:
        precheck(deps, file)
        stream = await download(deps, file)
        try:
            answered = await in_thread(
                record_certificate,
                deps,
                actor,
                item_id,
                stream,
                name=str(file.get("name") or "file"),
                media_type=file.get("mimetype"),
            )
        finally:
            stream.close()
        lines.append(answered.reply.text or "")
    return "\n".join(lines)
