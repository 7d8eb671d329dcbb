"""Start an access review from a pulled population: snapshot, reviewers, campaigns, prompts.

One transaction: the frozen snapshot (CSV and JSON in the evidence store, hashed and
audit-logged), one campaign (or one per manager with `reviewer: manager`), every account as
an item, flagged ones first, and the prompts queued. A second start of the same work finds
its campaign and stops.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

from sqlmodel import Session, col, select

from bot.audit.trail import record_event
from bot.connectors.facts import Population
from bot.connectors.snapshot import snapshot_csv, snapshot_json
from bot.core.actor import Actor
from bot.core.errors import Conflict, NotFound
from bot.core.permissions import Action, require
from bot.evidence.services import file_evidence
from bot.evidence.store import EvidenceStore
from bot.reviews.assign import Assignment, assign_reviewers
from bot.reviews.population import map_population
from bot.reviews.services import record_review_started
from models import (
    Campaign,
    CampaignKind,
    Control,
    Occurrence,
    OccurrenceStatus,
    Task,
)


@dataclass(frozen=True)
class PulledReview:
    """What a start made: its campaigns (one per reviewer group), counts and the snapshot."""

    occurrence_id: int
    campaign_ids: tuple[int, ...]
    accounts: int
    flagged: int
    snapshot_sha256: str
    split: bool  # one campaign per manager, each prompted by DM


def review_target(*, session: Session, occurrence_id: int) -> tuple[Occurrence, Task, Control]:
    """The occurrence with its task and control, when its task pulls a review source."""
    occ = session.get(Occurrence, occurrence_id)
    task = session.get(Task, occ.task_id) if occ else None
    if occ is None or task is None or not (task.review or {}).get("source"):
        raise NotFound(f"There is no access review with a source for occurrence {occurrence_id}.")
    control = session.get(Control, occ.control_id)
    if control is None:
        raise NotFound(f"There is no control for occurrence {occurrence_id}.")
    return occ, task, control


def start_pulled_review(
    *,
    session: Session,
    actor: Actor,
    occurrence_id: int,
    population: Population,
    store: EvidenceStore,
    now: dt.datetime,
) -> PulledReview:
    """Freeze the population and open the review for the occurrence (see the module)."""
    occ, task, control = review_target(session=session, occurrence_id=occurrence_id)
    mine = actor.person_id is not None and actor.person_id == control.owner_id
    require(actor, Action.START_CAMPAIGN, related=mine)
    _lock_unstarted(session, occ)
    config = dict(task.review or {})
    mapped = map_population(session, population, now)
    mode = str(config.get("reviewer") or "owner")
    groups = assign_reviewers(
        session, control, mapped, mode, system=population.label, channel=str(config["channel"])
    )
    json_file = store.put(
        io.BytesIO(snapshot_json(population, {"task": task.key, "occurrence": occ.id})),
        original_name=f"access-review-{task.key}-{occ.period_key}-snapshot.json",
        media_type="application/json",
    )
    csv_file = store.put(
        io.BytesIO(snapshot_csv(population)),
        original_name=f"access-review-{task.key}-{occ.period_key}-snapshot.csv",
        media_type="text/csv",
    )
    split = str(config.get("reviewer")) == "manager"
    shared: dict[str, object] = {
        "source": population.label,
        "source_type": population.source_type,
        "source_spec": dict(config.get("source") or {}),
        "task": task.key,
        "pulled_at": population.pulled_at.isoformat(),
        "snapshot": {"json_sha256": json_file.sha256, "csv_sha256": csv_file.sha256},
        "split": "manager" if split else None,
        "started_by": actor.label,
    }
    campaign_ids = []
    for n, group in enumerate(groups):
        name = f"{task.title} · {occ.period_key}" + (f" · {group.label}" if split else "")
        campaign = _open(session, actor, occ, control, group, name[:200], shared, now)
        campaign_ids.append(campaign.id or 0)
        if n == 0:  # the frozen population is filed once, under the first campaign
            session.add(file_evidence(json_file, actor, now, campaign_id=campaign.id))
            session.add(file_evidence(csv_file, actor, now, campaign_id=campaign.id))
    flagged = sum(1 for m in mapped if m.flags)
    record_event(
        session=session,
        actor=actor,
        action="review.snapshot_taken",
        subject_type="occurrence",
        subject_id=str(occ.id),
        details={
            "source": population.label,
            "accounts": len(mapped),
            "flagged": flagged,
            "pulled_at": population.pulled_at.isoformat(),
            "json_sha256": json_file.sha256,
            "csv_sha256": csv_file.sha256,
            "campaigns": campaign_ids,
        },
    )
    return PulledReview(
        occ.id or 0, tuple(campaign_ids), len(mapped), flagged, json_file.sha256, split
    )


def _lock_unstarted(session: Session, occ: Occurrence) -> None:
    """Lock the occurrence; refuse when it is closed or its review has started already."""
    session.exec(select(Occurrence).where(Occurrence.id == occ.id).with_for_update()).one()
    if occ.status is not OccurrenceStatus.PENDING:
        raise Conflict(f"That work is {occ.status.value}; its access review is not started.")
    started = session.exec(
        select(Campaign.id).where(
            Campaign.occurrence_id == occ.id, Campaign.kind == CampaignKind.ACCESS_REVIEW
        )
    ).first()
    if started is not None:
        raise Conflict(f"The access review for this work has started already (camp-{started}).")


def _open(
    session: Session,
    actor: Actor,
    occ: Occurrence,
    control: Control,
    group: Assignment,
    name: str,
    shared: dict[str, object],
    now: dt.datetime,
) -> Campaign:
    flagged = sum(1 for item in group.items if item.details.get("flags"))
    details = {**shared, "accounts": len(group.items), "flagged": flagged}
    details |= {"reviewer_id": group.reviewer.id, "reviewer_name": group.reviewer.name}
    if group.owner_reason:
        details["owner_review_reason"] = group.owner_reason
    campaign = Campaign(
        kind=CampaignKind.ACCESS_REVIEW,
        name=name,
        control_id=control.id,
        occurrence_id=occ.id,
        channel=group.channel,
        details=details,
        created_by_id=actor.person_id,
        created_at=now,
    )
    session.add(campaign)
    session.flush()
    for item in group.items:
        item.campaign_id = campaign.id or 0
    session.add_all(group.items)
    session.flush()
    extra = {"source": shared["source"], "snapshot": shared["snapshot"]}
    if group.owner_reason:
        extra["owner_review_reason"] = group.owner_reason
    record_review_started(session, actor, campaign, group.items, group.reviewer, control, extra)
    return campaign


def campaigns_of(*, session: Session, occurrence_id: int) -> list[Campaign]:
    """The access-review campaigns opened for an occurrence, first one first."""
    return list(
        session.exec(
            select(Campaign)
            .where(
                Campaign.occurrence_id == occurrence_id,
                Campaign.kind == CampaignKind.ACCESS_REVIEW,
            )
            .order_by(col(Campaign.id))
        ).all()
    )
