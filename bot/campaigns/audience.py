"""Keep rounds' audiences current: enroll new hires, withdraw the deactivated, renew training.

Everything is derived from the database, so the daily job (and `people sync`) can call it as
often as it likes: a second run finds nothing new to do.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlmodel import Session, col, select

from bot.audit.trail import record_event
from bot.campaigns.cards import ROUND_KINDS
from bot.campaigns.groups import audience_people
from bot.campaigns.rounds import enroll_people, start_training_round
from bot.core.actor import Actor
from bot.core.errors import SoC2BotError
from bot.core.program import get_program_or_raise, program_today
from models import (
    Campaign,
    CampaignItem,
    CampaignKind,
    CampaignStatus,
    ItemDecision,
    Person,
    Program,
)

_OPEN_DECISIONS = (ItemDecision.PENDING,)


@dataclass(frozen=True)
class AudienceChange:
    enrolled: int
    withdrawn: int
    renewed: int


def refresh_campaign_audiences(*, session: Session, now: dt.datetime) -> AudienceChange:
    """Withdraw deactivated people, enroll new ones, start due training renewals (the daily job)."""
    if session.get(Program, 1) is None:
        return AudienceChange(0, 0, 0)
    withdrawn = withdraw_inactive_people(session=session, now=now)
    renewed = renew_training_rounds(session=session, now=now)
    return AudienceChange(enroll_new_people(session=session, now=now), withdrawn, renewed)


def _open_rounds(session: Session) -> list[Campaign]:
    query = select(Campaign).where(
        Campaign.status == CampaignStatus.OPEN, col(Campaign.kind).in_(ROUND_KINDS)
    )
    return list(session.exec(query.order_by(col(Campaign.id))).all())


def enroll_new_people(*, session: Session, now: dt.datetime) -> int:
    """Give every open round to the people of its audience who are not in it yet; how many.

    A new hire (added by catalog or people sync) gets each open policy and training round,
    due after the round's usual time from today; someone who was withdrawn and is active again
    gets a fresh item.
    """
    actor = Actor.scheduler()
    enrolled = 0
    for campaign in _open_rounds(session):
        try:
            people = audience_people(
                session=session, audience=campaign.details.get("audience", "all")
            )
        except SoC2BotError:  # e.g. the team's manager left: keep the round, enroll nobody new
            continue
        has_item = set(
            session.exec(
                select(CampaignItem.person_id).where(
                    CampaignItem.campaign_id == campaign.id,
                    col(CampaignItem.decision) != ItemDecision.WITHDRAWN,
                )
            ).all()
        )
        new = [p for p in people if p.id not in has_item]
        if new:
            enroll_people(session=session, actor=actor, campaign=campaign, people=new, now=now)
            enrolled += len(new)
    return enrolled


def withdraw_inactive_people(*, session: Session, now: dt.datetime) -> int:
    """Withdraw the open items of people marked inactive; how many items."""
    rows = session.exec(
        select(CampaignItem.person_id)
        .join(Campaign, col(Campaign.id) == CampaignItem.campaign_id)
        .join(Person, col(Person.id) == CampaignItem.person_id)
        .where(
            col(Person.active).is_(False),
            col(CampaignItem.decision).in_(_OPEN_DECISIONS),
            Campaign.status == CampaignStatus.OPEN,
            col(Campaign.kind).in_(ROUND_KINDS),
        )
        .distinct()
    ).all()
    actor = Actor.scheduler()
    return sum(
        withdraw_person(session=session, actor=actor, person_id=p, now=now, reason="deactivated")
        for p in rows
        if p is not None
    )


def withdraw_person(
    *, session: Session, actor: Actor, person_id: int, now: dt.datetime, reason: str
) -> int:
    """Take a person out of every open round (their pending items, each logged); how many.

    What they already answered stays: it was true when they said it.
    """
    items = session.exec(
        select(CampaignItem)
        .join(Campaign, col(Campaign.id) == CampaignItem.campaign_id)
        .where(
            CampaignItem.person_id == person_id,
            col(CampaignItem.decision).in_(_OPEN_DECISIONS),
            Campaign.status == CampaignStatus.OPEN,
            col(Campaign.kind).in_(ROUND_KINDS),
        )
        .with_for_update()
    ).all()
    for item in items:
        item.decision, item.decided_at, item.note = ItemDecision.WITHDRAWN, now, reason[:500]
        session.add(item)
        record_event(
            session=session, actor=actor, action="campaign.item_withdrawn",
            subject_type="campaign", subject_id=item.campaign_id,
            details={"item": item.id, "person": item.subject_email, "reason": reason},
        )  # fmt: skip
    session.flush()
    return len(items)


def renew_training_rounds(*, session: Session, now: dt.datetime) -> int:
    """Start the next round of each training whose renewal date has come (annual by default)."""
    today = program_today(get_program_or_raise(session=session), now)
    latest: dict[str, Campaign] = {}
    query = (
        select(Campaign).where(Campaign.kind == CampaignKind.TRAINING).order_by(col(Campaign.id))
    )
    for campaign in session.exec(query).all():
        latest[campaign.topic or ""] = campaign
    renewed = 0
    for campaign in latest.values():
        details = campaign.details or {}
        due = details.get("next_round_on")
        if (
            campaign.status is CampaignStatus.CANCELLED
            or not due
            or dt.date.fromisoformat(due) > today
        ):
            continue
        label = str(today.year) if campaign.version != str(today.year) else today.isoformat()
        start_training_round(
            session=session, actor=Actor.scheduler(), title=details["title"], now=now,
            round_label=label, summary=details.get("summary"), link=details.get("link"),
            audience=details.get("audience", "all"), due=details.get("due", "30d"),
            every=details.get("every", "12m"),
        )  # fmt: skip
        renewed += 1
    return renewed
