"""Messages about evidence: what was recorded for an occurrence."""

from __future__ import annotations

from bot.core.messages import Message
from models import Evidence


def evidence_recorded_view(evidence: Evidence, occurrence_id: int, done: bool) -> Message:
    state = "and marked the work done" if done else "(the work stays open)"
    if evidence.sha256:
        text = (
            f"Stored {evidence.original_name} ({evidence.size} bytes) for #{occurrence_id} {state}."
            f"\nSHA-256: {evidence.sha256}"
        )
    else:
        text = f"Recorded your confirmation for #{occurrence_id} {state}: “{evidence.statement}”"
    return Message(title="Evidence recorded", text=text)


def file_awaited_view(occurrence_id: int) -> Message:
    """After "Attach evidence" where files come as chat messages: send it here."""
    return Message(
        text=f"Send the evidence file for #{occurrence_id} here in this chat (within 30 "
        "minutes); I will store it and answer with its SHA-256."
    )
