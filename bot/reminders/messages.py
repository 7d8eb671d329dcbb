"""Reminder, escalation and undeliverable-reminder messages (neutral model, pure)."""

from __future__ import annotations

import datetime as dt

from bot.core.messages import Button, Field, Message
from bot.core.program import local_day
from bot.reminders.facts import ReminderNote
from bot.work.facts import ExpiringEvidence, State, WorkItem
from bot.work.messages import ATTACH_ACTION, work_buttons
from models import Occurrence

SNOOZE_ACTION = "occ_snooze"
SNOOZE_SUBMIT_ACTION = "occ_snooze_submit"
_STATE_TEXT = {State.UPCOMING: "upcoming", State.OPEN: "open", State.OVERDUE: "OVERDUE"}
# Who may act on the buttons: the responsible people, and admins in the compliance channel.
_ACTING_AUDIENCES = frozenset({"assignee", "owner", "backup_owner", "compliance"})


def _day(value: dt.date) -> str:
    return f"{value:%a %d %b %Y}"


def _when(note: ReminderNote) -> str:
    left = (note.due_on - note.today).days
    if note.state is State.OVERDUE:
        days = f"{note.overdue_days} business day{'s' if note.overdue_days != 1 else ''}"
        return f"was due {_day(note.due_on)}, {days} ago"
    if left == 0:
        return "is due today"
    if left == 1:
        return "is due tomorrow"
    return f"is due {_day(note.due_on)}, in {left} days"


def _title(note: ReminderNote) -> str:
    if note.audience == "assignee":
        lead = "Overdue" if note.state is State.OVERDUE else "Reminder"
        return f"{lead}: {note.task_title}"
    return f"Escalation: {note.task_title} is overdue"


def _text(note: ReminderNote) -> str:
    return _said(note) + (_answers(note) if note.policy is not None else "")


def _answers(note: ReminderNote) -> str:
    """How a policy's review is answered: by its owner, with the review's own buttons."""
    key = note.policy.key if note.policy else ""
    if note.audience == "assignee":
        return (
            " Press No changes to confirm the current version, or New version and send the "
            f"new document. `policy {key}` shows it."
        )
    return (
        " Its owner answers it with No changes or a new version, which then goes to the "
        f"approvers. `policy {key}` shows it."
    )


def _said(note: ReminderNote) -> str:
    who = note.assignee or "nobody"
    what = f"“{note.task_title}” for {note.period_key} {_when(note)}"
    if note.audience == "assignee":
        return f"{what}."
    if note.audience == "manager":
        return f"{what}. It is assigned to {who}, who reports to you: please help get it done."
    if note.audience == "compliance":
        return f"{what}. It is assigned to {who}."
    role = note.audience.replace("_", " ")
    return f"{what}. It is assigned to {who}; as its {role}, please follow up."


def reminder_view(note: ReminderNote) -> Message:
    """The reminder (or escalation) with the task, control, due date, state and its actions."""
    fields = (
        Field("Control", f"{note.control_key} — {note.control_title}"),
        Field("Period", note.period_key),
        Field("Due", _day(note.due_on)),
        Field("State", _STATE_TEXT.get(note.state, note.state.value)),
        Field("Assigned to", note.assignee or "nobody"),
    )
    return Message(
        title=_title(note),
        text=_text(note),
        fields=fields,
        buttons=reminder_buttons(note) if _acting(note) else (),
        footer=_footer(note),
        ephemeral=False,
    )


def _acting(note: ReminderNote) -> bool:
    """Whether the buttons go with it: a policy's review is answered by its owner alone (the
    assignee), so its escalations only inform."""
    if note.policy is not None:
        return note.audience == "assignee"
    return note.audience in _ACTING_AUDIENCES


def _footer(note: ReminderNote) -> str:
    ref = f"#{note.occurrence_id}"
    if note.policy is None:
        return f"{ref} · reply to this message with a file to attach it as evidence."
    if note.audience == "assignee":
        return f"{ref} · reply to this message with the new document to send it as a new version."
    return f"{ref} · policy {note.policy.key}"


