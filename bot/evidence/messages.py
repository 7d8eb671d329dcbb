"""Messages about evidence: what was recorded for an occurrence, and how to give it."""

from __future__ import annotations

import datetime as dt

from bot.core.messages import Message
from bot.core.program import local_day
from models import Evidence, EvidenceRequirement, Platform


def evidence_recorded_view(
    evidence: Evidence, occurrence_id: int, done: bool, *, zone: dt.tzinfo
) -> Message:
    """The answer to evidence given: what was stored, the day (in `zone`, the program's) the
    work was marked done, and the person's note, so they see what the auditor will see."""
    day = local_day(evidence.submitted_at, zone)
    state = f"and marked the work done on {day:%a %d %b %Y}" if done else "(the work stays open)"
    if evidence.sha256:
        text = (
            f"Stored {evidence.original_name} ({evidence.size} bytes) for #{occurrence_id} {state}."
            f"\nSHA-256: {evidence.sha256}"
        )
    else:
        text = f"Recorded your confirmation for #{occurrence_id} {state}: “{evidence.statement}”"
    if evidence.note:
        text += f"\nNote: {evidence.note}"
    return Message(title="Evidence recorded", text=text)


def file_awaited_view(occurrence_id: int) -> Message:
    """After "Attach evidence" where files come as chat messages: send it here."""
    return Message(
        text=f"Send the evidence file for #{occurrence_id} here in this chat (within 30 "
        "minutes); I will store it and answer with its SHA-256."
    )


def how_to_attach_view(
    occurrence_id: int, period_key: str, needs: EvidenceRequirement, platform: Platform
) -> Message:
    """`evidence <occurrence>`: the ways to give evidence that this task accepts, from here.

    `done` is offered only where a confirmation counts; a task that needs a file is told how
    to attach one (chat: the button or a file with the reference; files never come from a
    terminal, so the CLI says where to go).
    """
    ref = f"#{occurrence_id}"
    if platform in (Platform.CLI, Platform.SCHEDULER):
        files = (
            f"Files are attached in Slack or Teams: press Attach evidence on {ref} in `mine` "
            f"or on its reminder, or send the file to soc2bot with {ref} in the message"
        )
    else:
        files = (
            f"Press Attach evidence on {ref} (in `mine` or on its reminder) and send the file, "
            f"or send the file to me with {ref} in the message"
        )
    confirm = f"`done {occurrence_id} <note>` confirms it by attestation"
    if needs is EvidenceRequirement.FILE:
        text = f"This task needs a file as evidence. {files}."
    elif needs is EvidenceRequirement.ATTESTATION:
        text = f"This task is confirmed by attestation: {confirm}."
    else:
        text = f"{files}; or {confirm}."
    return Message(title=f"Evidence for {ref} ({period_key})", text=text)


def expiry_set_view(evidence: Evidence, expires_on: dt.date | None, *, today: dt.date) -> Message:
    """After `expire`: until when the evidence counts now (days in the program's timezone)."""
    what = evidence.original_name or "attestation"
    ref = f"Evidence {evidence.id} ({what}, for #{evidence.occurrence_id})"
    if expires_on is None:
        return Message(title="Evidence expiry cleared", text=f"{ref} no longer expires.")
    day = f"{expires_on:%a %d %b %Y}"
    if expires_on < today:
        text = (
            f"{ref} counted through {day}: it has expired, and no longer counts for work "
            "judged after that day. `status` lists it until a renewal is attached."
        )
    else:
        text = f"{ref} now counts through {day}; whoever renews it is reminded before then."
    return Message(title="Evidence expiry set", text=text)
