"""The drawn members as an auditor reads them, and the evidence each one has (sampling layer)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlmodel import Session, col, select

from bot.core.program import get_program_or_raise, program_today
from bot.sampling.facts import MEMBER_PREFIX, PopulationKind, SampledItem
from bot.work.occurrences import state_of
from models import CampaignItem, Control, Evidence, FollowUp, Occurrence, Task

Described = tuple[str, str, dt.date | None, str]  # ref, what, day, state


def describe_items(
    *, session: Session, kind: PopulationKind, ids: Sequence[int], rounds: Sequence[int],
    now: dt.datetime,
) -> list[SampledItem]:  # fmt: skip
    """The members `ids` (in that order; `rounds[i]` drew `ids[i]`) with their state now and
    their accepted evidence."""
    described = _describe(session, kind, ids, now)
    evidence = evidence_of(session=session, kind=kind, ids=ids)
    prefix = MEMBER_PREFIX[kind]
    items = []
    for member_id, drawn_in in zip(ids, rounds, strict=True):
        ref, what, day, state = described.get(member_id, (f"{prefix} {member_id}", "gone", None,
                                                          "deleted"))  # fmt: skip
        accepted = sum(1 for e in evidence.get(member_id, []) if e.superseded_at is None)
        items.append(
            SampledItem(f"{prefix}:{member_id}", ref, what, day, state, accepted, drawn_in)
        )
    return items


def _describe(
    session: Session, kind: PopulationKind, ids: Sequence[int], now: dt.datetime
) -> dict[int, Described]:
    if kind is PopulationKind.OCCURRENCES:
        today = program_today(get_program_or_raise(session=session), now)
        rows = session.exec(
            select(Occurrence, Control.key, Task.key)
            .join(Control, col(Control.id) == Occurrence.control_id)
            .join(Task, col(Task.id) == Occurrence.task_id)
            .where(col(Occurrence.id).in_(ids))
        ).all()
        return {
            o.id or 0: (f"#{o.id}", f"{control} {task} {o.period_key}", o.due_on,
                        str(state_of(o, now=now, today=today)))
            for o, control, task in rows
        }  # fmt: skip
    if kind is PopulationKind.CAMPAIGN_ITEMS:
        items = session.exec(select(CampaignItem).where(col(CampaignItem.id).in_(ids))).all()
        return {
            i.id or 0: (f"camp-{i.campaign_id} item {i.id}", i.subject, i.due_on, str(i.decision))
            for i in items
        }
    follow_ups = session.exec(select(FollowUp).where(col(FollowUp.id).in_(ids))).all()
    return {
        f.id or 0: (f"camp-{f.campaign_id} follow-up {f.id}", f.title, f.due_on, str(f.status))
        for f in follow_ups
    }


def evidence_of(
    *, session: Session, kind: PopulationKind, ids: Sequence[int]
) -> dict[int, list[Evidence]]:
    """Every evidence record of each member, superseded ones included, oldest first.

    A follow-up's evidence is the proof that closed it: recorded on its account's campaign
    item from the day the follow-up was opened.
    """
    found: dict[int, list[Evidence]] = {}
    if kind is PopulationKind.OCCURRENCES:
        query = select(Evidence).where(col(Evidence.occurrence_id).in_(ids))
        for e in session.exec(query.order_by(col(Evidence.id))).all():
            found.setdefault(e.occurrence_id or 0, []).append(e)
        return found
    if kind is PopulationKind.CAMPAIGN_ITEMS:
        query = select(Evidence).where(col(Evidence.campaign_item_id).in_(ids))
        for e in session.exec(query.order_by(col(Evidence.id))).all():
            found.setdefault(e.campaign_item_id or 0, []).append(e)
        return found
    rows = session.exec(
        select(FollowUp.id, Evidence)
        .join(Evidence, col(Evidence.campaign_item_id) == FollowUp.campaign_item_id)
        .where(col(FollowUp.id).in_(ids), col(Evidence.submitted_at) >= FollowUp.created_at)
        .order_by(col(Evidence.id))
    ).all()
    for follow_up_id, e in rows:
        found.setdefault(int(follow_up_id or 0), []).append(e)
    return found
