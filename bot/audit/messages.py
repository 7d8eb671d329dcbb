"""Messages about the audit trail: one event as a line, and a subject's history."""

from __future__ import annotations

from bot.audit.facts import History
from bot.core.messages import ListItem, Message
from models import AuditEvent


def event_item(event: AuditEvent) -> ListItem:
    """One event: when, who and what, then its subject, sequence number and details."""
    when = f"{event.occurred_at:%Y-%m-%d %H:%M} UTC"
    subject = f"{event.subject_type} {event.subject_id}"
    details = ", ".join(f"{k}: {v}" for k, v in sorted(event.details.items()) if v is not None)
    detail = f"{subject} · #{event.seq}" + (f" · {details[:300]}" if details else "")
    return ListItem(f"{when} · {event.actor} · {event.action}", detail)


def history_view(history: History) -> Message:
    if not history.events:
        return Message(title=f"Audit trail of {history.subject}", text="No events yet.")
    return Message(
        title=f"Audit trail of {history.subject}",
        items=tuple(event_item(e) for e in history.events),
    )
