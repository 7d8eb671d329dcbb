"""Access reviews: start one from a list of accounts, decide its items one by one."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from sqlmodel import Session, col, select

from bot.audit.trail import record_event
from bot.core.actor import Actor
from bot.core.errors import Conflict, InvalidInput, NotFound
from bot.core.permissions import Action, require
from bot.core.program import get_program_or_raise, program_today
from bot.evidence.store import EvidenceStore
from bot.reviews.completion import complete_campaign, complete_follow_up, list_open_follow_ups
from bot.reviews.csv_files import AccountRow
from bot.reviews.duties import (
    build_review_items,
    check_can_page_review,
    check_can_start_review,
    check_not_control_owner,
    check_not_own_account,
    check_reviewer,
)
from bot.reviews.facts import ReviewProgress
from bot.reviews.progress import decision_counts, get_review_progress
from models import (
    Campaign,
    CampaignItem,
    CampaignKind,
    CampaignStatus,
    Control,
    Evidence,
    EvidenceKind,
    FollowUp,
    ItemDecision,
    Occurrence,
    OccurrenceStatus,
    Person,
    Task,
)

MAX_NAME = 200
MAX_NOTE = 2000
__all__ = [
    "ReviewDecision",
    "complete_follow_up",
    "decide_review_item",
    "get_review_progress",
    "list_open_follow_ups",
    "review_progress_for",
    "start_access_review",
]
_STATEMENT = {ItemDecision.KEEP: "Keep access", ItemDecision.REVOKE: "Revoke access"}


@dataclass(frozen=True)
class ReviewDecision:
    """What a decision did: the item, its campaign, and what completing the campaign made."""

    item: CampaignItem
    campaign: Campaign
    completed: bool
    follow_ups: list[FollowUp]


def start_access_review(
    *,
    session: Session,
    actor: Actor,
    name: str,
    rows: list[AccountRow],
    reviewer: Person,
    channel: str,
    now: dt.datetime,
    control_key: str | None = None,
    reason: str | None = None,
) -> Campaign:
    """Create the campaign and one item per account, each assigned to a reviewer.

    `reason` is an admin's written reason for making the control's owner its reviewer.
    """
    control = check_can_start_review(session, actor, control_key)
    name, channel = _check_start(name, rows, channel)
    override = check_reviewer(actor, control, reviewer, reason)
    occurrence = _current_occurrence(session, control, now)
    details: dict[str, object] = {"accounts": len(rows)}
    if override:
        details["owner_review_reason"] = override
    campaign = Campaign(
        kind=CampaignKind.ACCESS_REVIEW,
        name=name,
        control_id=control.id if control else None,
        occurrence_id=occurrence.id if occurrence else None,
        channel=channel,
        details=details,
        created_by_id=actor.person_id,
        created_at=now,
    )
    session.add(campaign)
    session.flush()
    items = build_review_items(session, actor, campaign, rows, reviewer, control)
    session.add_all(items)
    session.flush()
    extra = {"owner_review_reason": override} if override else {}
    record_review_started(session, actor, campaign, items, reviewer, control, extra)
    return campaign


def record_review_started(
    session: Session,
    actor: Actor,
    campaign: Campaign,
    items: list[CampaignItem],
    reviewer: Person,
    control: Control | None,
    extra: Mapping[str, object],
) -> None:
    """The `campaign.started` event of an access review: who, for whom, how many, where."""
    record_event(
        session=session,
        actor=actor,
        action="campaign.started",
        subject_type="campaign",
        subject_id=campaign.id or 0,
        details={
            "name": campaign.name,
            "accounts": len(items),
            "started_by": actor.label,
            "reviewer": reviewer.email,
            "rerouted": sum(1 for i in items if i.reviewer_id != reviewer.id),
            "control": control.key if control else None,
            "occurrence": campaign.occurrence_id,
        }
        | dict(extra),
    )


def _current_occurrence(
    session: Session, control: Control | None, now: dt.datetime
) -> Occurrence | None:
    """The control's latest started, still pending access-review work, which the review proves."""
    if control is None:
        return None
    today = program_today(get_program_or_raise(session=session), now)
    return session.exec(
        select(Occurrence)
        .join(Task, col(Task.id) == Occurrence.task_id)
        .where(
            Occurrence.control_id == control.id,
            Task.kind == "access_review",
            Occurrence.status == OccurrenceStatus.PENDING,
            col(Occurrence.period_start) <= today,
        )
        .order_by(col(Occurrence.period_start).desc())
    ).first()


