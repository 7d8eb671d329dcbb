"""Populations to sample from: a control's occurrences due in a window, a campaign's items or
follow-ups; each member a canonical line, the whole hashed (sampling layer).

The lines are what an auditor recomputes the hash from (docs/auditors.md):

    occurrence:<id> TAB <due on> TAB <control> TAB <task> TAB <period>
    item:<id> TAB <due on, or the campaign's start day> TAB camp-<id> TAB <subject>
    follow-up:<id> TAB <due on> TAB camp-<id> TAB <title>

sorted by their second field (the sort key, an ISO date) and then by id. Only facts that
never change once recorded are in a line: the state (done, skipped…) is shown beside it, so
a sample's population hashes the same later on.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa
from sqlmodel import Session, col

from bot.catalog.controls import get_control_or_raise
from bot.core.errors import InvalidInput, NotFound
from bot.sampling.draw import canonical_line, member_of
from bot.sampling.facts import MEMBER_PREFIX, Population, PopulationKind
from models import Campaign, CampaignItem, FollowUp, Occurrence, Task


def control_population(
    *, session: Session, control_key: str, start: dt.date, end: dt.date
) -> Population:
    """Every occurrence of the control due from `start` to `end` (both included), in any
    state: skipped ones too, as an auditor expects to see them."""
    if start > end:
        raise InvalidInput(f"The start date {start} is after the end date {end}.")
    control = get_control_or_raise(session=session, key=control_key)
    rows = session.execute(
        sa.select(
            col(Occurrence.id),
            col(Occurrence.due_on),
            col(Task.key),
            col(Occurrence.period_key),
            col(Task.schedule),
        )
        .join(Task, col(Task.id) == Occurrence.task_id)
        .where(col(Occurrence.control_id) == control.id)
        .where(col(Occurrence.due_on) >= start, col(Occurrence.due_on) <= end)
        .order_by(col(Occurrence.due_on), col(Occurrence.id))
    ).all()
    if not rows:
        raise InvalidInput(
            f"No work of {control.key} was due from {start} to {end}: there is nothing to "
            "sample. Check the dates, or `control "
            f"{control.key}` for its periods."
        )
    prefix = MEMBER_PREFIX[PopulationKind.OCCURRENCES]
    lines = tuple(
        canonical_line(f"{prefix}:{oid}", due.isoformat(), control.key, task, period)
        for oid, due, task, period, _ in rows
    )
    return Population(
        kind=PopulationKind.OCCURRENCES,
        ids=tuple(int(r[0] or 0) for r in rows),
        lines=lines,
        label=f"{control.key}, {start} to {end}",
        control_id=control.id,
        window=(start, end),
        schedules=tuple(sorted({str(r[2]): str(r[4]) for r in rows}.values())),  # per task
    )


def get_campaign_or_raise(*, session: Session, campaign_id: int) -> Campaign:
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise NotFound(f"There is no campaign camp-{campaign_id}.")
    return campaign


def campaign_population(*, session: Session, campaign_id: int) -> Population:
    """Every item of the campaign: an access review's accounts, a round's people (withdrawn
    ones too, and marked so)."""
    campaign = get_campaign_or_raise(session=session, campaign_id=campaign_id)
    started = campaign.created_at.date().isoformat()
    rows = session.execute(
        sa.select(col(CampaignItem.id), col(CampaignItem.due_on), col(CampaignItem.subject)).where(
            col(CampaignItem.campaign_id) == campaign_id
        )
    ).all()
    keyed = sorted(((due.isoformat() if due else started), int(i or 0), s) for i, due, s in rows)
    prefix = MEMBER_PREFIX[PopulationKind.CAMPAIGN_ITEMS]
    return _of_campaign(
        PopulationKind.CAMPAIGN_ITEMS,
        campaign,
        [
            (i, canonical_line(f"{prefix}:{i}", key, f"camp-{campaign_id}", s))
            for key, i, s in keyed
        ],
        "items",
    )


def follow_up_population(*, session: Session, campaign_id: int) -> Population:
    """Every follow-up the campaign opened (revocations to carry out), open or done."""
    campaign = get_campaign_or_raise(session=session, campaign_id=campaign_id)
    rows = session.execute(
        sa.select(col(FollowUp.id), col(FollowUp.due_on), col(FollowUp.title))
        .where(col(FollowUp.campaign_id) == campaign_id)
        .order_by(col(FollowUp.due_on), col(FollowUp.id))
    ).all()
    prefix = MEMBER_PREFIX[PopulationKind.FOLLOW_UPS]
    members = [
        (int(i or 0), canonical_line(f"{prefix}:{i}", due.isoformat(), f"camp-{campaign_id}", t))
        for i, due, t in rows
    ]
    return _of_campaign(PopulationKind.FOLLOW_UPS, campaign, members, "follow-ups")


def _of_campaign(
    kind: PopulationKind, campaign: Campaign, members: Sequence[tuple[int, str]], what: str
) -> Population:
    label = f"camp-{campaign.id} ({campaign.name})" + (
        " follow-ups" if kind is PopulationKind.FOLLOW_UPS else ""
    )
    if not members:
        raise InvalidInput(f"camp-{campaign.id} has no {what}: there is nothing to sample.")
    return Population(
        kind=kind,
        ids=tuple(i for i, _ in members),
        lines=tuple(line for _, line in members),
        label=label,
        campaign_id=campaign.id,
    )


def recorded_ids(lines: Sequence[str]) -> list[int]:
    """The member ids of a recorded population, in its order (`occurrence:412` → 412)."""
    return [int(member_of(line).rpartition(":")[2]) for line in lines]
