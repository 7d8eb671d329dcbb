"""The benchmark seed's campaigns: yearly policy and training rounds, quarterly reviews."""

from __future__ import annotations

import datetime as dt
from typing import Any

from seed_world import SYSTEMS, World, ms, owners

from models import CampaignKind, CampaignStatus, ItemDecision

# --- campaigns -------------------------------------------------------------------------------


def seed_campaigns(p: World) -> None:
    """A training round and two policy rounds a year (the newest open), quarterly reviews."""
    active = [r["id"] for r in p.rows["person"] if r["active"]]
    cid, iid = 0, 0
    topics = [
        (CampaignKind.TRAINING, "Security awareness training", "training:security-awareness"),
        (CampaignKind.POLICY_ACK, "Acceptable use policy", "policy:acceptable-use"),
        (CampaignKind.POLICY_ACK, "Information security policy", "policy:information-security"),
    ]
    for year in range(p.scale.years):
        opened = dt.datetime.combine(p.start.replace(year=p.start.year + year), dt.time(15), dt.UTC)
        opened += dt.timedelta(days=40)
        for kind, title, topic in topics:
            cid += 1
            is_open = year == p.scale.years - 1
            iid = seed_round(p, cid, iid, (kind, title, topic), opened, active, is_open)
    reviews = 4 * p.scale.years + 1
    for quarter in range(reviews):
        opened = dt.datetime.combine(p.start, dt.time(15), dt.UTC) + dt.timedelta(days=91 * quarter)
        if opened > p.now:
            break
        for system in SYSTEMS[:3]:
            cid += 1
            iid = seed_review(p, cid, iid, system, opened, is_open=quarter == reviews - 1)


def seed_round(
    p: World,
    cid: int,
    iid: int,
    what: tuple[CampaignKind, str, str],
    opened: dt.datetime,
    people: list[int],
    is_open: bool,
) -> int:
    kind, title, topic = what
    due_on = (opened + dt.timedelta(days=30)).date()
    status = CampaignStatus.OPEN if is_open else CampaignStatus.COMPLETED
    p.add("campaign", {
        "id": cid, "kind": kind, "name": f"{title} ({opened.year})", "control_id": None,
        "occurrence_id": None, "status": status, "version": str(opened.year), "topic": topic,
        "channel": None, "details": {"title": title, "due": "30d", "due_on": due_on.isoformat(),
                                     "audience": "everyone"},
        "created_by_id": 7, "created_at": opened, "completed_at": None if is_open else
        opened + dt.timedelta(days=45),
    })  # fmt: skip
    p.event(opened, 7, "campaign.started", ("campaign", cid),
            {"kind": kind.value, "name": title, "people": len(people)})  # fmt: skip
    share = 0.7 if is_open else 1.0
    done = ItemDecision.COMPLETED if kind is CampaignKind.TRAINING else ItemDecision.ACKNOWLEDGED
    due_at = dt.datetime.combine(due_on, dt.time(23, 59), dt.UTC)
    for person in people:
        iid += 1
        decided = p.rng.random() < share
        at = ms(opened + dt.timedelta(hours=p.rng.uniform(1, 700))) if decided else None
        p.add("campaignitem", item_row(iid, cid, person, p.emails[person], at, done, due_at))
        if at is not None:
            p.event(at, person, "evidence.submitted", ("campaign", cid),
                    {"campaign_item": iid, "kind": "attestation"})  # fmt: skip
    return iid


def seed_review(
    p: World, cid: int, iid: int, system: str, opened: dt.datetime, *, is_open: bool
) -> int:
    reviewer = owners(p)[cid % len(owners(p))]
    p.add("campaign", {
        "id": cid, "kind": CampaignKind.ACCESS_REVIEW, "name": f"{system} access {opened:%Y-%m}",
        "control_id": 1, "occurrence_id": None,
        "status": CampaignStatus.OPEN if is_open else CampaignStatus.COMPLETED, "version": None,
        "topic": None, "channel": "C0COMPLIANCE", "details": {"system": system},
        "created_by_id": reviewer, "created_at": opened,
        "completed_at": None if is_open else opened + dt.timedelta(days=10),
    })  # fmt: skip
    p.event(opened, reviewer, "campaign.started", ("campaign", cid), {"kind": "access_review"})
    accounts = max(10, p.scale.people // 10)
    due_at = opened + dt.timedelta(days=14)
    for n in range(accounts):
        iid += 1
        person = 11 + (n * 13 + cid) % (p.scale.people - 10)
        decided = not is_open or p.rng.random() < 0.5
        at = ms(opened + dt.timedelta(hours=p.rng.uniform(1, 200))) if decided else None
        decision = ItemDecision.REVOKE if n % 40 == 0 else ItemDecision.KEEP
        row = item_row(iid, cid, None, p.emails[person], at, decision, due_at)
        row.update(subject=f"{system.lower()}:{p.emails[person]}", reviewer_id=reviewer)
        p.add("campaignitem", row)
        if at is not None:
            p.event(at, reviewer, "review.item_decided", ("campaign", cid),
                    {"item": iid, "decision": decision.value})  # fmt: skip
    return iid


def item_row(
    iid: int,
    cid: int,
    person: int | None,
    email: str,
    decided_at: dt.datetime | None,
    decision: ItemDecision,
    due_at: dt.datetime,
) -> dict[str, Any]:
    return {
        "id": iid, "campaign_id": cid, "subject": email.split("@")[0], "subject_email": email,
        "system_owner_id": None, "person_id": person, "reviewer_id": None,
        "decision": decision if decided_at else ItemDecision.PENDING,
        "decided_by_id": person if decided_at else None, "decided_at": decided_at, "note": None,
        "version": None, "due_on": due_at.date(), "due_at": due_at, "details": {},
    }  # fmt: skip
