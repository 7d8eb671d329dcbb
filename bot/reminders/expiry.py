"""Reminders before evidence expires: the reminder policy's timing, to whoever renews it.

Each task's current evidence with an expiry is reminded on the policy's `before` steps
counted back from its last valid day, plus a 30-day notice (renewing a certificate or a
vendor's report takes longer than doing a task), at `send_at` in the recipient's timezone,
within working hours, never on weekends. Outbox keys (evidence, step, planned day) make
every step go out once; a later expiry date plans new steps.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from bot.core.program import local_day, zone
from bot.core.recurrence import parse_duration
from bot.outbox.queue import Outgoing, channel_target, enqueue_messages, queued_keys
from bot.reminders.messages import expiry_reminder_view, expiry_undeliverable_view
from bot.reminders.policy import ASSIGNEE, Due, Policy, Step, due_step, resolve_policy
from bot.reminders.recipients import Address, load_addresses, load_people
from bot.work.expiring import list_expiring_evidence
from bot.work.facts import ExpiringEvidence
from models import Person, Program, Task

EXPIRY_NOTICE = parse_duration("30d")


def queue_expiry_reminders(*, session: Session, now: dt.datetime) -> int:
    """Queue the expiry reminders due at `now`; how many were queued."""
    messages = decide_expiry_reminders(session=session, now=now)
    return len(enqueue_messages(session=session, messages=messages))


def decide_expiry_reminders(*, session: Session, now: dt.datetime) -> list[Outgoing]:
    """The expiry reminders due at `now` whose keys are not queued yet (nothing written)."""
    program = session.get(Program, 1)
    if program is None:
        return []
    policies = _policies(session, program)
    horizon = dt.timedelta(days=max(p.lead_days() for p in policies.values()))
    rows = [
        r
        for r in list_expiring_evidence(session=session, now=now, until=now + horizon)
        if r.expires_at > now  # after its expiry, `status` and the digest say it
    ]
    people = load_people(session=session, ids={r.owner_id for r in rows if r.owner_id})
    addresses = load_addresses(session=session, person_ids=people)
    channel = channel_target(program.compliance_channel)
    program_tz = zone(program.timezone)
    planned: dict[str, Outgoing] = {}
    for row in rows:
        person = people.get(row.owner_id or 0)
        tz = zone(person.timezone) if person and person.timezone else program_tz
        step = _step(policies.get(row.task_id) or policies[None], row, tz, now)
        if step is None:
            continue
        address = addresses.get(person.id or 0) if person and person.active else None
        outgoing = _outgoing(row, step, person, address, channel)
        if outgoing is not None:
            planned.setdefault(outgoing.key, outgoing)
    queued = queued_keys(session=session, keys=planned)
    return [m for key, m in planned.items() if key not in queued]


def _policies(session: Session, program: Program) -> dict[int | None, Policy]:
    """The program's policy under None and each task's own, each with the 30-day notice."""
    found: dict[int | None, Policy] = {None: resolve_policy(program.reminder_policy)}
    for task_id, own in session.exec(select(Task.id, Task.reminder_policy)).all():
        if own:
            found[task_id] = resolve_policy(program.reminder_policy, own)
    return {
        key: dataclasses.replace(policy, before=(*policy.before, EXPIRY_NOTICE))
        for key, policy in found.items()
    }


def _step(policy: Policy, row: ExpiringEvidence, tz: ZoneInfo, now: dt.datetime) -> Step | None:
    """The step due now, counted back from the last valid day; none before the evidence
    was given (its `before` steps are the reminder policy's own pre-due steps)."""
    due = Due(local_day(row.submitted_at, tz), row.expires_on, row.expires_at)
    step = due_step(policy, due, stream=ASSIGNEE, tz=tz, now=now)
    return step if step is not None and not step.overdue else None


def _outgoing(
    row: ExpiringEvidence,
    step: Step,
    person: Person | None,
    address: Address | None,
    channel: tuple[str, str] | None,
) -> Outgoing | None:
    if address is not None:
        key = f"expiry:{row.evidence_id}:{step.name}:{step.day.isoformat()}"
        current = row.current_occurrence_id == row.occurrence_id
        # Linked as the work's thread only while it is current: a file replied there renews it.
        about = "occurrence_id" if current else "about_occurrence_id"
        meta = {about: row.occurrence_id, "evidence_id": row.evidence_id, "step": step.name}
        message = expiry_reminder_view(row)
        return Outgoing(key, address.platform, address.recipient, message, "reminder", meta=meta)
    if channel is None:
        return None
    # Said once per piece of evidence and person, not at every step.
    key = f"expiry-undeliverable:{row.evidence_id}:{person.id if person else 'nobody'}"
    reason = "they have no linked Slack or Teams account" if person and person.active else ""
    who = f"{person.name} <{person.email}>" if person else None
    notice = expiry_undeliverable_view(row, person=who, reason=reason or "they are marked inactive")
    meta = {"about_occurrence_id": row.occurrence_id, "evidence_id": row.evidence_id}
    return Outgoing(key, channel[0], channel[1], notice, "alert", meta=meta)
