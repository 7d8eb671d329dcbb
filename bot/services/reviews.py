"""Access reviews: start one from a list of accounts, decide its items one by one."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from sqlmodel import Session, col, select

from bot.actor import Actor
from bot.audit import record_event
from bot.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from bot.evidence_store import EvidenceStore
from bot.permissions import Action, require
from bot.review_csv import AccountRow
from bot.services.controls import get_control_or_raise
from bot.services.occurrences import get_program_or_raise, program_today
from bot.services.review_completion import (
    ReviewItemRow,
    ReviewProgress,
    complete_campaign,
    complete_follow_up,
    decision_counts,
    get_review_progress,
    list_open_follow_ups,
)
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
    Role,
    Task,
)

MAX_NAME = 200
MAX_NOTE = 2000
__all__ = [
    "ReviewDecision",
    "ReviewItemRow",
    "ReviewProgress",
    "complete_follow_up",
    "decide_review_item",
    "get_review_progress",
    "list_open_follow_ups",
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
) -> Campaign:
    """Create the campaign and one item per account, each assigned to a reviewer."""
    control = get_control_or_raise(session=session, key=control_key) if control_key else None
    owner = control.owner_id if control else None
    require(actor, Action.START_CAMPAIGN, related=owner is not None and owner == actor.person_id)
    name, channel = _check_start(name, rows, reviewer, channel)
    occurrence = _current_occurrence(session, control, now)
    campaign = Campaign(
        kind=CampaignKind.ACCESS_REVIEW,
        name=name,
        control_id=control.id if control else None,
        occurrence_id=occurrence.id if occurrence else None,
        channel=channel,
        details={"accounts": len(rows)},
        created_by_id=actor.person_id,
        created_at=now,
    )
    session.add(campaign)
    session.flush()
    items = _build_items(session, actor, campaign, rows, reviewer, control)
    session.add_all(items)
    session.flush()
    record_event(
        session=session,
        actor=actor,
        action="campaign.started",
        subject_type="campaign",
        subject_id=campaign.id or 0,
        details={
            "name": name,
            "accounts": len(items),
            "reviewer": reviewer.email,
            "rerouted": sum(1 for i in items if i.reviewer_id != reviewer.id),
            "control": control.key if control else None,
            "occurrence": campaign.occurrence_id,
        },
    )
    return campaign


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


def _build_items(
    session: Session,
    actor: Actor,
    campaign: Campaign,
    rows: list[AccountRow],
    reviewer: Person,
    control: Control | None,
) -> list[CampaignItem]:
    owners = _active_people(session, {r.system_owner for r in rows if r.system_owner})
    default_owner = control.owner_id if control else None
    stand_in: int | None = None
    items = []
    for row in rows:
        reviewer_id = reviewer.id
        if row.email and row.email == reviewer.email.lower():
            stand_in = stand_in or _stand_in(session, actor, reviewer, row)
            reviewer_id = stand_in
        items.append(
            CampaignItem(
                campaign_id=campaign.id or 0,
                subject=f"{row.account} ({row.system})" if row.system else row.account,
                subject_email=row.email,
                system_owner_id=owners.get(row.system_owner or "") or default_owner,
                reviewer_id=reviewer_id,
                details={"account": row.account, "system": row.system},
            )
        )
    return items


def _active_people(session: Session, emails: set[str]) -> dict[str, int]:
    if not emails:
        return {}
    found = session.exec(
        select(Person.email, Person.id).where(col(Person.email).in_(emails), Person.active)
    ).all()
    return {email.lower(): person_id for email, person_id in found if person_id is not None}


def _stand_in(session: Session, actor: Actor, reviewer: Person, row: AccountRow) -> int:
    """Who reviews the reviewer's own account (segregation of duties)."""
    manager = session.get(Person, reviewer.manager_id) if reviewer.manager_id else None
    if manager and manager.id and manager.active and manager.role is not Role.AUDITOR:
        return manager.id
    if actor.person_id is not None and actor.person_id != reviewer.id:
        return actor.person_id
    raise InvalidInput(
        f"Nobody else can review {row.account}'s own account: give {reviewer.name} "
        "a manager in the catalog, or choose another reviewer."
    )


def _check_start(
    name: str, rows: list[AccountRow], reviewer: Person, channel: str
) -> tuple[str, str]:
    name, channel = name.strip(), channel.strip()
    if not 1 <= len(name) <= MAX_NAME:
        raise InvalidInput(f"Give the review a name of 1 to {MAX_NAME} characters.")
    if not channel or len(channel) > 200:
        raise InvalidInput("Say which channel the review prompt goes to.")
    if not rows:
        raise InvalidInput("The review has no accounts: attach a CSV with at least one.")
    if not reviewer.active or reviewer.role is Role.AUDITOR:
        why = "is not active" if not reviewer.active else "is an auditor (read-only)"
        raise InvalidInput(f"{reviewer.name} {why}; choose another reviewer.")
    return name, channel


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
    person = session.get(Person, actor.person_id) if actor.person_id else None
    if person and item.subject_email and person.email.lower() == item.subject_email.lower():
        raise PermissionDenied("You cannot decide on your own account.")


def _note(note: str | None) -> str | None:
    if note and len(note) > MAX_NOTE:
        raise InvalidInput(f"The note is too long ({len(note)} characters; at most {MAX_NOTE}).")
    return (note or "").strip() or None
