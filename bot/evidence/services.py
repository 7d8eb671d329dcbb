"""Evidence: confirm by attestation, attach files, supersede with a reason; never delete."""

from __future__ import annotations

import datetime as dt
from typing import BinaryIO

from sqlmodel import Session, col, select

from bot.audit.trail import format_time, record_event
from bot.core.actor import Actor
from bot.core.errors import Conflict, InvalidInput, NotFound
from bot.core.permissions import Action, require
from bot.core.program import local_day, program_zone
from bot.evidence.expiry import stamp_expiry
from bot.evidence.store import EvidenceStore, StoredFile
from bot.work.messages import default_statement
from bot.work.occurrences import check_can_complete, get_occurrence_or_raise, mark_done
from bot.work.policy_reviews import refuse_policy_review
from models import (
    Evidence,
    EvidenceKind,
    EvidenceRequirement,
    Occurrence,
    OccurrenceStatus,
    Task,
)

MAX_NOTE = 2000


def complete_by_attestation(
    *,
    session: Session,
    actor: Actor,
    occurrence_id: int,
    now: dt.datetime,
    statement: str | None = None,
    note: str | None = None,
) -> Evidence:
    """Record the caller's confirmation, stored verbatim, and mark the work done."""
    occ = get_occurrence_or_raise(session=session, occurrence_id=occurrence_id)
    check_can_complete(session, actor, occ, now=now)
    task = _task(session, occ)
    if occ.status is OccurrenceStatus.DONE:
        raise Conflict(f"#{occ.id} is already done{_done_on(session, occ)}.")
    refuse_policy_review(session=session, occurrence=occ)  # answered through its policy
    if task.evidence is EvidenceRequirement.FILE:
        raise Conflict(
            f"“{task.title}” needs a file as evidence: `evidence {occ.id}` says how to attach one."
        )
    text = statement or default_statement(task_title=task.title, period_key=occ.period_key)
    evidence = Evidence(
        occurrence_id=occ.id,
        kind=EvidenceKind.ATTESTATION,
        statement=text.strip(),
        note=_note(note),
        submitted_by_id=actor.person_id,
        platform=actor.platform,
        submitted_at=now,
    )
    _record(session, actor, occ, evidence)
    mark_done(session=session, occ=occ, actor=actor, now=now)
    return evidence


def attach_file_evidence(
    *,
    session: Session,
    store: EvidenceStore,
    actor: Actor,
    occurrence_id: int,
    stream: BinaryIO,
    original_name: str,
    now: dt.datetime,
    media_type: str | None = None,
    note: str | None = None,
) -> Evidence:
    """Store, hash and record a file; it completes the work when the task takes files."""
    occ = get_occurrence_or_raise(session=session, occurrence_id=occurrence_id)
    check_can_complete(session, actor, occ, now=now)  # before any byte is stored
    refuse_policy_review(session=session, occurrence=occ)  # a file there is a new version
    clean_note = _note(note)
    stored = store.put(stream, original_name=original_name, media_type=media_type)
    evidence = file_evidence(stored, actor, now, occurrence_id=occ.id, note=clean_note)
    _record(session, actor, occ, evidence)
    takes_files = _task(session, occ).evidence is not EvidenceRequirement.ATTESTATION
    if occ.status is OccurrenceStatus.PENDING and takes_files:
        mark_done(session=session, occ=occ, actor=actor, now=now)
    return evidence


def add_evidence(
    *, session: Session, actor: Actor, occurrence: Occurrence, evidence: Evidence
) -> Evidence:
    """Record evidence on an occurrence and log it, leaving its state to the caller (a policy's
    new version is evidence of its review before the review is done)."""
    _record(session, actor, occurrence, evidence)
    return evidence


def file_evidence(
    stored: StoredFile,
    actor: Actor,
    now: dt.datetime,
    *,
    occurrence_id: int | None = None,
    campaign_id: int | None = None,
    note: str | None = None,
) -> Evidence:
    """An evidence row for a file already in the store (not yet added to the session)."""
    return Evidence(
        occurrence_id=occurrence_id,
        campaign_id=campaign_id,
        kind=EvidenceKind.FILE,
        note=note,
        original_name=stored.original_name,
        size=stored.size,
        media_type=stored.media_type,
        sha256=stored.sha256,
        storage_key=stored.key,
        submitted_by_id=actor.person_id,
        platform=actor.platform,
        submitted_at=now,
    )