def _check_start(name: str, rows: list[AccountRow], channel: str) -> tuple[str, str]:
    name, channel = name.strip(), channel.strip()
    if not 1 <= len(name) <= MAX_NAME:
        raise InvalidInput(f"Give the review a name of 1 to {MAX_NAME} characters.")
    if not channel or len(channel) > 200:
        raise InvalidInput("Say which channel the review prompt goes to.")
    if not rows:
        raise InvalidInput("The review has no accounts: attach a CSV with at least one.")
    return name, channel


def review_progress_for(*, session: Session, actor: Actor, campaign_id: int) -> ReviewProgress:
    """A review's progress for paging or redrawing its prompt, if the actor may (see
    `check_can_page_review`): a button cannot turn any message into someone else's review."""
    check_can_page_review(session, actor, campaign_id)
    return get_review_progress(session=session, campaign_id=campaign_id, page=0)


def decide_review_item(
    *,
    session: Session,
    actor: Actor,
    item_id: int,
    decision: Literal["keep", "revoke"],
    now: dt.datetime,
    store: EvidenceStore,
    note: str | None = None,
) -> ReviewDecision:
    """Record the assigned reviewer's keep/revoke; the last decision completes the review."""
    if decision not in ("keep", "revoke"):
        raise InvalidInput(f"“{decision}” is not a decision: choose keep or revoke.")
    choice = ItemDecision(decision)
    item, campaign = _lock_item(session, item_id)
    _check_decidable(session, actor, item, campaign)
    item.decision, item.decided_by_id, item.decided_at = choice, actor.person_id, now
    item.note = _note(note)
    statement = f"{_STATEMENT[choice]}: {item.subject}"
    evidence = Evidence(
        campaign_item_id=item.id,
        kind=EvidenceKind.ATTESTATION,
        statement=statement,
        note=item.note,
        submitted_by_id=actor.person_id,
        platform=actor.platform,
        submitted_at=now,
    )
    session.add_all([item, evidence])
    session.flush()
    record_event(
        session=session,
        actor=actor,
        action="review.item_decided",
        subject_type="campaign",
        subject_id=campaign.id or 0,
        details={"item": item.id, "decision": choice.value, "statement": statement},
    )
    if decision_counts(session, campaign.id or 0)[ItemDecision.PENDING]:
        return ReviewDecision(item, campaign, completed=False, follow_ups=[])
    follow_ups = complete_campaign(
        session=session, actor=actor, campaign=campaign, now=now, store=store
    )
    return ReviewDecision(item, campaign, completed=True, follow_ups=follow_ups)


def _lock_item(session: Session, item_id: int) -> tuple[CampaignItem, Campaign]:
    """The item and its campaign, locked: decisions on one review take turns, so exactly
    one of them sees no pending item left and completes it."""
    item = session.get(CampaignItem, item_id)
    if item is None:
        raise NotFound(f"There is no review item {item_id}.")
    campaign = session.exec(
        select(Campaign)
        .where(Campaign.id == item.campaign_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    session.refresh(item)
    if campaign.kind is not CampaignKind.ACCESS_REVIEW:
        raise NotFound(f"Item {item_id} is not part of an access review.")
    return item, campaign


def _check_decidable(
    session: Session, actor: Actor, item: CampaignItem, campaign: Campaign
) -> None:
    if campaign.status is not CampaignStatus.OPEN:
        raise Conflict(
            f"The review “{campaign.name}” is {campaign.status.value}; it takes no more decisions."
        )
    if item.decision is not ItemDecision.PENDING:
        who = session.get(Person, item.decided_by_id) if item.decided_by_id else None
        when = f" on {item.decided_at:%d %b %Y %H:%M} UTC" if item.decided_at else ""
        raise Conflict(
            f"{item.subject} was already decided ({item.decision.value}) by "
            f"{who.name if who else 'someone'}{when}."
        )
    mine = actor.person_id is not None and actor.person_id == item.reviewer_id
    require(actor, Action.DECIDE_REVIEW_ITEM, related=mine)
    check_not_own_account(session, actor, item)
    check_not_control_owner(session, actor, campaign)


def _note(note: str | None) -> str | None:
    if note and len(note) > MAX_NOTE:
        raise InvalidInput(f"The note is too long ({len(note)} characters; at most {MAX_NOTE}).")
    return (note or "").strip() or None
