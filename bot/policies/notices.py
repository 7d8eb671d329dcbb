"""Policy DMs, queued in the outbox: the owner's review, each approver's turn, the answers."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlmodel import Session, col, select

from bot.core.messages import Message
from bot.core.program import program_today
from bot.outbox.queue import Outgoing, enqueue_message, queued_keys
from bot.policies import records
from bot.policies.facts import ApprovalRequest, ReviewRequest
from bot.policies.messages import (
    approval_card_view,
    changes_requested_view,
    published_view,
    review_card_view,
)
from bot.reminders.recipients import load_addresses
from models import Occurrence, OccurrenceStatus, Policy, PolicyVersion, Program

KIND = "policy"
REVIEW_CHAT_KIND = "policy_review"  # a file in the thread of such a DM is the new version


def _queue(
    session: Session, person_id: int, key: str, message: Message, meta: dict[str, Any]
) -> bool:
    """Queue a DM to a person; False when they have no chat account linked yet."""
    address = load_addresses(session=session, person_ids=[person_id]).get(person_id)
    if address is None:
        return False
    outgoing = Outgoing(
        key=key, platform=address.platform, recipient=address.recipient, message=message,
        kind=KIND, meta=meta,
    )  # fmt: skip
    enqueue_message(session=session, outgoing=outgoing)
    return True


def approval_request(
    *, session: Session, policy: Policy, version: PolicyVersion, step: int
) -> ApprovalRequest:
    """The facts of an approver's card for `version` at `step`."""
    by = records.names(session=session, ids=[version.submitted_by_id]).get(
        version.submitted_by_id or 0, "the catalog"
    )
    return ApprovalRequest(
        version_id=version.id or 0, policy_id=policy.id or 0, policy_key=policy.key,
        title=policy.title, version=version.version, document=records.document_of(version),
        link=version.link, sha256=version.sha256, submitted_by=by, step=step,
        steps=len(policy.approver_ids), note=version.note,
    )  # fmt: skip


def queue_approval(*, session: Session, policy: Policy, version: PolicyVersion) -> tuple[str, bool]:
    """DM the approver whose turn it is; (their name, whether they have a chat account).

    One message per version, step and document hash: a changed document asks again.
    """
    step = records.next_step(session=session, version=version)
    approver = policy.approver_ids[step - 1]
    name = records.names(session=session, ids=[approver]).get(approver, "the approver")
    request = approval_request(session=session, policy=policy, version=version, step=step)
    key = f"policy:{version.id}:step{step}:{version.sha256}"
    meta = {"chat_kind": "policy_approval", "policy_version_id": version.id}
    reached = _queue(session, approver, key, approval_card_view(request), meta)
    return name, reached


def asked(
    *, session: Session, policy: Policy, version: PolicyVersion
) -> tuple[ApprovalRequest, str, bool]:
    """Whose turn it is on `version`: their card's facts, their name, whether chat reaches them."""
    step = records.next_step(session=session, version=version)
    approver = policy.approver_ids[min(step, len(policy.approver_ids)) - 1]
    name = records.names(session=session, ids=[approver]).get(approver, "the approver")
    reached = approver in load_addresses(session=session, person_ids=[approver])
    return (
        approval_request(session=session, policy=policy, version=version, step=step),
        name,
        reached,
    )


def _review_meta(occurrence_id: int | None) -> dict[str, Any]:
    """Linked to the review's occurrence, so that a file in the DM's thread is the new one."""
    if occurrence_id is None:
        return {"chat_kind": REVIEW_CHAT_KIND}
    return {"occurrence_id": occurrence_id, "chat_kind": REVIEW_CHAT_KIND}


def queue_changes_requested(
    *,
    session: Session,
    policy: Policy,
    version: PolicyVersion,
    approval_id: int,
    step: int,
    by: str,
    comment: str,
    occurrence_id: int | None,
) -> bool:
    """DM the owner the approver's comment, with the button to send a revised document."""
    request = approval_request(session=session, policy=policy, version=version, step=step)
    message = changes_requested_view(request, by=by, comment=comment)
    key = f"policy:{version.id}:changes:{approval_id}"
    return _queue(session, policy.owner_id, key, message, _review_meta(occurrence_id))


def queue_published(
    *,
    session: Session,
    policy: Policy,
    version: PolicyVersion,
    enrolled: int,
    unreachable: int,
) -> bool:
    """DM the owner that the version is published and its round has started."""
    message = published_view(
        policy.title, version.version, campaign_id=version.campaign_id, enrolled=enrolled,
        unreachable=unreachable,
    )  # fmt: skip
    return _queue(session, policy.owner_id, f"policy:{version.id}:published", message, {})


def review_request(*, session: Session, policy: Policy, occurrence: Occurrence) -> ReviewRequest:
    """The facts of the owner's review card for this occurrence."""
    version = records.current(session=session, policy=policy)
    return ReviewRequest(
        policy_id=policy.id or 0, policy_key=policy.key, title=policy.title,
        version=version.version if version else None,
        document=records.document_of(version) if version else None,
        sha256=version.sha256 if version else None, occurrence_id=occurrence.id or 0,
        due_on=occurrence.due_on,
    )  # fmt: skip


def review_key(occurrence_id: int) -> str:
    return f"policy-review:{occurrence_id}"


def queue_policy_reviews(*, session: Session, now: dt.datetime) -> int:
    """DM each owner whose policy review has opened (once per review); how many were queued.

    A policy with a version already on its way to publication is not asked again.
    """
    program = session.get(Program, 1)
    if program is None:  # no catalog loaded yet: no policies either
        return 0
    today = program_today(program, now)
    rows = session.exec(
        select(Policy, Occurrence)
        .join(Occurrence, col(Occurrence.task_id) == Policy.task_id)
        .where(
            col(Policy.retired_at).is_(None),
            Occurrence.status == OccurrenceStatus.PENDING,
            col(Occurrence.period_start) <= today,
        )
        .order_by(col(Occurrence.due_at))
    ).all()
    asked = queued_keys(session=session, keys=[review_key(o.id or 0) for _, o in rows])
    queued, seen = 0, set()
    for policy, occurrence in rows:  # the earliest due of each policy's open reviews
        key = review_key(occurrence.id or 0)
        if policy.id in seen:
            continue
        seen.add(policy.id)
        if key in asked or records.in_flight(session=session, policy=policy) is not None:
            continue
        request = review_request(session=session, policy=policy, occurrence=occurrence)
        meta = _review_meta(occurrence.id)
        queued += _queue(session, policy.owner_id, key, review_card_view(request), meta)
    return queued
