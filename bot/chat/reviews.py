"""Access reviews started from chat: the start form's answers, the prompt and its page, once.

Slack (a modal with an uploaded CSV) and Teams (a card with a pasted CSV) both start here;
the prompt each posts is remembered with its page, so a redraw stays where people are.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.chat.runtime import Runtime, in_thread
from bot.core.actor import Actor
from bot.core.errors import InvalidInput
from bot.core.messages import Message
from bot.outbox.inbound import find_message, remember_message
from bot.people.services import find_person_by_chat_id, get_person_by_email_or_raise
from bot.reviews.completion import get_review_progress
from bot.reviews.csv_files import parse_accounts_csv
from bot.reviews.duties import MAX_REASON as MAX_REASON  # for the adapters' start forms
from bot.reviews.duties import check_can_start_review
from bot.reviews.messages import review_prompt_view
from bot.reviews.services import start_access_review
from models import Platform

NO_REVIEWER = "Pick a reviewer who is a person in this workspace."


@dataclass(frozen=True)
class ReviewStart:
    """A submitted start form. The reviewer is a chat user id (Slack) or an email (Teams)."""

    name: str
    channel: str
    csv: bytes
    platform: Platform
    reviewer_chat_id: str = ""
    reviewer_email: str = ""
    control_key: str | None = None
    reason: str | None = None


def _check(runtime: Runtime, actor: Actor, control_key: str | None) -> None:
    with runtime.db.session() as session:
        check_can_start_review(session, actor, control_key)


async def check_may_start(runtime: Runtime, actor: Actor, control_key: str | None) -> None:
    """Permission first: nobody is looked up and nothing is read for someone who may not."""
    await in_thread(_check, runtime, actor, control_key)


def _start(runtime: Runtime, actor: Actor, form: ReviewStart) -> int:
    with runtime.db.transaction() as session:
        check_can_start_review(session, actor, form.control_key)
        rows = parse_accounts_csv(form.csv)
        if form.reviewer_chat_id:
            reviewer = find_person_by_chat_id(
                session=session, platform=form.platform, external_id=form.reviewer_chat_id
            )
        elif form.reviewer_email:
            reviewer = get_person_by_email_or_raise(session=session, email=form.reviewer_email)
        else:
            reviewer = None
        if reviewer is None:
            raise InvalidInput(NO_REVIEWER)
        campaign = start_access_review(
            session=session,
            actor=actor,
            name=form.name.strip(),
            rows=rows,
            reviewer=reviewer,
            channel=form.channel,
            now=runtime.clock(),
            control_key=form.control_key,
            reason=(form.reason or "").strip() or None,
        )
        session.flush()
        return campaign.id or 0


async def start_review(runtime: Runtime, actor: Actor, form: ReviewStart) -> int:
    """Start the review in one transaction (checks, accounts, reviewer); its campaign id."""
    return await in_thread(_start, runtime, actor, form)


def _prompt(runtime: Runtime, campaign_id: int, page: int) -> Message:
    with runtime.db.session() as session:
        progress = get_review_progress(session=session, campaign_id=campaign_id)
        return review_prompt_view(progress, page=page)


async def review_prompt(runtime: Runtime, campaign_id: int, page: int) -> Message:
    """The prompt at `page`, for a redraw the service has just allowed."""
    return await in_thread(_prompt, runtime, campaign_id, page)


def _page(runtime: Runtime, platform: Platform, channel: str, message_id: str) -> int:
    with runtime.db.session() as session:
        row = find_message(
            session=session, platform=platform.value, channel=channel, message_id=message_id
        )
        return row.page if row else 0


async def remembered_page(
    runtime: Runtime, platform: Platform, channel: str, message_id: str
) -> int:
    """The page a posted prompt shows now (0 when it was never remembered)."""
    return await in_thread(_page, runtime, platform, channel, message_id)


def _remember(
    runtime: Runtime, where: tuple[Platform, str, str], campaign_id: int, page: int
) -> None:
    platform, channel, message_id = where
    with runtime.db.transaction() as session:
        row = remember_message(
            session=session,
            platform=platform.value,
            channel=channel,
            message_id=message_id,
            kind="review_prompt",
            campaign_id=campaign_id,
        )
        row.page = page
        session.add(row)


async def remember_prompt(
    runtime: Runtime, where: tuple[Platform, str, str], campaign_id: int, page: int
) -> None:
    """Remember that the message at `where` (platform, channel, id) is this prompt's page."""
    await in_thread(_remember, runtime, where, campaign_id, page)
