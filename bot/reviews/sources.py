"""Pulled access reviews end to end: which work is due, pull it, start it, prompt it.

The pull talks to another company's API and may take minutes: it runs outside any
transaction. Only a complete population starts a review; a failure tells the control's
owner why (once a day per reason) and the next tick tries again.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from bot.audit.trail import record_event
from bot.connectors.facts import Population, SourceError
from bot.connectors.registry import describe_source, pull_population
from bot.core.actor import Actor
from bot.core.db import Database
from bot.core.errors import Conflict, InvalidInput, NotFound
from bot.core.program import get_program_or_raise, program_today, program_zone
from bot.evidence.store import EvidenceStore
from bot.outbox.queue import Outgoing, channel_target, enqueue_message
from bot.reminders.recipients import load_addresses
from bot.reviews.messages import review_prompt_view
from bot.reviews.progress import get_review_progress
from bot.reviews.pulled import PulledReview, campaigns_of, start_pulled_review
from bot.reviews.source_messages import ShareLine, pull_failed_message, split_summary_message
from models import AuditEvent, Campaign, CampaignKind, Control, Occurrence, OccurrenceStatus, Task

Pull = Callable[..., Population]
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PullOutcome:
    """One attempt: the review it started, or why it did not start."""

    occurrence_id: int
    task_key: str
    started: PulledReview | None = None
    failure: str | None = None
    kind: str | None = None


def due_review_work(*, session: Session, now: dt.datetime) -> list[int]:
    """Open access-review work whose task pulls a source and whose review has not started."""
    today = program_today(get_program_or_raise(session=session), now)
    rows = session.exec(
        select(Occurrence.id, Occurrence.task_id, Occurrence.status, Task.review)
        .join(Task, col(Task.id) == Occurrence.task_id)
        .where(
            Task.kind == "access_review",
            col(Task.retired_at).is_(None),
            col(Occurrence.period_start) <= today,
        )
        .order_by(col(Occurrence.period_start).desc(), col(Occurrence.id).desc())
    ).all()
    # Only each task's current period (the latest begun, whatever its state): an older one
    # still open is overdue work, and a pull today could only show today's accounts for it
    # (start it by hand if that is wanted). Started or closed, the current one is not due
    # either: filtering those first would make the older period "current" on the next tick.
    current: dict[int, tuple[int, OccurrenceStatus]] = {}
    for occ_id, task_id, status, review in rows:
        if (review or {}).get("source"):
            current.setdefault(task_id, (int(occ_id or 0), OccurrenceStatus(status)))
    pending = [occ for occ, status in current.values() if status is OccurrenceStatus.PENDING]
    if not pending:
        return []
    started = session.exec(
        select(Campaign.occurrence_id).where(
            Campaign.kind == CampaignKind.ACCESS_REVIEW, col(Campaign.occurrence_id).in_(pending)
        )
    ).all()
    return sorted(set(pending) - set(started))


def task_source(*, session: Session, task_key: str) -> tuple[Task, dict[str, Any]]:
    """The task and its catalog source, for `review pull|start <task-id>`."""
    task = session.exec(select(Task).where(Task.key == task_key.strip().lower())).first()
    if task is None:
        raise NotFound(f"There is no task {task_key}.")
    if not (task.review or {}).get("source"):
        raise InvalidInput(
            f"{task.key} has no review source in the catalog: attach a CSV of accounts to "
            "start its review instead."
        )
    return task, dict((task.review or {})["source"])


def current_review_work(*, session: Session, task_key: str, now: dt.datetime) -> int:
    """The task's open work whose review can start now (for `review start <task-id>`)."""
    task, _ = task_source(session=session, task_key=task_key)
    today = program_today(get_program_or_raise(session=session), now)
    occ = session.exec(
        select(Occurrence)
        .where(
            Occurrence.task_id == task.id,
            Occurrence.status == OccurrenceStatus.PENDING,
            col(Occurrence.period_start) <= today,
        )
        .order_by(col(Occurrence.period_start).desc())
    ).first()
    if occ is None:
        upcoming = session.exec(
            select(col(Occurrence.period_start))
            .where(Occurrence.task_id == task.id, Occurrence.status == OccurrenceStatus.PENDING)
            .order_by(col(Occurrence.period_start))
        ).first()
        when = f": its next review opens on {upcoming:%d %b %Y}" if upcoming else ""
        raise NotFound(f"{task.key} has no open work to review now{when}.")
    return occ.id or 0


def source_of(*, session: Session, occurrence_id: int) -> tuple[str, dict[str, Any]]:
    """The task key and the catalog's source settings for an occurrence's review."""
    occ = session.get(Occurrence, occurrence_id)
    task = session.get(Task, occ.task_id) if occ else None
    if task is None:
        raise NotFound(f"There is no work {occurrence_id}.")
    return task.key, dict((task.review or {}).get("source") or {})


def pull_and_start(
    *,
    db: Database,
    store: EvidenceStore,
    env: Mapping[str, str],
    now: dt.datetime,
    occurrence_id: int,
    actor: Actor | None = None,
    pull: Pull = pull_population,
) -> PullOutcome:
    """Pull the source, then start the review and queue its prompts in one transaction."""
    actor = actor or Actor.scheduler()
    with db.session() as session:
        task_key, spec = source_of(session=session, occurrence_id=occurrence_id)
    try:
        population = pull(spec, env=env, now=now)
        with db.transaction() as session:
            started = start_pulled_review(
                session=session, actor=actor, occurrence_id=occurrence_id,
                population=population, store=store, now=now,
            )  # fmt: skip
            queue_review_prompts(session=session, started=started)
        return PullOutcome(occurrence_id, task_key, started=started)
    except SourceError as exc:
        failure, kind = str(exc), str(exc.kind)
    except InvalidInput as exc:  # e.g. nobody else can review someone's own account
        failure, kind = exc.message, "invalid"
    with db.transaction() as session:
        report_pull_failure(
            session=session, occurrence_id=occurrence_id, reason=failure, kind=kind, now=now
        )
    return PullOutcome(occurrence_id, task_key, failure=failure, kind=kind)


