"""Reminders and escalations: decide from the database which steps are due now, queue them."""

from __future__ import annotations

import datetime as dt
import logging
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session, col, select

from bot.audit.trail import record_event
from bot.core.actor import Actor
from bot.core.errors import Conflict, InvalidInput
from bot.core.permissions import Action, require
from bot.core.program import zone
from bot.outbox.queue import Outgoing, enqueue_messages, queued_keys
from bot.reminders.plan import CandidateRow, ReminderPlanner
from bot.reminders.policy import Policy, resolve_policy
from bot.reminders.recipients import load_addresses, load_people
from bot.work.items import active_controls
from bot.work.occurrences import get_occurrence_or_raise, is_responsible
from bot.work.policy_reviews import policy_reviews
from models import Control, Occurrence, OccurrenceStatus, Person, Program, Task

log = logging.getLogger(__name__)
MAX_SNOOZE_DAYS = 14
# UTC+14 is the earliest clock on Earth: no recipient's "today" is later than this.
_AHEAD = dt.timedelta(hours=14)


def queue_due_reminders(*, session: Session, now: dt.datetime) -> int:
    """Queue every reminder and escalation step due at `now`; return how many were queued.

    Decided from the database and `now` alone, so a missed tick or a restart catches up
    and a repeated tick queues nothing new: the outbox keys (occurrence, step, planned
    local day) are the memory.
    """
    messages = decide_due_reminders(session=session, now=now)
    return len(enqueue_messages(session=session, messages=messages))


def decide_due_reminders(*, session: Session, now: dt.datetime) -> list[Outgoing]:
    """The messages of the steps due at `now` whose keys are not queued yet (nothing written)."""
    program = session.get(Program, 1)
    if program is None:
        return []
    policies = _policies(session, program)
    horizon = max(p.lead_days() for p in policies.values())
    rows = _candidates(session, now=now, horizon_days=horizon)
    ids = {i for r in rows for i in (r.assignee_id, r.owner_id, r.backup_owner_id) if i}
    people = load_people(session=session, ids=ids)
    addresses = load_addresses(session=session, person_ids=people)
    reviews = policy_reviews(session=session, task_ids={r.task_id for r in rows})
    planner = ReminderPlanner(program, policies, people, addresses, now, reviews=reviews)
    decisions = {d.key: d for row in rows for d in planner.decide(row)}
    # Messages are built only for new keys: most ticks find every due step queued already.
    queued = queued_keys(session=session, keys=decisions)
    messages = [planner.outgoing(d) for key, d in decisions.items() if key not in queued]
    if None in messages:
        log.warning("reminders: some people are unreachable and no compliance channel is set")
    return [m for m in messages if m is not None]


def snooze_occurrence(
    *, session: Session, actor: Actor, occurrence_id: int, days: int, reason: str, now: dt.datetime
) -> Occurrence:
    """Pause an occurrence's reminders and escalations until the start of a later local day.

    "Snooze 2 days" on Monday means nothing until Wednesday's send time, in the snoozer's
    timezone (else the program's). The reason goes into the audit trail.
    """
    occ = get_occurrence_or_raise(session=session, occurrence_id=occurrence_id)
    require(actor, Action.COMPLETE_OCCURRENCE, related=is_responsible(session, actor, occ))
    if occ.status is not OccurrenceStatus.PENDING:
        raise Conflict(f"#{occ.id} is already {occ.status.value}; there is nothing to snooze.")
    if not 1 <= days <= MAX_SNOOZE_DAYS:
        raise InvalidInput(f"Snooze for 1 to {MAX_SNOOZE_DAYS} days.")
    reason = reason.strip()
    if len(reason) < 3:
        raise InvalidInput("Give a reason for snoozing (it goes into the audit trail).")
    tz = snooze_zone(session=session, actor=actor)
    wake = now.astimezone(tz).date() + dt.timedelta(days=days)
    occ.snoozed_until = dt.datetime.combine(wake, dt.time(0), tzinfo=tz).astimezone(dt.UTC)
    occ.snooze_reason = reason[:500]
    session.add(occ)
    record_event(
        session=session,
        actor=actor,
        action="occurrence.snoozed",
        subject_type="occurrence",
        subject_id=str(occ.id),
        details={"days": days, "until": occ.snoozed_until.isoformat(), "reason": reason},
    )
    return occ


def snooze_zone(*, session: Session, actor: Actor) -> ZoneInfo:
    """Where a snooze's days are counted and told: the snoozer's timezone, else the program's."""
    person = session.get(Person, actor.person_id) if actor.person_id else None
    program = session.get(Program, 1)
    return zone((person.timezone if person else None) or (program.timezone if program else "UTC"))


def _policies(session: Session, program: Program) -> dict[int | None, Policy]:
    """The program's policy under None, and each task's own policy where it has one."""
    policies: dict[int | None, Policy] = {None: resolve_policy(program.reminder_policy)}
    for task_id, own in session.exec(select(Task.id, Task.reminder_policy)).all():
        if own:
            policies[task_id] = resolve_policy(program.reminder_policy, own)
    return policies


def _candidates(session: Session, *, now: dt.datetime, horizon_days: int) -> list[CandidateRow]:
    """Pending, unsnoozed work whose period has begun somewhere, due within the lead horizon.

    Overdue work has no lower bound: it is reminded until it is done or skipped.
    """
    latest_today = (now.astimezone(dt.UTC) + _AHEAD).date()
    query = (
        sa.select(
            col(Occurrence.id),
            col(Occurrence.task_id),
            col(Occurrence.assignee_id),
            col(Occurrence.period_key),
            col(Occurrence.period_start),
            col(Occurrence.due_on),
            col(Occurrence.due_at),
            col(Task.title),
            col(Task.evidence),
            col(Control.key),
            col(Control.title),
            col(Control.owner_id),
            col(Control.backup_owner_id),
        )
        .join(Task, col(Task.id) == Occurrence.task_id)
        .join(Control, col(Control.id) == Occurrence.control_id)
        .where(
            col(Occurrence.status) == OccurrenceStatus.PENDING,
            col(Occurrence.period_start) <= latest_today,
            col(Occurrence.due_on) <= latest_today + dt.timedelta(days=horizon_days),
            sa.or_(col(Occurrence.snoozed_until).is_(None), col(Occurrence.snoozed_until) <= now),
            col(Task.retired_at).is_(None),
            active_controls(),
        )
        .order_by(col(Occurrence.id))
    )
    # Task.evidence is a StrEnum: it compares equal to its value ("file"…) downstream.
    return [CandidateRow(*row) for row in session.execute(query).all()]
