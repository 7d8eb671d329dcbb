"""Progress of policy and training rounds: counts per round, who has and who has not, per team."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from bot.campaigns.cards import ROUND_KINDS
from bot.campaigns.facts import PersonRow, RoundDetail, RoundProgress, TeamRate
from bot.core.errors import NotFound
from models import Campaign, CampaignItem, CampaignKind, CampaignStatus, ItemDecision, Person

_DONE = (ItemDecision.ACKNOWLEDGED, ItemDecision.COMPLETED)


def _counts(now: dt.datetime) -> tuple[sa.ColumnElement[int], ...]:
    counted = col(CampaignItem.decision) != ItemDecision.WITHDRAWN
    done = col(CampaignItem.decision).in_(_DONE)
    late = sa.and_(
        col(CampaignItem.decision) == ItemDecision.PENDING, col(CampaignItem.due_at) <= now
    )
    return tuple(sa.func.sum(sa.case((c, 1), else_=0)) for c in (counted, done, late))


def list_round_progress(
    *, session: Session, now: dt.datetime, campaign_ids: list[int] | None = None
) -> list[RoundProgress]:
    """Open policy and training rounds (or the ones named), oldest first, counted in SQL."""
    where = (
        col(Campaign.id).in_(campaign_ids)
        if campaign_ids is not None
        else sa.and_(
            col(Campaign.status) == CampaignStatus.OPEN, col(Campaign.kind).in_(ROUND_KINDS)
        )
    )
    rows = session.execute(
        sa.select(Campaign, *_counts(now))
        .outerjoin(CampaignItem, col(CampaignItem.campaign_id) == Campaign.id)
        .where(where)
        .group_by(col(Campaign.id))
        .order_by(col(Campaign.created_at), col(Campaign.id))
    ).all()
    return [
        RoundProgress(
            c.id or 0,
            c.kind,
            c.name,
            c.status,
            _due(c),
            int(total or 0),
            int(done or 0),
            int(late or 0),
        )  # fmt: skip
        for c, total, done, late in rows
    ]


def _due(campaign: Campaign) -> dt.date | None:
    due = (campaign.details or {}).get("due_on")
    return dt.date.fromisoformat(due) if due else None


def find_round_detail(
    *, session: Session, campaign_id: int, now: dt.datetime
) -> RoundDetail | None:
    """The round's detail, or None when the campaign is not a policy or training round."""
    campaign = session.get(Campaign, campaign_id)
    if campaign is None or campaign.kind not in ROUND_KINDS:
        return None
    return get_round_detail(session=session, campaign_id=campaign_id, now=now)


def get_round_detail(*, session: Session, campaign_id: int, now: dt.datetime) -> RoundDetail:
    """A round's counts and its people: who has answered, who has not, who was withdrawn."""
    campaign = session.get(Campaign, campaign_id)
    if campaign is None or campaign.kind not in ROUND_KINDS:
        raise NotFound(f"There is no policy or training round camp-{campaign_id}.")
    [progress] = list_round_progress(session=session, now=now, campaign_ids=[campaign_id])
    items = session.exec(
        select(CampaignItem)
        .where(CampaignItem.campaign_id == campaign_id)
        .order_by(col(CampaignItem.subject), col(CampaignItem.id))
    ).all()
    done, pending, withdrawn = [], [], []
    for item in items:
        row = PersonRow(item.subject, item.subject_email or "", _detail(item, now))
        if item.decision in _DONE:
            done.append(row)
        elif item.decision is ItemDecision.WITHDRAWN:
            withdrawn.append(row)
        else:
            pending.append(row)
    return RoundDetail(progress, done, pending, withdrawn)


def _detail(item: CampaignItem, now: dt.datetime) -> str:
    if item.decision in _DONE and item.decided_at:
        return f"{item.decision.value} {item.decided_at:%a %d %b %Y %H:%M} UTC"
    if item.decision is ItemDecision.WITHDRAWN:
        return f"withdrawn: {item.note or 'left the audience'}"
    late = " · OVERDUE" if item.due_at and item.due_at <= now else ""
    return (f"due {item.due_on:%a %d %b %Y}" if item.due_on else "pending") + late


def completion_by_manager(*, session: Session) -> list[TeamRate]:
    """Open training rounds' completion per manager's direct reports, least complete first."""
    manager = aliased(Person)
    counted = col(CampaignItem.decision) != ItemDecision.WITHDRAWN
    done = col(CampaignItem.decision).in_(_DONE)
    rows = session.execute(
        sa.select(
            col(Campaign.name),
            col(manager.name),
            sa.func.sum(sa.case((counted, 1), else_=0)),
            sa.func.sum(sa.case((done, 1), else_=0)),
        )
        .select_from(CampaignItem)
        .join(Campaign, col(Campaign.id) == CampaignItem.campaign_id)
        .join(Person, col(Person.id) == CampaignItem.person_id)
        .outerjoin(manager, col(manager.id) == Person.manager_id)
        .where(
            col(Campaign.kind) == CampaignKind.TRAINING, col(Campaign.status) == CampaignStatus.OPEN
        )
        .group_by(col(Campaign.id), col(Campaign.name), col(manager.id), col(manager.name))
    ).all()
    rates = [TeamRate(name, boss, int(d or 0), int(t or 0)) for name, boss, t, d in rows if t]
    return sorted(rates, key=lambda r: (r.campaign, r.done / r.total, r.manager or ""))
