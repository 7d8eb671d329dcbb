"""A revoke still in place after its due day: remind whoever removes it, then escalate.

The program's reminder policy decides: the assignee hears every day it is still there, their
manager after the policy's manager step (3 business days by default) and the compliance
channel after its compliance step (7); each escalation goes out once.
"""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session

from bot.core.errors import InvalidInput
from bot.core.program import get_program_or_raise, program_today
from bot.core.recurrence import business_days_between, parse_duration
from bot.outbox.queue import Outgoing, channel_target, enqueue_message
from bot.reminders.recipients import load_addresses
from bot.reviews.source_messages import still_present_message
from models import FollowUp, Person

DEFAULT_STEPS = ({"after": "3bd", "to": "manager"}, {"after": "7bd", "to": "compliance"})


def escalate_still_present(
    *, session: Session, follow_up: FollowUp, source: str, now: dt.datetime
) -> int:
    """Queue today's notices for a follow-up past due whose access is still there."""
    program = get_program_or_raise(session=session)
    today = program_today(program, now)
    if today <= follow_up.due_on:
        return 0
    message = still_present_message(follow_up.title, source, follow_up.due_on, now)
    assignee = session.get(Person, follow_up.assignee_id) if follow_up.assignee_id else None
    targets: list[tuple[str, tuple[str, str] | None]] = [
        (f"follow-up-still:{follow_up.id}:{today.isoformat()}", _dm(session, assignee))
    ]
    late = business_days_between(follow_up.due_on, today)
    steps = (program.reminder_policy or {}).get("escalate") or DEFAULT_STEPS
    for step in steps:
        if late < _days(str(step.get("after", ""))):
            continue
        to = str(step.get("to"))
        if to == "manager" and assignee and assignee.manager_id:
            target = _dm(session, session.get(Person, assignee.manager_id))
        elif to == "compliance":
            target = channel_target(program.compliance_channel)
        else:
            continue
        targets.append((f"follow-up-escalation:{follow_up.id}:{to}", target))
    queued = 0
    for key, target in targets:
        if target is not None:
            outgoing = Outgoing(key, target[0], target[1], message, kind="reminder")
            queued += enqueue_message(session=session, outgoing=outgoing) is not None
    return queued


def _dm(session: Session, person: Person | None) -> tuple[str, str] | None:
    if person is None or person.id is None:
        return None
    address = load_addresses(session=session, person_ids=[person.id]).get(person.id)
    return (address.platform, address.recipient) if address else None


def _days(text: str) -> int:
    """A policy step's business days (`3bd`; `1w` counts as 5); unreadable steps never fire."""
    try:
        duration = parse_duration(text)
    except InvalidInput:
        return 10**6
    per = {"bd": 1, "d": 1, "w": 5, "m": 21}
    return duration.amount * per.get(duration.unit, 1)