def start_due_reviews(
    *, db: Database, store: EvidenceStore, env: Mapping[str, str], now: dt.datetime,
    pull: Pull = pull_population,
) -> list[PullOutcome]:  # fmt: skip
    """Start every review that is due (the scheduler's tick); one failure stops no other."""
    with db.session() as session:
        due = due_review_work(session=session, now=now)
    outcomes = []
    for occurrence_id in due:
        try:
            outcomes.append(
                pull_and_start(
                    db=db, store=store, env=env, now=now, occurrence_id=occurrence_id, pull=pull
                )
            )
        except Conflict:  # another replica, or a person in chat, started it meanwhile
            continue
        except Exception:  # one broken review must not stop the others: the next tick retries
            log.exception("Access review for work %s did not start", occurrence_id)
    return outcomes


def queue_review_prompts(*, session: Session, started: PulledReview) -> int:
    """The prompt in the review's channel; split by manager, each share by DM plus a summary
    in the channel. Returns how many messages were queued."""
    campaigns = campaigns_of(session=session, occurrence_id=started.occurrence_id)
    if not started.split:
        return int(
            queue_review_prompt(
                session=session,
                campaign_id=campaigns[0].id or 0,
                target=channel_target(campaigns[0].channel),
            )
        )
    reviewers = {c.id: int(str(c.details.get("reviewer_id") or 0)) for c in campaigns}
    addresses = load_addresses(session=session, person_ids=reviewers.values())
    shares, queued = [], 0
    for campaign in campaigns:
        address = addresses.get(reviewers[campaign.id])
        target = (address.platform, address.recipient) if address else None
        flagged = int(str(campaign.details.get("flagged") or 0))
        accounts = int(str(campaign.details.get("accounts") or 0))
        queued += queue_review_prompt(session=session, campaign_id=campaign.id or 0, target=target)
        reviewer = str(campaign.details.get("reviewer_name") or "")
        shares.append(ShareLine(reviewer, accounts, flagged, address is not None))
    summary = split_summary_message(
        campaigns[0].name.rsplit(" · ", 1)[0], str(campaigns[0].details.get("source")),
        shares, started.snapshot_sha256,
    )  # fmt: skip
    target = channel_target(campaigns[0].channel)
    if target:
        key = f"review-summary:{started.occurrence_id}"
        queued += (
            enqueue_message(session=session, outgoing=Outgoing(key, *target, summary)) is not None
        )
    return queued


def queue_review_prompt(
    *, session: Session, campaign_id: int, target: tuple[str, str] | None
) -> bool:
    """Queue a review's shared prompt (once: its key is the campaign's), remembered when
    posted so that every decision redraws it; False when there is nowhere to post it."""
    if target is None:
        return False
    progress = get_review_progress(session=session, campaign_id=campaign_id, page=0)
    prompt = Outgoing(
        key=f"review-prompt:{campaign_id}", platform=target[0], recipient=target[1],
        message=review_prompt_view(progress),
        meta={"campaign_id": campaign_id, "chat_kind": "review_prompt"},
    )  # fmt: skip
    return enqueue_message(session=session, outgoing=prompt) is not None


def report_pull_failure(
    *, session: Session, occurrence_id: int, reason: str, kind: str, now: dt.datetime
) -> bool:
    """Tell the control's owner why the review did not start: once a day per reason."""
    occ = session.get(Occurrence, occurrence_id)
    task = session.get(Task, occ.task_id) if occ else None
    control = session.get(Control, occ.control_id) if occ else None
    if occ is None or task is None or control is None:
        return False
    today = program_today(get_program_or_raise(session=session), now)
    source = describe_source((task.review or {}).get("source") or {})
    message = pull_failed_message(task.title, source, reason, kind)
    owner = control.owner_id or 0
    address = load_addresses(session=session, person_ids=[owner]).get(owner)
    target = (address.platform, address.recipient) if address else None
    target = target or channel_target(get_program_or_raise(session=session).compliance_channel)
    key = f"review-pull-failed:{occurrence_id}:{kind}:{today.isoformat()}"
    if target is not None:
        queued = enqueue_message(session=session, outgoing=Outgoing(key, *target, message))
    else:  # nobody to tell: the audit trail still keeps the failure, once a day per reason
        queued = None if _failed_today(session, occurrence_id, kind, today, now) else 0
    if queued is not None:
        record_event(
            session=session,
            actor=Actor.scheduler(),
            action="review.pull_failed",
            subject_type="occurrence",
            subject_id=str(occurrence_id),
            details={"task": task.key, "kind": kind, "reason": reason},
        )
    return bool(queued)


def _failed_today(
    session: Session, occurrence_id: int, kind: str, today: dt.date, now: dt.datetime
) -> bool:
    """Whether today's failure of this kind is already in the audit trail."""
    since = now - dt.timedelta(days=1)
    rows = session.exec(
        select(AuditEvent.details, AuditEvent.occurred_at).where(
            AuditEvent.action == "review.pull_failed",
            AuditEvent.subject_id == str(occurrence_id),
            col(AuditEvent.occurred_at) >= since,
        )
    ).all()
    zone = program_zone(session=session)
    return any(
        (details or {}).get("kind") == kind and when.astimezone(zone).date() == today
        for details, when in rows
    )
