"""Approvals in order, by the approver whose turn it is, and the publication after the last.

Segregation of duties: a policy's owner never approves it, and an auditor never approves.
An approval is bound to the document's SHA-256: once the document changes it stops counting.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from sqlmodel import Session, col, select

from bot.audit.trail import format_time
from bot.campaigns.rounds import start_policy_campaign
from bot.core.actor import Actor
from bot.core.errors import Conflict, InvalidInput, PermissionDenied
from bot.core.permissions import Action, require
from bot.core.program import local_day, program_zone
from bot.evidence.services import add_evidence, file_evidence
from bot.policies import records
from bot.policies.facts import Decided
from bot.policies.messages import day, subject
from bot.policies.notices import queue_approval, queue_changes_requested, queue_published
from bot.work.occurrences import mark_done
from models import (
    ApprovalDecision,
    Evidence,
    EvidenceKind,
    Occurrence,
    OccurrenceStatus,
    Policy,
    PolicyApproval,
    PolicyVersion,
    Role,
    VersionStatus,
)

MAX_COMMENT = 2000


def decide_version(
    *,
    session: Session,
    actor: Actor,
    version_id: int,
    approve: bool,
    now: dt.datetime,
    comment: str | None = None,
    sha256: str | None = None,
) -> Decided:
    """The approver whose turn it is approves the version, or asks for changes (with a comment).

    `sha256`: the document's hash as the approver's card showed it; a card older than the
    document is refused. After the last approval the version is published.
    """
    version, policy = records.get_version_or_raise(session=session, version_id=version_id)
    step = _check_turn(session, actor, policy, version)
    if sha256 is not None and sha256.strip().lower() != version.sha256:
        raise Conflict(
            "The document changed after this card was sent; the newest card shows the one "
            "to decide on."
        )
    text = _comment(comment, required=not approve)
    decision = ApprovalDecision.APPROVED if approve else ApprovalDecision.CHANGES_REQUESTED
    approval = PolicyApproval(
        version_id=version.id or 0, step=step, approver_id=actor.person_id or 0,
        decision=decision, sha256=version.sha256, comment=text, decided_at=now,
    )  # fmt: skip
    session.add(approval)
    session.flush()
    steps = len(policy.approver_ids)
    details = {
        "version_id": version.id,
        "version": version.version,
        "step": step,
        "steps": steps,
        "sha256": version.sha256,
        "comment": text,
    }
    action = "policy.approved" if approve else "policy.changes_requested"
    records.log_event(session, actor, action, policy, details)
    facts = Decided(policy.key, policy.title, version.version, approve, step, steps, comment=text)
    if not approve:
        version.status = VersionStatus.CHANGES_REQUESTED
        session.add(version)
        by = records.names(session=session, ids=[actor.person_id]).get(actor.person_id or 0)
        queue_changes_requested(
            session=session, policy=policy, version=version, approval_id=approval.id or 0,
            step=step, by=by or actor.label, comment=text or "",
            occurrence_id=_review_of(session, policy, version, now),
        )  # fmt: skip
        return facts
    if step < steps:
        name, _ = queue_approval(session=session, policy=policy, version=version)
        return replace(facts, next_approver=name)
    return _publish(session, policy, version, facts, now)


def check_turn(*, session: Session, actor: Actor, version_id: int) -> int:
    """The step the actor would decide now; refused as a decision would be, otherwise."""
    version, policy = records.get_version_or_raise(
        session=session, version_id=version_id, lock=False
    )
    return _check_turn(session, actor, policy, version)


def _check_turn(session: Session, actor: Actor, policy: Policy, version: PolicyVersion) -> int:
    """The step the actor decides; refused (nothing written) unless it is theirs, now."""
    require(actor, Action.OWN_WORK)  # auditors are read-only: they never approve
    if actor.role is Role.AUDITOR:
        raise PermissionDenied("Sorry, auditors never approve policies.")
    if actor.person_id is not None and actor.person_id == policy.owner_id:
        raise PermissionDenied(
            f"Sorry, you own {policy.title}: its owner never approves it (segregation of duties)."
        )
    if actor.person_id is None or actor.person_id not in policy.approver_ids:
        raise PermissionDenied(f"Sorry, you are not an approver of {policy.title}.")
    if version.status is VersionStatus.CHANGES_REQUESTED:
        raise Conflict(
            f"Changes were requested on {subject(policy.title, version.version)}; you will be "
            "asked again once the owner sends the revised document."
        )
    if version.status is not VersionStatus.AWAITING_APPROVAL:
        shown = version.status.value.replace("_", " ")
        raise Conflict(f"{subject(policy.title, version.version)} is {shown}: nothing to decide.")
    step = records.next_step(session=session, version=version)
    if step > len(policy.approver_ids):  # the catalog dropped an approver after they approved
        raise Conflict(f"Every approver of {policy.title} has approved; ask an admin.")
    if policy.approver_ids[step - 1] == actor.person_id:
        return step
    mine = [i + 1 for i, who in enumerate(policy.approver_ids) if who == actor.person_id]
    if all(s < step for s in mine):
        raise Conflict(f"You already approved {subject(policy.title, version.version)}.")
    waiting = policy.approver_ids[step - 1]
    name = records.names(session=session, ids=[waiting]).get(waiting, "another approver")
    raise PermissionDenied(
        f"Sorry, not your turn yet: {policy.title} waits for {name} (step {step} of "
        f"{len(policy.approver_ids)}); you are step {mine[0]}. You will get a message then."
    )


def _comment(comment: str | None, *, required: bool) -> str | None:
    text = (comment or "").strip()
    if required and len(text) < 3:
        raise InvalidInput("Say what should change: requesting changes needs a comment.")
    if len(text) > MAX_COMMENT:
        raise InvalidInput(f"The comment is too long ({len(text)} characters; at most 2000).")
    return text or None


def _review_of(
    session: Session, policy: Policy, version: PolicyVersion, now: dt.datetime
) -> int | None:
    """The review occurrence a version answers: the one it was submitted for, while pending."""
    if version.occurrence_id is not None:
        occurrence = session.get(Occurrence, version.occurrence_id)
        if occurrence is not None and occurrence.status is OccurrenceStatus.PENDING:
            return occurrence.id
    found = records.open_review(session=session, policy=policy, now=now)
    return found.id if found else None


def _publish(
    session: Session, policy: Policy, version: PolicyVersion, facts: Decided, now: dt.datetime
) -> Decided:
    """Publish after the last approval: supersede the previous version, start its round,
    and complete the review. Done by soc2bot itself, on the approvers' decisions."""
    system = Actor.scheduler()
    previous = records.current(session=session, policy=policy)
    if previous is not None and previous.id != version.id:
        previous.status = VersionStatus.SUPERSEDED
        session.add(previous)
    version.status, version.published_at = VersionStatus.PUBLISHED, now
    policy.current_version_id, policy.updated_at = version.id, now
    started = start_policy_campaign(
        session=session, actor=system, title=policy.title, version=version.version, now=now,
        link=version.link, document=records.stored_file(version), audience=policy.audience,
    )  # fmt: skip
    version.campaign_id = started.campaign.id
    session.add_all([version, policy])
    approvals = records.valid_approvals(session=session, version=version)
    who = records.emails(session=session, ids=[a.approver_id for a in approvals])
    occurrence_id = _review_of(session, policy, version, now)
    if occurrence_id is not None:
        _complete_review(session, system, policy, version, occurrence_id, approvals, now)
    chain = [{"step": a.step, "approver": email, "at": format_time(a.decided_at),
              "sha256": a.sha256} for a, email in zip(approvals, who, strict=True)]  # fmt: skip
    details = {
        "version_id": version.id,
        "version": version.version,
        "sha256": version.sha256,
        "campaign": started.campaign.id,
        "people": started.enrolled,
        "superseded": previous.version if previous else None,
        "approvals": chain,
        "occurrence": occurrence_id,
    }
    records.log_event(session, system, "policy.published", policy, details)
    queue_published(
        session=session, policy=policy, version=version, enrolled=started.enrolled,
        unreachable=len(started.unreachable),
    )  # fmt: skip
    return replace(
        facts, published=True, campaign_id=started.campaign.id, enrolled=started.enrolled
    )