def reminder_buttons(note: ReminderNote) -> tuple[Button, ...]:
    """Mark done / attach evidence as the task requires, or a policy review's No changes /
    New version (shared with `mine` and the task card), then snooze."""
    ref = str(note.occurrence_id)
    snooze = Button("Snooze", f"{SNOOZE_ACTION}:{ref}", ref)
    if note.state is State.UPCOMING:
        return (snooze,)
    item = WorkItem(
        occurrence_id=note.occurrence_id,
        control_key=note.control_key,
        task_title=note.task_title,
        period_key=note.period_key,
        due_on=note.due_on,
        state=note.state,
        evidence=note.evidence,
        assignee=note.assignee,
        policy=note.policy,
    )
    return (*work_buttons(item), snooze)


def undeliverable_view(note: ReminderNote, *, person: str | None, reason: str) -> Message:
    """Told to the compliance channel when a reminder has nobody it can reach."""
    what = f"#{note.occurrence_id} {note.control_key} — “{note.task_title}” ({note.period_key})"
    if person is None:
        text = f"Nobody is assigned to {what}. Set an owner with `/soc2 assign`."
    else:
        text = f"I cannot remind {person} about {what}: {reason}."
    return Message(
        title="A reminder could not be delivered",
        text=text,
        fields=(
            Field("Due", _day(note.due_on)),
            Field("Meant for", note.audience.replace("_", " ")),
        ),
        footer="I say this once per person and occurrence.",
        ephemeral=False,
    )


SNOOZE_CHOICES = (1, 2, 3, 5, 7, 14)  # days offered by the snooze forms


def snoozed_view(occ: Occurrence, *, zone: dt.tzinfo) -> Message:
    """What the person is told after snoozing: until when (the day in `zone`, the snoozer's,
    where the snooze was counted), and that the reason is logged."""
    until = _day(local_day(occ.snoozed_until, zone)) if occ.snoozed_until else "later"
    return Message(
        title=f"Snoozed #{occ.id}",
        text=f"No reminders for #{occ.id} until {until}. Your reason is in the audit trail.",
    )


def expiry_reminder_view(row: ExpiringEvidence) -> Message:
    """Before evidence expires, to whoever renews it: attach a renewed one, with the button
    when its period is still the current one, else where the renewal goes."""
    text = f"“{row.task_title}” evidence expires on {_day(row.expires_on)}: attach a renewed one."
    buttons: tuple[Button, ...] = ()
    ref = str(row.occurrence_id)
    if row.current_occurrence_id == row.occurrence_id:
        buttons = (Button("Attach evidence", f"{ATTACH_ACTION}:{ref}", ref),)
        footer = f"#{ref} · reply to this message with the renewed file to attach it."
    elif row.current_occurrence_id is not None:
        now = row.current_occurrence_id
        text += (
            f" Its period ({row.period_key}) is over: attach the renewal to #{now}, the "
            f"current period (`evidence {now}` says how)."
        )
        footer = "After that day it no longer counts, and `status` lists it as expired."
    else:
        text += " No period of this task is open today: ask an admin where the renewal goes."
        footer = "After that day it no longer counts, and `status` lists it as expired."
    return Message(
        title=f"Evidence expires soon: {row.task_title}",
        text=text,
        fields=(
            Field("Control", row.control_key),
            Field("Evidence", f"evidence {row.evidence_id}, for #{ref} ({row.period_key})"),
            Field("Expires", _day(row.expires_on)),
        ),
        buttons=buttons,
        footer=footer,
        ephemeral=False,
    )


def expiry_undeliverable_view(row: ExpiringEvidence, *, person: str | None, reason: str) -> Message:
    """Told to the compliance channel when nobody can be reminded of evidence expiring."""
    what = f"evidence {row.evidence_id} of “{row.task_title}” (#{row.occurrence_id})"
    if person is None:
        text = f"Nobody is assigned to renew {what}. Set an owner with `/soc2 assign`."
    else:
        text = f"I cannot remind {person} that {what} expires: {reason}."
    return Message(
        title="An expiry reminder could not be delivered",
        text=text,
        fields=(Field("Control", row.control_key), Field("Expires", _day(row.expires_on))),
        footer="I say this once per person and piece of evidence.",
        ephemeral=False,
    )
