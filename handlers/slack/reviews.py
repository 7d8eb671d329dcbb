"""Access reviews in Slack: start one from the modal, post its prompt, redraw it in place."""

from __future__ import annotations

from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.chat.reviews import (
    NO_REVIEWER,
    ReviewStart,
    check_may_start,
    remember_prompt,
    remembered_page,
    review_prompt,
    start_review,
)
from bot.chat.runtime import Runtime
from bot.core.errors import InvalidInput
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
    """Post page one of the prompt and remember the message; returns its ts."""
    message = await review_prompt(deps, campaign_id, 0)
    posted = await client.chat_postMessage(
        channel=channel, text=render_text(message), blocks=render_blocks(message)
    )
    ts = str(posted["ts"])
    await remember_prompt(deps, (Platform.SLACK, str(posted["channel"]), ts), campaign_id, 0)
    return ts


async def redraw_review(
    deps: Runtime,
    client: AsyncWebClient,
    campaign_id: int,
    channel: str,
    ts: str,
    *,
    page: int | None = None,
) -> None:
    """Update the prompt in place on its current page (or the page asked for)."""
    if page is None:
        page = await remembered_page(deps, Platform.SLACK, channel, ts)
    message = await review_prompt(deps, campaign_id, page)
    await client.chat_update(
        channel=channel, ts=ts, text=render_text(message), blocks=render_blocks(message)
    )
    await remember_prompt(deps, (Platform.SLACK, channel, ts), campaign_id, page)
