"""Inbound chat events: dedupe redeliveries, and tell which task a posted message is about."""

from __future__ import annotations

import re

from bot.chat.runtime import Runtime
from bot.outbox.inbound import claim_event, find_message

# `#123` or `occ-123` in a message's text names an occurrence.
OCCURRENCE_REF = re.compile(r"(?:^|\s)(?:#|occ-)(\d{1,12})\b", re.IGNORECASE)


def first_delivery(runtime: Runtime, *, platform: str, event_id: str) -> bool:
    """True the first time an event (activity) id is seen; a platform's redelivery gets False."""
    with runtime.db.transaction() as session:
        return claim_event(session=session, platform=platform, event_id=event_id)


def occurrence_refs(text: str | None) -> list[str]:
    """The distinct occurrence numbers a message's text names, sorted (as text)."""
    return sorted(set(OCCURRENCE_REF.findall(text or "")))


def referenced_occurrence(text: str | None) -> int | None:
    """The occurrence a message names when it names exactly one, else None."""
    refs = occurrence_refs(text)
    return int(refs[0]) if len(refs) == 1 else None


def occurrence_under_message(
    runtime: Runtime, *, platform: str, channel: str, message_id: str
) -> int | None:
    """The occurrence of the bot's task message `message_id` (a thread's parent), if it is one."""
    with runtime.db.session() as session:
        row = find_message(
            session=session, platform=platform, channel=channel, message_id=message_id
        )
        return row.occurrence_id if row else None


def occurrence_for_thread_file(
    runtime: Runtime,
    *,
    platform: str,
    channel: str,
    thread: str | None,
    text: str | None,
    direct: bool,
) -> int | None:
    """The occurrence a shared file is for: its thread's task message, or one #ref in a DM.

    In a channel only the thread counts: a number typed there may be about anything.
    """
    if thread:
        found = occurrence_under_message(
            runtime, platform=platform, channel=channel, message_id=thread
        )
        if found is not None:
            return found
    return referenced_occurrence(text) if direct else None
