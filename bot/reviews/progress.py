"""An access review's progress as its prompt shows it: counts, names, one page of accounts."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from bot.core.errors import NotFound
from bot.core.program import local_day, program_zone
from bot.reviews.facts import PageOf, ReviewItemRow, ReviewProgress
from models import Campaign, CampaignItem, CampaignKind, FollowUp, ItemDecision, Person


def get_review_progress(
    *,
    session: Session,
    campaign_id: int,
    page: int | None = None,
    page_size: int = 10,
    pending_only: bool = False,
) -> ReviewProgress:
    """The review's items (by id) with reviewer and decider names, and its counts.

    With `page`, only that page's items are loaded (clamped to the last page), cut from every
    account or from the pending ones: a redraw of a 10,000-account review reads ten rows.
    """
    campaign = session.get(Campaign, campaign_id)
    if campaign is None or campaign.kind is not CampaignKind.ACCESS_REVIEW:
        raise NotFound(f"There is no access review {campaign_id}.")
    counts = decision_counts(session, campaign_id)
    shown: PageOf | None = None
    query = _item_rows(campaign_id, pending_only and page is not None)
    if page is not None:
        size = max(page_size, 1)
        rows = counts[ItemDecision.PENDING] if pending_only else sum(counts.values())
        number = min(max(page, 0), max(0, -(-rows // size) - 1))
        query = query.offset(number * size).limit(size)
        shown = PageOf(number, size, rows, pending_only, _systems(session, campaign_id))
    follow_ups = (
        select(sa.func.count()).select_from(FollowUp).where(FollowUp.campaign_id == campaign_id)
    )
    kept, revoked = counts[ItemDecision.KEEP], counts[ItemDecision.REVOKE]
    return ReviewProgress(
        campaign=campaign,
        items=[ReviewItemRow(item, r, d, h) for item, r, d, h in session.exec(query).all()],
        total=sum(counts.values()),
        decided=kept + revoked,
        kept=kept,
        revoked=revoked,
        pending=counts[ItemDecision.PENDING],
        reviewers=_reviewer_names(session, campaign_id),
        follow_ups=int(session.exec(follow_ups).one()),
        completed_on=_day(session, campaign.completed_at),
        zone=program_zone(session=session),
        page=shown,
    )


def _item_rows(campaign_id: int, pending_only: bool) -> Any:
    """Items with their reviewer's, decider's and holder's names, in id order."""
    reviewer, decider, holder = aliased(Person), aliased(Person), aliased(Person)
    query = (
        select(CampaignItem, reviewer.name, decider.name, holder.name)
        .outerjoin(reviewer, col(reviewer.id) == CampaignItem.reviewer_id)
        .outerjoin(decider, col(decider.id) == CampaignItem.decided_by_id)
        .outerjoin(holder, col(holder.email) == CampaignItem.subject_email)
        .where(CampaignItem.campaign_id == campaign_id)
        .order_by(col(CampaignItem.id))
    )
    if pending_only:
        query = query.where(CampaignItem.decision == ItemDecision.PENDING)
    return query


def _systems(session: Session, campaign_id: int) -> tuple[str, ...]:
    """Up to two distinct systems of a review's accounts (one: said once in the context)."""
    system = CampaignItem.details["system"].as_string()
    found = session.exec(
        select(sa.func.coalesce(system, "")).where(CampaignItem.campaign_id == campaign_id)
        .distinct().limit(2)
    ).all()  # fmt: skip
    return tuple(str(s) for s in found)


def _day(session: Session, instant: dt.datetime | None) -> dt.date | None:
    """The day of `instant` in the program's timezone, as every date people see."""
    return local_day(instant, program_zone(session=session)) if instant else None


def _reviewer_names(session: Session, campaign_id: int) -> list[str]:
    assigned = sa.func.count(col(CampaignItem.id))
    return list(
        session.exec(
            select(Person.name)
            .join(CampaignItem, col(CampaignItem.reviewer_id) == Person.id)
            .where(CampaignItem.campaign_id == campaign_id)
            .group_by(col(Person.id), col(Person.name))
            .order_by(assigned.desc(), col(Person.name))
        ).all()
    )


def decision_counts(session: Session, campaign_id: int) -> dict[ItemDecision, int]:
    """How many items of the campaign carry each decision (absent ones are zero)."""
    rows = session.exec(
        select(CampaignItem.decision, sa.func.count())
        .where(CampaignItem.campaign_id == campaign_id)
        .group_by(CampaignItem.decision)
    ).all()
    counts = dict.fromkeys(ItemDecision, 0)
    counts.update({ItemDecision(decision): int(n) for decision, n in rows})
    return counts
