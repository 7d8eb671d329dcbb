"""A policy's new document arriving from chat: which policy, which version, submit or replace.

A file is a policy's new document when it comes after the owner pressed "New version" (a file
awaited in that chat for the policy's review), in the thread of the owner's review DM, or with
`policy submit <id> <version>` in its message.
"""

from __future__ import annotations

import datetime as dt
import re

from sqlmodel import Session, col, select

from bot.core.actor import Actor
from bot.evidence.store import StoredFile
from bot.outbox.inbound import find_message
from bot.policies import records
from bot.policies.notices import REVIEW_CHAT_KIND
from bot.policies.services import replace_document, submit_version
from models import AwaitedFile, Occurrence, Policy, PolicyVersion

TASK_CHAT_KIND = "task"  # a reminder or task card, as the outbox and the chat front remember them

# `version 2`, `v2`, or a dotted number (`1.2`, `2026.1`) in a file's message; a lone number
# ("fixed 2 typos") is not a version.
_NAMED = re.compile(r"\bversion[:\s]+([0-9A-Za-z][\w.\-]{0,39})", re.IGNORECASE)
_BARE = re.compile(
    r"(?:^|\s)(?:v(\d{1,9}(?:\.\d{1,9}){0,4})|(\d{1,9}(?:\.\d{1,9}){1,4}))(?=\s|$|[,;!?])",
    re.IGNORECASE,
)
_LAST_NUMBER = re.compile(r"(\d+)(?!.*\d)", re.S)


def version_in_text(text: str | None) -> str | None:
    """The version a file's message names (`version 1.2`, `v1.2`, `1.2`), else None."""
    if named := _NAMED.search(text or ""):
        return named.group(1).rstrip(".")
    bare = _BARE.search(text or "")
    return (bare.group(1) or bare.group(2)) if bare else None


def next_version(current: str | None, taken: set[str]) -> str:
    """The version after `current` (its last number plus one: 1.0 → 1.1, v3 → v4), unused."""
    base = current or "0"
    candidate = base
    while candidate in taken or candidate == base:
        match = _LAST_NUMBER.search(candidate)
        if match is None:
            candidate = f"{candidate}.1"
            continue
        start, end = match.span(1)
        candidate = f"{candidate[:start]}{int(match.group(1)) + 1}{candidate[end:]}"
    return candidate[: records.MAX_VERSION]


def suggested_version(*, session: Session, policy: Policy) -> str:
    """The version a new document gets when its message names none."""
    pending = records.in_flight(session=session, policy=policy)
    if pending is not None:
        return pending.version  # its revised document
    taken = set(
        session.exec(select(PolicyVersion.version).where(PolicyVersion.policy_id == policy.id))
    )
    current = records.current(session=session, policy=policy)
    return next_version(current.version if current else None, taken)


def receive_document(
    *,
    session: Session,
    actor: Actor,
    policy_key: str,
    version: str | None,
    now: dt.datetime,
    document: StoredFile | None = None,
    link: str | None = None,
    sha256: str | None = None,
) -> PolicyVersion:
    """A new document from the owner: a new version, or (same version, or none named, while
    one is in approval) the revised document of the version in approval."""
    policy = records.get_policy_or_raise(session=session, key=policy_key)
    records.check_owner(actor, policy)
    pending = records.in_flight(session=session, policy=policy)
    named = records.clean_version(version) if version else None
    if pending is not None and named in (None, pending.version):
        return replace_document(
            session=session, actor=actor, version_id=pending.id or 0, now=now,
            document=document, link=link, sha256=sha256,
        )  # fmt: skip
    return submit_version(
        session=session, actor=actor, policy_key=policy.key, now=now, document=document,
        version=named or suggested_version(session=session, policy=policy), link=link,
        sha256=sha256,
    )  # fmt: skip


def _policy_of_occurrence(session: Session, occurrence_id: int | None) -> Policy | None:
    if occurrence_id is None:
        return None
    occurrence = session.get(Occurrence, occurrence_id)
    if occurrence is None:
        return None
    query = select(Policy).where(
        Policy.task_id == occurrence.task_id, col(Policy.retired_at).is_(None)
    )
    return session.exec(query).first()


def awaited_policy(
    *, session: Session, conversation: str, person_id: int | None, now: dt.datetime, take: bool
) -> str | None:
    """The policy whose new document is awaited from this person here (`take`: only once)."""
    query = select(AwaitedFile).where(
        AwaitedFile.conversation == conversation, col(AwaitedFile.occurrence_id).is_not(None)
    )
    if person_id is not None:
        query = query.where(AwaitedFile.person_id == person_id)
    row = session.exec(query).first()
    policy = _policy_of_occurrence(session, row.occurrence_id) if row else None
    if row is None or policy is None or row.expires_at <= now:
        return None
    if take:
        session.delete(row)
        session.flush()
    return policy.key


def policy_under_occurrence(*, session: Session, occurrence_id: int | None) -> str | None:
    """The policy whose review `occurrence_id` is (a file naming its `#N` is the new document)."""
    policy = _policy_of_occurrence(session, occurrence_id)
    return policy.key if policy else None


def policy_under_message(
    *, session: Session, platform: str, channel: str, message_id: str
) -> str | None:
    """The policy whose review `message_id` is about: the owner's review DM, or a reminder or
    task card of the review (a file in its thread is the new document, never loose evidence)."""
    row = find_message(session=session, platform=platform, channel=channel, message_id=message_id)
    if row is None or row.kind not in (REVIEW_CHAT_KIND, TASK_CHAT_KIND):
        return None
    policy = _policy_of_occurrence(session, row.occurrence_id)
    return policy.key if policy else None
