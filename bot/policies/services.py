"""The owner's side of a policy's review: "no changes", a new version, a replaced document.

Approvals and publication are in `bot.policies.approvals`. Every change writes its audit
event in the caller's transaction; a refusal raises before anything is written.
"""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session, col, select

from bot.core.actor import Actor
from bot.core.errors import Conflict
from bot.evidence.services import add_evidence, file_evidence
from bot.evidence.store import StoredFile
from bot.policies import records
from bot.policies.facts import ReviewAnswered
from bot.policies.messages import no_changes_statement, subject
from bot.policies.notices import queue_approval
from bot.work.occurrences import mark_done
from models import (
    Evidence,
    EvidenceKind,
    Occurrence,
    Policy,
    PolicyApproval,
    PolicyVersion,
    VersionStatus,
)


def answer_no_changes(
    *, session: Session, actor: Actor, policy_key: str, now: dt.datetime
) -> ReviewAnswered:
    """The owner (or an admin, on their behalf) confirms the published version as it is."""
    policy = records.get_policy_or_raise(session=session, key=policy_key)
    on_behalf = records.check_owner(actor, policy, admins=True)
    occurrence = _open_review_or_raise(session, policy, now)
    pending = records.in_flight(session=session, policy=policy)
    if pending is not None:
        raise Conflict(
            f"Version {pending.version} of {policy.title} is on its way to approval; "
            "its publication completes the review."
        )
    version = records.current(session=session, policy=policy)
    if version is None:
        raise Conflict(f"{policy.title} has no published version yet: send it with New version.")
    statement = no_changes_statement(policy.title, version.version)
    evidence = Evidence(
        occurrence_id=occurrence.id, kind=EvidenceKind.ATTESTATION, statement=statement,
        submitted_by_id=actor.person_id, platform=actor.platform, submitted_at=now,
    )  # fmt: skip
    add_evidence(session=session, actor=actor, occurrence=occurrence, evidence=evidence)
    mark_done(session=session, occ=occurrence, actor=actor, now=now)
    details = {
        "answer": "no changes",
        "version_id": version.id,
        "version": version.version,
        "sha256": version.sha256,
        "occurrence": occurrence.id,
        "on_behalf": True if on_behalf else None,
    }
    records.log_event(session, actor, "policy.reviewed", policy, details)
    return ReviewAnswered(policy.key, policy.title, version.version, occurrence.id or 0, statement)


def submit_version(
    *,
    session: Session,
    actor: Actor,
    policy_key: str,
    version: str,
    now: dt.datetime,
    document: StoredFile | None = None,
    link: str | None = None,
    sha256: str | None = None,
    note: str | None = None,
) -> PolicyVersion:
    """The owner's new version (a stored file, or a link with its SHA-256) goes to approver 1.

    An earlier version not yet published is withdrawn; a file is kept as evidence of the
    open review, which the publication completes.
    """
    policy = records.get_policy_or_raise(session=session, key=policy_key)
    records.check_owner(actor, policy)
    number = records.clean_version(version)
    link, digest = records.check_document(document, link, sha256)
    note = records.clean_note(note)
    if not policy.approver_ids:
        raise Conflict(f"{policy.title} has no approvers in the catalog; ask an admin.")
    _check_new(session, policy, number)
    withdrawn = _withdraw_unpublished(session, policy)
    occurrence = records.open_review(session=session, policy=policy, now=now)
    row = PolicyVersion(
        policy_id=policy.id or 0, version=number, status=VersionStatus.AWAITING_APPROVAL,
        sha256=digest, link=link, note=note, submitted_by_id=actor.person_id, submitted_at=now,
        occurrence_id=occurrence.id if occurrence else None,
    )  # fmt: skip
    _set_document(row, document, link)
    session.add(row)
    session.flush()
    _attach(session, actor, policy, row, occurrence, document, now)
    details = {
        "version_id": row.id,
        "version": number,
        "sha256": digest,
        "document": records.document_of(row),
        "withdrawn": withdrawn,
        "occurrence": row.occurrence_id,
        "note": note,
    }
    records.log_event(session, actor, "policy.version_submitted", policy, details)
    queue_approval(session=session, policy=policy, version=row)
    return row


