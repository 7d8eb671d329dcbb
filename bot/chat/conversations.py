"""Conversations the bot keeps: references for proactive messages, channel ids, awaited files."""

from __future__ import annotations

from typing import Any

from bot.chat.inbound import referenced_occurrence
from bot.chat.runtime import Runtime
from bot.core.actor import Actor
from bot.outbox.channels import ChannelBook as ChannelBook
from bot.outbox.channels import MemoryChannelBook as MemoryChannelBook
from bot.outbox.channels import channel_key as channel_key
from bot.outbox.channels import is_channel_name as is_channel_name
from bot.outbox.conversations import get_reference, save_reference, take_awaited_file


def remember_reference(
    runtime: Runtime, *, platform: str, key: str, reference: dict[str, Any]
) -> None:
    """Store or refresh how to reach `key` (a person or a conversation) proactively."""
    with runtime.db.transaction() as session:
        save_reference(session=session, platform=platform, key=key, reference=reference)


def stored_reference(runtime: Runtime, key: str) -> dict[str, Any] | None:
    """The reference stored for `key` (the platform's serialized form), or None."""
    with runtime.db.session() as session:
        return get_reference(session=session, key=key)


def awaited_file(runtime: Runtime, actor: Actor, conversation: str) -> int | None:
    """The occurrence a file from `actor` is awaited for in this conversation (taken once)."""
    with runtime.db.transaction() as session:
        return take_awaited_file(
            session=session,
            conversation=conversation,
            person_id=actor.person_id or 0,
            now=runtime.clock(),
        )


def occurrence_for_chat_file(
    runtime: Runtime, actor: Actor, *, conversation: str, text: str | None
) -> int | None:
    """The occurrence a file sent in a chat is for: one #ref in its text, else the awaited one.

    A #ref wins and leaves the awaited file in place, for the next file sent without one.
    """
    named = referenced_occurrence(text)
    if named is not None:
        return named
    return awaited_file(runtime, actor, conversation)
