"""Revoked access, verified: re-pull the review's source and close follow-ups with proof.

A follow-up whose account is gone (or suspended, or no longer privileged when that was the
point) closes itself with evidence: the re-pulled population as a file and a statement such
as "absent from GitHub organization acme at 2026-12-02 09:00 UTC, snapshot sha256 …". One
still there past its due day escalates through the program's reminder policy.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from sqlmodel import Session, col, select

from bot.audit.trail import record_event
from bot.connectors.facts import Account, Population, SourceError
from bot.connectors.registry import pull_population
from bot.connectors.snapshot import snapshot_json
from bot.core.actor import Actor
from bot.core.db import Database
from bot.core.program import get_program_or_raise, program_today, program_zone
from bot.evidence.services import file_evidence
from bot.evidence.store import EvidenceStore, StoredFile
from bot.reviews.escalation import escalate_still_present
from bot.reviews.source_messages import verified_statement
from bot.reviews.sources import Pull
from models import Campaign, CampaignItem, FollowUp, FollowUpStatus


@dataclass(frozen=True)
class VerifyOutcome:
    """One source's check: how many follow-ups closed, how many are still open, or why not."""

    source: str
    checked: int
    closed: int = 0
    still_present: int = 0
    failure: str | None = None


def follow_ups_to_check(
    *, session: Session, now: dt.datetime, task_key: str | None = None, every_day: bool = True
) -> dict[str, list[int]]:
    """Open follow-ups of pulled reviews, grouped by their source (as JSON): those not
    checked yet today (program day), or all of them when `every_day` is False."""
    zone = program_zone(session=session)
    today = program_today(get_program_or_raise(session=session), now)
    rows = session.exec(
        select(FollowUp, Campaign.details)
        .join(Campaign, col(Campaign.id) == FollowUp.campaign_id)
        .where(FollowUp.status == FollowUpStatus.OPEN, col(FollowUp.campaign_item_id).is_not(None))
        .order_by(col(FollowUp.id))
    ).all()
    groups: dict[str, list[int]] = defaultdict(list)
    for follow_up, details in rows:
        spec = (details or {}).get("source_spec")
        if not spec or (task_key and details.get("task") != task_key.strip().lower()):
            continue
        checked = follow_up.checked_at
        if every_day and checked and checked.astimezone(zone).date() >= today:
            continue
        groups[json.dumps(spec, sort_keys=True)].append(follow_up.id or 0)
    return dict(groups)


def verify_revocations(
    *,
    db: Database,
    store: EvidenceStore,
    env: Mapping[str, str],
    now: dt.datetime,
    task_key: str | None = None,
    every_day: bool = True,
    pull: Pull = pull_population,
) -> list[VerifyOutcome]:
    """Check every due follow-up against a fresh pull of its source (one pull per source)."""
    with db.session() as session:
        groups = follow_ups_to_check(
            session=session, now=now, task_key=task_key, every_day=every_day
        )
    outcomes = []
    for spec_json, follow_up_ids in groups.items():
        spec = json.loads(spec_json)
        try:
            population = pull(spec, env=env, now=now)
        except SourceError as exc:
            outcomes.append(VerifyOutcome(exc.system, len(follow_up_ids), failure=str(exc)))
            continue
        with db.transaction() as session:
            closed, still = close_verified(
                session=session, population=population, follow_up_ids=follow_up_ids,
                store=store, now=now,
            )  # fmt: skip
        outcomes.append(VerifyOutcome(population.label, len(follow_up_ids), closed, still))
    return outcomes


def close_verified(
    *,
    session: Session,
    population: Population,
    follow_up_ids: list[int],
    store: EvidenceStore,
    now: dt.datetime,
) -> tuple[int, int]:
    """Close the follow-ups whose access is gone from `population`; (closed, still there)."""
    accounts = {a.id: a for a in population.accounts}
    actor = Actor.scheduler()
    stored: StoredFile | None = None
    closed = still = 0
    for follow_up in session.exec(
        select(FollowUp).where(col(FollowUp.id).in_(follow_up_ids)).with_for_update()
    ).all():
        item = session.get(CampaignItem, follow_up.campaign_item_id)
        if follow_up.status is not FollowUpStatus.OPEN or item is None:
            continue
        found = accounts.get(str(item.details.get("source_id") or ""))
        outcome = access_removed(item, found)
        follow_up.checked_at = now
        session.add(follow_up)
        if outcome is None:
            still += 1
            escalate_still_present(session=session, follow_up=follow_up, source=population.label,
                                   now=now)  # fmt: skip
            continue
        if stored is None:
            data = snapshot_json(population, {"purpose": "verification of revoked access"})
            stored = store.put(
                io.BytesIO(data),
                original_name=f"revocation-check-{now:%Y%m%dT%H%M%SZ}.json",
                media_type="application/json",
            )
        statement = verified_statement(outcome, population.label, now, stored.sha256)
        _close(session, actor, follow_up, item, stored, statement, now)
        closed += 1
    return closed, still


def access_removed(item: CampaignItem, found: Account | None) -> str | None:
    """How the account shows its access is gone ("absent from"…), or None if it is not."""
    if found is None:
        return "absent from"
    if not found.active:
        return "suspended in"
    if "privileged" in (item.details.get("flags") or []) and not found.privileges:
        return "no longer privileged in"
    return None


def _close(
    session: Session,
    actor: Actor,
    follow_up: FollowUp,
    item: CampaignItem,
    stored: StoredFile,
    statement: str,
    now: dt.datetime,
) -> None:
    evidence = file_evidence(stored, actor, now, campaign_id=follow_up.campaign_id)
    evidence.campaign_item_id, evidence.statement = item.id, statement
    follow_up.status, follow_up.done_at = FollowUpStatus.DONE, now
    session.add_all([follow_up, evidence])
    session.flush()
    record_event(
        session=session,
        actor=actor,
        action="follow_up.completed",
        subject_type="campaign",
        subject_id=follow_up.campaign_id,
        details={
            "follow_up": follow_up.id,
            "title": follow_up.title,
            "verified": statement,
            "sha256": stored.sha256,
            "evidence": evidence.id,
        },
    )