def replace_document(
    *,
    session: Session,
    actor: Actor,
    version_id: int,
    now: dt.datetime,
    document: StoredFile | None = None,
    link: str | None = None,
    sha256: str | None = None,
) -> PolicyVersion:
    """The owner changes the document of a version not yet published: every earlier approval
    stops counting, and approvals start again with approver 1."""
    row, policy = records.get_version_or_raise(session=session, version_id=version_id)
    records.check_owner(actor, policy)
    if row.status not in records.IN_FLIGHT:
        raise Conflict(
            f"Version {row.version} of {policy.title} is {row.status.value.replace('_', ' ')}; "
            "its document never changes. Send a new version instead."
        )
    link, digest = records.check_document(document, link, sha256)
    if digest == row.sha256:
        raise Conflict("That is the same document (same SHA-256): nothing changed.")
    earlier = session.exec(
        select(PolicyApproval).where(
            PolicyApproval.version_id == row.id, col(PolicyApproval.invalidated_at).is_(None)
        )
    ).all()
    for approval in earlier:
        approval.invalidated_at = now
        session.add(approval)
    old = row.sha256
    row.sha256, row.status = digest, VersionStatus.AWAITING_APPROVAL
    _set_document(row, document, link)
    session.add(row)
    occurrence = records.open_review(session=session, policy=policy, now=now)
    _attach(session, actor, policy, row, occurrence, document, now)
    details = {
        "version_id": row.id,
        "version": row.version,
        "from_sha256": old,
        "sha256": digest,
        "document": records.document_of(row),
        "invalidated": len(earlier),
    }
    records.log_event(session, actor, "policy.document_replaced", policy, details)
    queue_approval(session=session, policy=policy, version=row)
    return row


def _open_review_or_raise(session: Session, policy: Policy, now: dt.datetime) -> Occurrence:
    occurrence = records.open_review(session=session, policy=policy, now=now)
    if occurrence is None:
        raise Conflict(f"The review of {policy.title} is not open now; there is nothing to answer.")
    return occurrence


def _check_new(session: Session, policy: Policy, number: str) -> None:
    query = select(PolicyVersion).where(
        PolicyVersion.policy_id == policy.id, PolicyVersion.version == number
    )
    if (found := session.exec(query).first()) is not None:
        raise Conflict(
            f"{subject(policy.title, number)} already exists "
            f"({found.status.value.replace('_', ' ')}): give the new document another version."
        )


def _withdraw_unpublished(session: Session, policy: Policy) -> list[str]:
    query = select(PolicyVersion).where(
        PolicyVersion.policy_id == policy.id, col(PolicyVersion.status).in_(records.IN_FLIGHT)
    )
    withdrawn = []
    for earlier in session.exec(query.with_for_update()).all():
        earlier.status = VersionStatus.WITHDRAWN
        session.add(earlier)
        withdrawn.append(earlier.version)
    return withdrawn


def _set_document(row: PolicyVersion, document: StoredFile | None, link: str | None) -> None:
    row.link = link
    row.document_name = document.original_name if document else None
    row.storage_key = document.key if document else None
    row.media_type = document.media_type if document else None
    row.size = document.size if document else None


def _attach(
    session: Session,
    actor: Actor,
    policy: Policy,
    row: PolicyVersion,
    occurrence: Occurrence | None,
    document: StoredFile | None,
    now: dt.datetime,
) -> None:
    """A new document is evidence of the open review (which stays open until publication)."""
    if document is None or occurrence is None:
        return
    note = f"{subject(policy.title, row.version)}, submitted for approval"
    evidence = file_evidence(document, actor, now, occurrence_id=occurrence.id, note=note)
    add_evidence(session=session, actor=actor, occurrence=occurrence, evidence=evidence)