def _complete_review(
    session: Session,
    actor: Actor,
    policy: Policy,
    version: PolicyVersion,
    occurrence_id: int,
    approvals: list[PolicyApproval],
    now: dt.datetime,
) -> None:
    """The review is done: the document (unless already there) and the approvals as evidence."""
    occurrence = session.get(Occurrence, occurrence_id)
    assert occurrence is not None  # found pending just before
    stored = records.stored_file(version)
    has_file = session.exec(
        select(Evidence.id).where(
            Evidence.occurrence_id == occurrence_id,
            Evidence.sha256 == version.sha256,
            col(Evidence.superseded_at).is_(None),
        )
    ).first()
    if stored is not None and has_file is None:
        note = f"{subject(policy.title, version.version)}, as published"
        evidence = file_evidence(stored, actor, now, occurrence_id=occurrence_id, note=note)
        add_evidence(session=session, actor=actor, occurrence=occurrence, evidence=evidence)
    names = records.names(session=session, ids=[a.approver_id for a in approvals])
    zone = program_zone(session=session)
    by = ", ".join(
        f"{names.get(a.approver_id, '?')} ({day(local_day(a.decided_at, zone))})" for a in approvals
    )
    statement = (
        f"Published {subject(policy.title, version.version)} (SHA-256 {version.sha256}), "
        f"approved by {by}."
    )
    attested = Evidence(
        occurrence_id=occurrence_id, kind=EvidenceKind.ATTESTATION, statement=statement,
        platform=actor.platform, submitted_at=now,
    )  # fmt: skip
    add_evidence(session=session, actor=actor, occurrence=occurrence, evidence=attested)
    mark_done(session=session, occ=occurrence, actor=actor, now=now)
