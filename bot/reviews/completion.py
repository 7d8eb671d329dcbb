"""Progress and completion of access reviews: counts, decisions as evidence, follow-ups."""

from __future__ import annotations

import datetime as dt
import io

from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from bot.audit.trail import format_time, record_event
from bot.core.actor import Actor
from bot.core.errors import Conflict, NotFound
from bot.core.permissions import Action, require
from bot.core.program import get_program_or_raise, program_today
from bot.core.recurrence import add_business_days
from bot.evidence.expiry import stamp_expiry
from bot.evidence.services import file_evidence
from bot.evidence.store import EvidenceStore, StoredFile
from bot.reviews.csv_files import decisions_csv
from bot.reviews.progress import _day, decision_counts
from bot.work.occurrences import mark_done
from models import (
    Campaign,
    CampaignItem,
    CampaignStatus,
    Control,
    FollowUp,
    FollowUpStatus,
    ItemDecision,
    Occurrence,
    OccurrenceStatus,
    Person,
)

FOLLOW_UP_BUSINESS_DAYS = 5


def complete_campaign(
    *, session: Session, actor: Actor, campaign: Campaign, now: dt.datetime, store: EvidenceStore
) -> list[FollowUp]:
    """Close the campaign and turn its decisions into evidence and follow-ups."""
    campaign_id = campaign.id or 0
    campaign.status, campaign.completed_at = CampaignStatus.COMPLETED, now
    session.add(campaign)
    decider, assigned = aliased(Person), aliased(Person)
    found = session.exec(
        select(CampaignItem, decider.email, assigned.email)
        .outerjoin(decider, col(decider.id) == CampaignItem.decided_by_id)
        .outerjoin(assigned, col(assigned.id) == CampaignItem.reviewer_id)
        .where(CampaignItem.campaign_id == campaign_id)
        .order_by(col(CampaignItem.id))
    ).all()
    rows = [(item, decided_by) for item, decided_by, _ in found]
    # The record names both roles of the review: who started it and who reviewed it.
    started_by = _started_by(session, campaign)
    reviewed_by = sorted({email for _, email, _ in found if email})
    reviewers = [email or "" for _, _, email in found]
    stored = store.put(
        io.BytesIO(decisions_csv(rows, reviewers=reviewers, started_by=started_by)),
        original_name=f"access-review-{campaign_id}-decisions.csv",
        media_type="text/csv",
    )
    session.add(file_evidence(stored, actor, now, campaign_id=campaign_id))
    occurrence_id = _prove_occurrence(session, actor, campaign, stored, now)
    revoked = [item for item, _ in rows if item.decision is ItemDecision.REVOKE]
    follow_ups = _create_follow_ups(session, actor, campaign, revoked, now)
    counts = decision_counts(session, campaign_id)
    record_event(
        session=session,
        actor=actor,
        action="campaign.completed",
        subject_type="campaign",
        subject_id=campaign_id,
        details={
            "started_by": started_by,
            "reviewed_by": reviewed_by,
            "total": sum(counts.values()),
            "kept": counts[ItemDecision.KEEP],
            "revoked": counts[ItemDecision.REVOKE],
            "follow_ups": len(follow_ups),
            "sha256": stored.sha256,
            "occurrence": occurrence_id,
        },
    )
    return follow_ups


def _started_by(session: Session, campaign: Campaign) -> str:
    """Who started the review: their email, or "cli" when it was started from the server."""
    starter = session.get(Person, campaign.created_by_id) if campaign.created_by_id else None
    # A pulled review says who started it: "scheduler" when it opened with its work.
    return starter.email if starter else str(campaign.details.get("started_by") or "cli")


