"""Access reviews started from chat: the start form's answers, the prompt and its pages.

Slack (a modal with an uploaded CSV) and Teams (a card with a pasted CSV) both start here.
The prompt each posts in the channel is shared: always its first page and the progress, and
remembered, so that a decision made anywhere redraws it. Other pages are private pages.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import col, select

from bot.chat.presses import Outcome
from bot.chat.runtime import Runtime, in_thread
from bot.core.actor import Actor
from bot.core.errors import InvalidInput
from bot.core.messages import Message
from bot.core.program import zone
from bot.outbox.inbound import remember_message
from bot.people.services import find_person_by_chat_id, get_person_by_email_or_raise
from bot.reviews.csv_files import parse_accounts_csv
from bot.reviews.duties import MAX_REASON as MAX_REASON  # for the adapters' start forms
from bot.reviews.duties import check_can_start_review
from bot.reviews.messages import PAGE_SIZE, PromptView, review_prompt_view
from bot.reviews.progress import get_review_progress
from bot.reviews.services import start_access_review
from models import ChatMessage, Platform

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


def _prompt(runtime: Runtime, campaign_id: int, view: PromptView, reader: Actor | None) -> Message:
    with runtime.db.session() as session:
        # One page read, not the whole review: a click on a 10,000-account review stays cheap.
        progress = get_review_progress(
            session=session, campaign_id=campaign_id, page=view.page if view.private else 0,
            page_size=PAGE_SIZE, pending_only=view.pending_only and view.private,
        )  # fmt: skip
    # A private page is in its reader's timezone when known; the shared one in the program's.
    tz = zone(reader.timezone) if view.private and reader and reader.timezone else None
    return review_prompt_view(
        progress,
        page=view.page,
        pending_only=view.pending_only,
        private=view.private,
        zone=tz,
    )


async def review_prompt(
    runtime: Runtime,
    campaign_id: int,
    view: PromptView | None = None,
    reader: Actor | None = None,
) -> Message:
    """The shared prompt (first page, for everyone), or a reader's private page (`view`):
    for a redraw the service has just allowed."""
    return await in_thread(_prompt, runtime, campaign_id, view or PromptView(), reader)


def page_of(outcome: Outcome) -> PromptView:
    """The prompt a `Redraw.REVIEW` outcome shows: a private page, or the shared prompt."""
    if not outcome.private:
        return PromptView()
    return PromptView(outcome.page or 0, outcome.pending_only, private=True)


def _shared(runtime: Runtime, platform: Platform, campaign_id: int) -> list[tuple[str, str]]:
    with runtime.db.session() as session:
        rows = session.exec(
            select(ChatMessage)
            .where(ChatMessage.platform == platform.value, ChatMessage.kind == "review_prompt")
            .where(ChatMessage.campaign_id == campaign_id)
            .order_by(col(ChatMessage.id))
        ).all()
        return [(row.channel, row.message_id) for row in rows]


async def shared_prompts(
    runtime: Runtime, platform: Platform, campaign_id: int
) -> list[tuple[str, str]]:
    """Where the review's shared prompt was posted on `platform`: (channel, message id) each,
    so that a decision made on a private page redraws its progress there too."""
    return await in_thread(_shared, runtime, platform, campaign_id)


def _remember(runtime: Runtime, where: tuple[Platform, str, str], campaign_id: int) -> None:
    platform, channel, message_id = where
    with runtime.db.transaction() as session:
        remember_message(
            session=session,
            platform=platform.value,
            channel=channel,
            message_id=message_id,
            kind="review_prompt",
            campaign_id=campaign_id,
        )


async def remember_prompt(
    runtime: Runtime, where: tuple[Platform, str, str], campaign_id: int
) -> None:
    """Remember that the message at `where` (platform, channel, id) is the shared prompt."""
    await in_thread(_remember, runtime, where, campaign_id)