def supersede_evidence(
    *, session: Session, actor: Actor, evidence_id: int, reason: str, now: dt.datetime
) -> Evidence:
    """Admin: mark evidence as superseded (kept, no longer counted); reopen work it alone closed."""
    require(actor, Action.SUPERSEDE_EVIDENCE)
    if len(reason.strip()) < 3:
        raise InvalidInput("Give a reason for superseding evidence (it goes into the audit trail).")
    evidence = session.get(Evidence, evidence_id)
    if evidence is None:
        raise NotFound(f"There is no evidence {evidence_id}.")
    if evidence.superseded_at is not None:
        raise Conflict(f"Evidence {evidence_id} was already superseded.")
    evidence.superseded_at, evidence.superseded_by_id = now, actor.person_id
    evidence.supersede_reason = reason.strip()
    session.add(evidence)
    record_event(
        session=session,
        actor=actor,
        action="evidence.superseded",
        subject_type="evidence",
        subject_id=str(evidence_id),
        details={"reason": evidence.supersede_reason, "occurrence": evidence.occurrence_id},
    )
    if evidence.occurrence_id is not None:
        _reopen_if_unproven(session, actor, evidence.occurrence_id)
    return evidence


def accepted_evidence(*, session: Session, occurrence_id: int) -> list[Evidence]:
    """Evidence of an occurrence that still counts, oldest first."""
    return list(
        session.exec(
            select(Evidence)
            .where(Evidence.occurrence_id == occurrence_id, col(Evidence.superseded_at).is_(None))
            .order_by(col(Evidence.submitted_at))
        ).all()
    )


def _reopen_if_unproven(session: Session, actor: Actor, occurrence_id: int) -> None:
    occ = get_occurrence_or_raise(session=session, occurrence_id=occurrence_id)
    occ.proven = bool(accepted_evidence(session=session, occurrence_id=occurrence_id))
    session.add(occ)
    if occ.proven or occ.status is not OccurrenceStatus.DONE:
        return
    occ.status, occ.completed_at, occ.completed_by_id = OccurrenceStatus.PENDING, None, None
    session.add(occ)
    record_event(
        session=session,
        actor=actor,
        action="occurrence.reopened",
        subject_type="occurrence",
        subject_id=str(occurrence_id),
        details={"reason": "its only evidence was superseded"},
    )


def get_evidence_requirement(*, session: Session, occurrence: Occurrence) -> EvidenceRequirement:
    """What evidence the occurrence's task takes: a file, an attestation, or either."""
    return _task(session, occurrence).evidence


def _done_on(session: Session, occ: Occurrence) -> str:
    """` (Mon 01 Dec 2025)`: the day it was done, in the program's timezone as `status`."""
    if occ.completed_at is None:
        return ""
    return f" ({local_day(occ.completed_at, program_zone(session=session)):%a %d %b %Y})"


def _task(session: Session, occ: Occurrence) -> Task:
    task = session.get(Task, occ.task_id)
    assert task is not None  # foreign key
    return task


def _note(note: str | None) -> str | None:
    if note is None or not note.strip():
        return None
    if len(note) > MAX_NOTE:
        raise InvalidInput(f"The note is too long ({len(note)} characters; at most {MAX_NOTE}).")
    return note.strip()


def _record(session: Session, actor: Actor, occ: Occurrence, evidence: Evidence) -> None:
    occ.proven = True
    stamp_expiry(session, evidence)
    session.add_all([occ, evidence])
    session.flush()
    # The evidence's id and time are in the event, so the bundle's verifier can check them.
    details = {
        "occurrence": occ.id,
        "evidence": evidence.id,
        "at": format_time(evidence.submitted_at),
        "kind": evidence.kind.value,
        "sha256": evidence.sha256,
        "name": evidence.original_name,
        "size": evidence.size,
        "statement": evidence.statement,
        "note": evidence.note,  # what the person added, in their words, for the auditor
        "expires_at": format_time(evidence.expires_at) if evidence.expires_at else None,
    }
    record_event(
        session=session,
        actor=actor,
        action="evidence.submitted",
        subject_type="occurrence",
        subject_id=str(occ.id),
        details={k: v for k, v in details.items() if v is not None},
    )
