"""Access-review prompts in a channel: post them, redraw them in place as decisions come in."""

from __future__ import annotations

from slack_sdk.web.async_client import AsyncWebClient

from bot.runtime import Runtime, in_thread
from bot.services.inbound import find_message, remember_message
from bot.services.reviews import get_review_progress
from bot.views_review import review_prompt_view
from handlers.slack.blocks import render_blocks, render_text
from models import Platform

SLACK = Platform.SLACK.value


async def post_review_prompt(
    deps: Runtime, client: AsyncWebClient, campaign_id: int, channel: str
) -> str:
    """Post page one of the prompt and remember the message; returns its ts."""
    message = await in_thread(_view, deps, campaign_id, 0)
    posted = await client.chat_postMessage(
        channel=channel, text=render_text(message), blocks=render_blocks(message)
    )
    ts = str(posted["ts"])
    await in_thread(_remember, deps, str(posted["channel"]), ts, campaign_id, 0)
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
        page = await in_thread(_current_page, deps, channel, ts)
    message = await in_thread(_view, deps, campaign_id, page)
    await client.chat_update(
        channel=channel, ts=ts, text=render_text(message), blocks=render_blocks(message)
    )
    await in_thread(_remember, deps, channel, ts, campaign_id, page)


def _view(deps: Runtime, campaign_id: int, page: int):  # type: ignore[no-untyped-def]
    with deps.db.session() as session:
        return review_prompt_view(
            get_review_progress(session=session, campaign_id=campaign_id), page=page
        )


def _current_page(deps: Runtime, channel: str, ts: str) -> int:
    with deps.db.session() as session:
        row = find_message(session=session, platform=SLACK, channel=channel, message_id=ts)
        return row.page if row else 0


def _remember(deps: Runtime, channel: str, ts: str, campaign_id: int, page: int) -> None:
    with deps.db.transaction() as session:
        row = remember_message(
            session=session,
            platform=SLACK,
            channel=channel,
            message_id=ts,
            kind="review_prompt",
            campaign_id=campaign_id,
        )
        row.page = page
        session.add(row)
