"""One reminder tick's planning: which step each candidate owes whom now, and its message."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.core.recurrence import business_days_between
from bot.outbox.queue import Outgoing, channel_target
from bot.reminders.facts import ReminderNote
from bot.reminders.messages import reminder_view, undeliverable_view
from bot.reminders.policy import ASSIGNEE, Due, Policy, Step, due_step
from bot.reminders.recipients import Address
from bot.work.facts import PolicyRef, State
from models import Person, Program

_NO_ACCOUNT = "they have no linked Slack or Teams account (ask them to message me once)"
_INACTIVE = "they are marked inactive"
_NOBODY_ASSIGNED = "nobody is assigned"


@dataclass(frozen=True)
class CandidateRow:
    """A pending occurrence that may have a step due, with what its messages need."""

    id: int
    task_id: int
    assignee_id: int | None
    period_key: str
    period_start: dt.date
    due_on: dt.date
    due_at: dt.datetime
    task_title: str
    evidence: str
    control_key: str
    control_title: str
    owner_id: int | None
    backup_owner_id: int | None


@dataclass(frozen=True)
class Decision:
    """A step due now for one stream of one occurrence; `address` None means undeliverable."""

    row: CandidateRow
    stream: str
    step: Step
    tz: ZoneInfo
    key: str
    address: Address | None
    person: Person | None = None
    reason: str | None = None


def zone(name: str) -> ZoneInfo:
    """The named timezone, or UTC for a name this system does not know."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


class ReminderPlanner:
    """Decides the steps due at `now` for candidate rows and builds their messages."""

    def __init__(
        self,
        program: Program,
        policies: dict[int | None, Policy],
        people: dict[int, Person],
        addresses: dict[int, Address],
        now: dt.datetime,
        *,
        reviews: dict[int, PolicyRef] | None = None,
    ) -> None:
        self.policies, self.people, self.addresses, self.now = policies, people, addresses, now
        self.reviews = reviews or {}  # policies by their review task: answered, not "done"
        self.program_tz = zone(program.timezone)
        self.program_today = now.astimezone(self.program_tz).date()
        target = channel_target(program.compliance_channel)
        self.channel = Address(*target) if target else None
        # Steps depend only on policy, dates, stream and timezone; due dates cluster by
        # schedule, so one tick computes each combination once. Policies are keyed by
        # identity (they live in `policies` for the whole tick): hashing a frozen Policy
        # field by field, three times per candidate, was a quarter of a 10,000-row tick.
        self._steps: dict[tuple[int, Due, str, str], Step | None] = {}

    def decide(self, row: CandidateRow) -> list[Decision]:
        """The steps of this occurrence due now, one per stream at most."""
        policy = self.policies.get(row.task_id) or self.policies[None]
        due = Due(row.period_start, row.due_on, row.due_at)
        decisions: list[Decision] = []
        for stream in policy.streams():
            target = self._target(row, stream)
            if target is None:
                continue
            person = target if isinstance(target, Person) else None
            tz = zone(person.timezone) if person and person.timezone else self.program_tz
            step = self._step(policy, due, stream, tz)
            if step is not None:
                decisions.append(self._decision(row, stream, target, step, tz))
        return decisions

    def outgoing(self, decision: Decision) -> Outgoing | None:
        """The outbox message of a decision (the compliance channel's notice if undeliverable)."""
        row, note, step = decision.row, self._note(decision), decision.step.name
        meta: dict[str, Any]
        if decision.address is not None:
            meta = {"occurrence_id": row.id, "step": step, "audience": decision.stream}
            to, message, kind = decision.address, reminder_view(note), "reminder"
        elif self.channel is not None:
            # Not linked as the occurrence's thread: a file posted under a notice is no evidence.
            meta = {"about_occurrence_id": row.id, "step": step, "audience": decision.stream}
            person = decision.person
            who = f"{person.name} <{person.email}>" if person else None
            to, kind = self.channel, "alert"
            message = undeliverable_view(note, person=who, reason=decision.reason or "")
        else:
            return None
        return Outgoing(decision.key, to.platform, to.recipient, message, kind=kind, meta=meta)

    def _step(self, policy: Policy, due: Due, stream: str, tz: ZoneInfo) -> Step | None:
        key = (id(policy), due, stream, tz.key)
        if key not in self._steps:
            self._steps[key] = due_step(policy, due, stream=stream, tz=tz, now=self.now)
        return self._steps[key]

    def _target(self, row: CandidateRow, stream: str) -> Person | str | None:
        """The person a stream reaches, "channel", "nobody" (unassigned), or None to skip."""
        assignee = self.people.get(row.assignee_id or 0)
        if stream == ASSIGNEE:
            return assignee or "nobody"
        if stream == "compliance":
            return "channel" if self.channel else None
        if stream == "manager":
            person_id = assignee.manager_id if assignee else None
        else:
            person_id = row.owner_id if stream == "owner" else row.backup_owner_id
        person = self.people.get(person_id or 0)
        # Nobody to escalate to, or the assignee themself: they already get the reminders.
        return person if person is not None and person is not assignee else None

    def _decision(
        self, row: CandidateRow, stream: str, target: Person | str, step: Step, tz: ZoneInfo
    ) -> Decision:
        key = f"reminder:{row.id}:{step.name}:{step.day.isoformat()}"
        if target == "channel":
            return Decision(row, stream, step, tz, key, self.channel)
        if not isinstance(target, Person):
            return Decision(
                row,
                stream,
                step,
                tz,
                f"undeliverable:{row.id}:nobody",
                None,
                reason=_NOBODY_ASSIGNED,
            )
        address = self.addresses.get(target.id or 0) if target.active else None
        if address is not None:
            return Decision(row, stream, step, tz, key, address, target)
        # Said once per occurrence and person, not at every step: the channel is not spammed.
        reason = _NO_ACCOUNT if target.active else _INACTIVE
        unkey = f"undeliverable:{row.id}:{target.id}"
        return Decision(row, stream, step, tz, unkey, None, target, reason)

    def _note(self, decision: Decision) -> ReminderNote:
        row = decision.row
        today = self.now.astimezone(decision.tz).date()
        if row.due_at <= self.now:
            state = State.OVERDUE
        elif row.period_start > self.program_today:
            state = State.UPCOMING
        else:
            state = State.OPEN
        assignee = self.people.get(row.assignee_id or 0)
        return ReminderNote(
            occurrence_id=row.id,
            control_key=row.control_key,
            control_title=row.control_title,
            task_title=row.task_title,
            period_key=row.period_key,
            due_on=row.due_on,
            evidence=row.evidence,
            state=state,
            assignee=assignee.name if assignee else None,
            audience=decision.stream,
            today=today,
            overdue_days=business_days_between(row.due_on, today),
            policy=self.reviews.get(row.task_id),
        )
