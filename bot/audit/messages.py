"""Messages about the audit trail: events as sentences, a subject's history, one event in full."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from bot.audit.facts import History, Names
from bot.audit.sentences import sentence, subject_ref
from bot.audit.values import HEX64, human, label, time_text
from bot.core.messages import Field, ListItem, Message, Section
from models import AuditEvent

Typed = Callable[[str], str]  # a command as the reader types it on their platform


def event_ref(seq: int) -> str:
    """An audit event's number as people see it, never `#` (that is an occurrence's)."""
    return f"event {seq}"


def event_item(event: AuditEvent, names: Names, zone: dt.tzinfo) -> ListItem:
    """One event: what happened as a sentence; when (in `zone`) and its number below."""
    when = time_text(event.occurred_at, zone)
    return ListItem(sentence(event, names, zone), f"{when} · {event_ref(event.seq)}")


def zone_name(zone: dt.tzinfo) -> str:
    return str(getattr(zone, "key", None) or zone)


def history_view(history: History, *, zone: dt.tzinfo, typed: Typed = str) -> Message:
    """`audit <subject>`: its events, newest first, and how to see one of them in full."""
    title = f"Audit trail of {history.subject}"
    if not history.events:
        return Message(title=title, text="No events yet.")
    newest = history.events[0].seq
    return Message(
        title=title,
        context=f"Newest first · times in {zone_name(zone)}",
        items=tuple(event_item(e, history.names, zone) for e in history.events),
        footer=full_record_hint(newest, typed),
    )


def full_record_hint(seq: int, typed: Typed = str) -> str:
    """How to see an event whole: its every detail and full hashes."""
    return f"One event in full, with whole hashes: {typed(f'audit {event_ref(seq)}')}"


def event_view(history: History, *, zone: dt.tzinfo) -> Message:
    """`audit event N`: one event with every detail, its full hashes and its place in the chain.

    Whole hashes are list lines, not facts: a 64-character word would widen a fact table past
    the card (Teams) and cut every value in it.
    """
    (event,) = history.events
    names = history.names
    who = names.of(event.actor)
    if "@" in event.actor and who != event.actor:
        who = f"{who} <{event.actor}>"
    if event.actor_platform:
        who += f" · {_PLATFORMS.get(event.actor_platform, event.actor_platform)}"
    utc = event.occurred_at.replace(tzinfo=event.occurred_at.tzinfo or dt.UTC)
    fields = [
        Field("When", f"{time_text(utc, zone)} ({utc.astimezone(dt.UTC):%Y-%m-%d %H:%M:%S} UTC)"),
        Field("Who", who),
        Field("Action", event.action),
        Field("Subject", f"{event.subject_type} {subject_ref(event)}"),
    ]
    hashes = []
    for key, value in event.details.items():
        shown = human(value, zone, key=key, names=names, full=True)
        if HEX64.search(shown):
            hashes.append(ListItem(shown, label(key)))
        else:
            fields.append(Field(label(key).capitalize(), shown))
    hashes += [
        ListItem(event.hash, "this event's hash"),
        ListItem(event.prev_hash, "the one before"),
    ]
    return Message(
        title=f"Audit {event_ref(event.seq)}",
        text=sentence(event, names, zone),
        fields=tuple(fields),
        sections=(Section(heading="Hashes (SHA-256)", items=tuple(hashes)),),
    )


_PLATFORMS = {"slack": "Slack", "teams": "Teams", "cli": "CLI", "scheduler": "the scheduler"}
