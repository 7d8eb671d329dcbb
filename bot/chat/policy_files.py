"""A policy's new document sent as a file in chat: which policy it is for, and recording it.

A file is one when it comes after the owner pressed "New version" in that chat, in the thread
of the owner's review DM or of the review's reminder or task card (Slack), with
`policy submit <id> <version>` in its message, or naming the review's `#N`.
Adapters ask `might_be_policy_file` first (no lookup of the sender), then
`policy_for_chat_file`, check before downloading, and record what they downloaded.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import IO

from bot.chat.commands import parse_command
from bot.chat.inbound import referenced_occurrence
from bot.chat.policies import PolicyCommand
from bot.chat.refs import UsageError
from bot.chat.runtime import Runtime
from bot.core.actor import Actor
from bot.core.messages import Message
from bot.policies import records
from bot.policies.intake import (
    awaited_policy,
    policy_under_message,
    policy_under_occurrence,
    receive_document,
    version_in_text,
)
from bot.policies.messages import submitted_view
from bot.policies.notices import asked


@dataclass(frozen=True)
class PolicyFile:
    """The policy a file is the new document of, and the version its message names."""

    key: str
    version: str | None


def _typed(text: str | None) -> PolicyFile | None:
    """`policy submit <id> <version>` as the file's message."""
    if not text or "submit" not in text.casefold():
        return None
    try:
        intent = parse_command(text)
    except UsageError:
        return None
    if isinstance(intent, PolicyCommand) and intent.verb == "submit" and intent.key:
        return PolicyFile(intent.key, intent.version)
    return None


def might_be_policy_file(
    runtime: Runtime, *, platform: str, conversation: str, text: str | None, thread: str | None
) -> bool:
    """Whether a file could be a policy's document (cheap: nobody is looked up or linked)."""
    if _typed(text) is not None:
        return True
    with runtime.db.session() as session:
        if thread and policy_under_message(
            session=session, platform=platform, channel=conversation, message_id=thread
        ):
            return True
        found = awaited_policy(
            session=session, conversation=conversation, person_id=None, now=runtime.clock(),
            take=False,
        )  # fmt: skip
        if found is not None:
            return True
        named = referenced_occurrence(text)  # `#N` of a policy's review: its new version
        return policy_under_occurrence(session=session, occurrence_id=named) is not None


def policy_for_chat_file(
    runtime: Runtime,
    actor: Actor,
    *,
    platform: str,
    conversation: str,
    text: str | None,
    thread: str | None = None,
) -> PolicyFile | None:
    """The policy a file from `actor` is the new document of (an awaited one is taken once)."""
    if (typed := _typed(text)) is not None:
        return typed
    with runtime.db.transaction() as session:
        key = None
        if thread:
            key = policy_under_message(
                session=session, platform=platform, channel=conversation, message_id=thread
            )
        key = key or awaited_policy(
            session=session, conversation=conversation, person_id=actor.person_id,
            now=runtime.clock(), take=True,
        )  # fmt: skip
        named = referenced_occurrence(text)
        key = key or policy_under_occurrence(session=session, occurrence_id=named)
    return PolicyFile(key, version_in_text(text)) if key else None


def check_policy_file(runtime: Runtime, actor: Actor, target: PolicyFile) -> None:
    """Only the policy's owner sends its documents: checked before anything is downloaded."""
    with runtime.db.session() as session:
        policy = records.get_policy_or_raise(session=session, key=target.key)
        records.check_owner(actor, policy)


def record_policy_file(
    runtime: Runtime,
    actor: Actor,
    target: PolicyFile,
    stream: IO[bytes],
    *,
    name: str,
    media_type: str | None,
) -> Message:
    """Store and hash the file, and submit it (a new version, or the revised document of the
    version in approval), in one transaction; the answer says who approves next."""
    with runtime.db.transaction() as session:
        policy = records.get_policy_or_raise(session=session, key=target.key)
        records.check_owner(actor, policy)  # before any byte is stored
        document = runtime.store.put(stream, original_name=name, media_type=media_type)  # type: ignore[arg-type]
        version = receive_document(
            session=session, actor=actor, policy_key=policy.key, version=target.version,
            now=runtime.clock(), document=document,
        )  # fmt: skip
        request, approver, reached = asked(session=session, policy=policy, version=version)
    return submitted_view(request, approver=approver, reachable=reached)
