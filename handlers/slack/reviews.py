"""Access reviews in Slack: start one from the modal, post its prompt, redraw it in place."""

from __future__ import annotations

from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.chat.runtime import Runtime, in_thread
from bot.core.actor import Actor
from bot.core.errors import InvalidInput
from bot.core.messages import Message
from bot.outbox.inbound import find_message, remember_message
from bot.people.services import find_person_by_chat_id
from bot.reviews.csv_files import AccountRow, parse_accounts_csv
from bot.reviews.duties import check_can_start_review
from bot.reviews.messages import review_prompt_view
from bot.reviews.services import get_review_progress, review_progress_for, start_access_review
from handlers.slack.blocks import render_blocks, render_text
from handlers.slack.files import download
from handlers.slack.identity import link_named, resolve_actor
from models import Platform

SLACK = Platform.SLACK.value
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
    await in_thread(_check_may_start, deps, actor, control_key)
    csv_files = values.get("csv") or []
    if not csv_files:
        raise InvalidInput("Attach the CSV of accounts to review.")
    rows = parse_accounts_csv(await _read_csv(deps, csv_files[0]))
    reviewer_id = str(values.get("reviewer") or "")
    if not reviewer_id:
        raise InvalidInput("Pick a reviewer who is a person in this workspace.")
    await link_named(deps, client, reviewer_id)
    channel = str(values.get("channel") or "")
    campaign_id = await in_thread(
        _start, deps, actor, reviewer_id, values, rows, channel, control_key
    )
    return campaign_id, channel


def _check_may_start(deps: Runtime, actor: Actor, control_key: str | None) -> None:
    with deps.db.session() as session:
        check_can_start_review(session, actor, control_key)


async def _read_csv(deps: Runtime, file: dict[str, Any]) -> bytes:
    if int(file.get("size") or 0) > MAX_CSV_BYTES:
        raise InvalidInput("The CSV is larger than 2 MB; split the review into smaller ones.")
    stream = await download(deps, file)
    try:
        return stream.read(MAX_CSV_BYTES + 1)
    finally:
        stream.close()


def _start(
    deps: Runtime,
    actor: Actor,
    reviewer_id: str,
    values: dict[str, Any],
    rows: list[AccountRow],
    channel: str,
    control_key: str | None,
) -> int:
    with deps.db.transaction() as session:
        reviewer = find_person_by_chat_id(
            session=session, platform=Platform.SLACK, external_id=reviewer_id
        )
        if reviewer is None:
            raise InvalidInput("Pick a reviewer who is a person in this workspace.")
        campaign = start_access_review(
            session=session,
            actor=actor,
            name=str(values.get("name") or "").strip(),
            rows=rows,
            reviewer=reviewer,
            channel=channel,
            now=deps.clock(),
            control_key=control_key,
            reason=str(values.get("reason") or "").strip() or None,
        )
        return campaign.id or 0


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
    await _update(deps, client, message, campaign_id, channel, ts, page)


async def _update(
    deps: Runtime,
    client: AsyncWebClient,
    message: Message,
    campaign_id: int,
    channel: str,
    ts: str,
    page: int,
) -> None:
    await client.chat_update(
        channel=channel, ts=ts, text=render_text(message), blocks=render_blocks(message)
    )
    await in_thread(_remember, deps, channel, ts, campaign_id, page)


async def page_review(
    deps: Runtime,
    client: AsyncWebClient,
    actor: Actor,
    campaign_id: int,
    channel: str,
    ts: str,
    page: int,
) -> None:
    """A page button: only the review's reviewers, its starter or an admin turn its pages."""
    message = await in_thread(_view, deps, campaign_id, page, actor)
    await _update(deps, client, message, campaign_id, channel, ts, page)


def _view(deps: Runtime, campaign_id: int, page: int, actor: Actor | None = None) -> Message:
    with deps.db.session() as session:
        if actor is not None:
            progress = review_progress_for(session=session, actor=actor, campaign_id=campaign_id)
        else:  # a redraw after a decision the service has just allowed
            progress = get_review_progress(session=session, campaign_id=campaign_id)
        return review_prompt_view(progress, page=page)


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