def _prove_occurrence(
    session: Session, actor: Actor, campaign: Campaign, stored: StoredFile, now: dt.datetime
) -> int | None:
    """Attach the decisions to the linked work and close it, unless it was closed meanwhile."""
    if campaign.occurrence_id is None:
        return None
    occ = session.get(Occurrence, campaign.occurrence_id)
    if occ is None or occ.status is not OccurrenceStatus.PENDING:
        return None
    evidence = file_evidence(stored, actor, now, occurrence_id=occ.id)
    occ.proven = True
    stamp_expiry(session, evidence)
    session.add_all([occ, evidence])
    session.flush()
    details = {"kind": "file", "sha256": stored.sha256, "campaign": campaign.id}
    if evidence.expires_at is not None:  # with its id: the bundle's verifier checks both
        details |= {"evidence": evidence.id, "expires_at": format_time(evidence.expires_at)}
    record_event(
        session=session,
        actor=actor,
        action="evidence.submitted",
        subject_type="occurrence",
        subject_id=str(occ.id),
        details=details,
    )
    # A review split by manager is done when the last manager's share is.
    still_open = select(Campaign.id).where(
        Campaign.occurrence_id == occ.id, Campaign.status == CampaignStatus.OPEN
    )
    if session.exec(still_open).first() is None:
        mark_done(session=session, occ=occ, actor=actor, now=now)
    return occ.id


def _create_follow_ups(
    session: Session,
    actor: Actor,
    campaign: Campaign,
    revoked: list[CampaignItem],
    now: dt.datetime,
) -> list[FollowUp]:
    if not revoked:
        return []
    control = session.get(Control, campaign.control_id) if campaign.control_id else None
    fallback = (control.owner_id if control else None) or campaign.created_by_id
    today = program_today(get_program_or_raise(session=session), now)
    due_on = add_business_days(today, FOLLOW_UP_BUSINESS_DAYS)
    follow_ups = [
        FollowUp(
            campaign_id=campaign.id or 0,
            campaign_item_id=item.id,
            title=f"Remove access: {item.subject}"[:300],
            assignee_id=item.system_owner_id or fallback,
            due_on=due_on,
            created_at=now,
        )
        for item in revoked
    ]
    session.add_all(follow_ups)
    session.flush()
    for follow_up in follow_ups:
        # Filed under the campaign so that `audit <campaign>` shows the whole review.
        record_event(
            session=session,
            actor=actor,
            action="follow_up.created",
            subject_type="campaign",
            subject_id=campaign.id or 0,
            details={
                "follow_up": follow_up.id,
                "item": follow_up.campaign_item_id,
                "title": follow_up.title,
                "assignee_id": follow_up.assignee_id,
                "due_on": due_on.isoformat(),
            },
        )
    return follow_ups


def complete_follow_up(
    *, session: Session, actor: Actor, follow_up_id: int, now: dt.datetime
) -> FollowUp:
    """Mark a follow-up done (its assignee, or an admin on their behalf)."""
    follow_up = session.get(FollowUp, follow_up_id)
    if follow_up is None:
        raise NotFound(f"There is no follow-up {follow_up_id}.")
    mine = actor.person_id is not None and actor.person_id == follow_up.assignee_id
    require(actor, Action.COMPLETE_OCCURRENCE, related=mine)
    if follow_up.status is FollowUpStatus.DONE:
        done_on = _day(session, follow_up.done_at)
        when = f" on {done_on:%d %b %Y}" if done_on else ""
        raise Conflict(f"“{follow_up.title}” is already done{when}.")
    follow_up.status, follow_up.done_at = FollowUpStatus.DONE, now
    follow_up.done_by_id = actor.person_id
    session.add(follow_up)
    record_event(
        session=session,
        actor=actor,
        action="follow_up.completed",
        subject_type="campaign",
        subject_id=follow_up.campaign_id,
        details={"follow_up": follow_up.id, "title": follow_up.title}
        | ({} if mine else {"on_behalf": True}),
    )
    return follow_up


def list_open_follow_ups(*, session: Session, person_id: int) -> list[FollowUp]:
    """The person's open follow-ups, soonest due first."""
    return list(
        session.exec(
            select(FollowUp)
            .where(FollowUp.assignee_id == person_id, FollowUp.status == FollowUpStatus.OPEN)
            .order_by(col(FollowUp.due_on), col(FollowUp.id))
        ).all()
    )
