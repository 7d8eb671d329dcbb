"""Access reviews in Slack: start one from the modal, post its shared prompt, private pages."""

from __future__ import annotations

from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.chat.reviews import (
    NO_REVIEWER,
    ReviewStart,
    check_may_start,
    remember_prompt,
    review_prompt,
    shared_prompts,
    start_review,
)
from bot.chat.runtime import Runtime
from bot.core.errors import InvalidInput
from bot.core.messages import Message
from handlers.slack.background import one_redraw_at_a_time
from handlers.slack.blocks import render_blocks, render_text
from handlers.slack.files import download
from handlers.slack.identity import link_named, resolve_actor
from models import Platform

MAX_CSV_BYTES = 2 * 1024 * 1024


async def start_from_modal(
    deps: Runtime, client: AsyncWebClient, user_id: str, values: dict[str, Any]
) -> tuple[int, str]:
    """Start a review from the submitted modal; returns (campaign id, channel).

    Permission comes first: nobody is looked up or linked and nothing is downloaded for
    someone who may not start this review.
    """
    actor = await resolve_actor(deps, client, user_id)
    control_key = str(values.get("control") or "").strip() or None
    await check_may_start(deps, actor, control_key)
    csv_files = values.get("csv") or []
    if not csv_files:
        raise InvalidInput("Attach the CSV of accounts to review.")
    csv = await _read_csv(deps, csv_files[0])
    reviewer_id = str(values.get("reviewer") or "")
    if not reviewer_id:
        raise InvalidInput(NO_REVIEWER)
    await link_named(deps, client, reviewer_id)
    channel = str(values.get("channel") or "")
    form = ReviewStart(
        name=str(values.get("name") or ""),
        channel=channel,
        csv=csv,
        platform=Platform.SLACK,
        reviewer_chat_id=reviewer_id,
        control_key=control_key,
        reason=str(values.get("reason") or ""),
    )
    return await start_review(deps, actor, form), channel


async def _read_csv(deps: Runtime, file: dict[str, Any]) -> bytes:
    if int(file.get("size") or 0) > MAX_CSV_BYTES:
        raise InvalidInput("The CSV is larger than 2 MB; split the review into smaller ones.")
    stream = await download(deps, file)
    try:
        return stream.read(MAX_CSV_BYTES + 1)
    finally:
        stream.close()


async def post_review_prompt(
    deps: Runtime, client: AsyncWebClient, campaign_id: int, channel: str
) -> str:
    """Post the shared prompt and remember the message; returns its ts."""
    message = await review_prompt(deps, campaign_id)
    posted = await client.chat_postMessage(
        channel=channel, text=render_text(message), blocks=render_blocks(message)
    )
    ts = str(posted["ts"])
    await remember_prompt(deps, (Platform.SLACK, str(posted["channel"]), ts), campaign_id)
    return ts


async def redraw_review(
    deps: Runtime, client: AsyncWebClient, campaign_id: int, channel: str, ts: str
) -> None:
    """Update the shared prompt at (channel, ts) in place: its progress and first page."""
    message = await review_prompt(deps, campaign_id)
    await client.chat_update(
        channel=channel, ts=ts, text=render_text(message), blocks=render_blocks(message)
    )
    await remember_prompt(deps, (Platform.SLACK, channel, ts), campaign_id)


async def redraw_shared(deps: Runtime, client: AsyncWebClient, campaign_id: int) -> None:
    """Update the shared prompt wherever it was posted (after a decision on a private page),
    one redraw of each message at a time, as a click on it would."""
    for channel, ts in await shared_prompts(deps, Platform.SLACK, campaign_id):
        async with one_redraw_at_a_time(f"{channel}:{ts}"):
            message = await review_prompt(deps, campaign_id)
            await client.chat_update(
                channel=channel, ts=ts, text=render_text(message), blocks=render_blocks(message)
            )


def private_page(message: Message, *, in_place: bool) -> dict[str, Any]:
    """Response-url fields for a private page: in place of the ephemeral page that carried the
    button, or a new ephemeral message (the shared prompt stays as everyone sees it)."""
    fields: dict[str, Any] = {"text": render_text(message), "blocks": render_blocks(message)}
    if in_place:
        return {"replace_original": True, **fields}
    return {"response_type": "ephemeral", "replace_original": False, **fields}
