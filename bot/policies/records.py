"""Policy records: policies, versions, approvals that count, and each policy's open review."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping

from sqlmodel import Session, col, select

from bot.audit.trail import record_event
from bot.core.actor import Actor
from bot.core.errors import InvalidInput, NotFound, PermissionDenied
from bot.core.permissions import Action, require
from bot.core.program import get_program_or_raise, program_today
from bot.evidence.store import StoredFile
from models import (
    ApprovalDecision,
    Occurrence,
    OccurrenceStatus,
    Person,
    Policy,
    PolicyApproval,
    PolicyVersion,
    Role,
    VersionStatus,
)

IN_FLIGHT = (VersionStatus.AWAITING_APPROVAL, VersionStatus.CHANGES_REQUESTED)
MAX_VERSION = 40  # what an acknowledgement round takes (bot.campaigns.rounds)
MAX_NOTE = 2000
_SHA256 = re.compile(r"[0-9a-f]{64}")
_KEY = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")


def get_policy_or_raise(*, session: Session, key: str) -> Policy:
    """The live policy with this id (any case)."""
    wanted = key.strip().lower()
    policy = (
        session.exec(select(Policy).where(Policy.key == wanted)).first()
        if _KEY.fullmatch(wanted)
        else None
    )
    if policy is None or policy.retired_at is not None:
        raise NotFound(f"There is no policy ‘{key.strip()[:64]}’: `policies` lists them.")
    return policy


def get_policy_by_id_or_raise(*, session: Session, policy_id: int) -> Policy:
    policy = session.get(Policy, policy_id)
    if policy is None or policy.retired_at is not None:
        raise NotFound("That policy is no longer in the catalog: `policies` lists them.")
    return policy


def get_version_or_raise(
    *, session: Session, version_id: int, lock: bool = True
) -> tuple[PolicyVersion, Policy]:
    """A version and its policy, locked (unless only read): decisions on one version are
    taken one at a time."""
    query = select(PolicyVersion).where(PolicyVersion.id == version_id)
    version = session.exec(query.with_for_update() if lock else query).first()
    if version is None:
        raise NotFound("That policy version does not exist; run `policies` again.")
    return version, get_policy_by_id_or_raise(session=session, policy_id=version.policy_id)


def in_flight(*, session: Session, policy: Policy) -> PolicyVersion | None:
    """The version on its way to publication (awaiting approval or changes), if any."""
    query = select(PolicyVersion).where(
        PolicyVersion.policy_id == policy.id, col(PolicyVersion.status).in_(IN_FLIGHT)
    )
    return session.exec(query.order_by(col(PolicyVersion.id).desc())).first()


def current(*, session: Session, policy: Policy) -> PolicyVersion | None:
    """The published version people accept."""
    if policy.current_version_id is None:
        return None
    return session.get(PolicyVersion, policy.current_version_id)


def open_review(*, session: Session, policy: Policy, now: dt.datetime) -> Occurrence | None:
    """The review's pending occurrence whose period has started (overdue ones included)."""
    if policy.task_id is None:
        return None
    today = program_today(get_program_or_raise(session=session), now)
    query = select(Occurrence).where(
        Occurrence.task_id == policy.task_id,
        Occurrence.status == OccurrenceStatus.PENDING,
        col(Occurrence.period_start) <= today,
    )
    return session.exec(query.order_by(col(Occurrence.due_at), col(Occurrence.id))).first()


def valid_approvals(*, session: Session, version: PolicyVersion) -> list[PolicyApproval]:
    """The approvals that count: approved, never invalidated, of the document as it is now."""
    query = select(PolicyApproval).where(
        PolicyApproval.version_id == version.id,
        PolicyApproval.decision == ApprovalDecision.APPROVED,
        col(PolicyApproval.invalidated_at).is_(None),
        PolicyApproval.sha256 == version.sha256,
    )
    return list(session.exec(query.order_by(col(PolicyApproval.step))).all())


def next_step(*, session: Session, version: PolicyVersion) -> int:
    """Whose turn it is (1-based): the first step without an approval that counts."""
    done = {a.step for a in valid_approvals(session=session, version=version)}
    step = 1
    while step in done:
        step += 1
    return step


def approvals_of(*, session: Session, version_ids: Iterable[int]) -> list[PolicyApproval]:
    ids = sorted(set(version_ids))
    if not ids:
        return []
    query = select(PolicyApproval).where(col(PolicyApproval.version_id).in_(ids))
    return list(session.exec(query.order_by(col(PolicyApproval.id))).all())


def names(*, session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    """People's names by id (emails for anyone nameless)."""
    wanted = sorted({i for i in ids if i is not None})
    if not wanted:
        return {}
    people = session.exec(select(Person).where(col(Person.id).in_(wanted))).all()
    return {p.id or 0: p.name or p.email for p in people}


def emails(*, session: Session, ids: Iterable[int]) -> list[str]:
    """People's emails in the order given: how the audit trail names them."""
    wanted = list(ids)
    people = session.exec(select(Person).where(col(Person.id).in_(wanted))).all()
    found = {p.id: p.email for p in people}
    return [found.get(i, f"#{i}") for i in wanted]


def check_owner(actor: Actor, policy: Policy, *, admins: bool = False) -> bool:
    """Refuse anyone but the owner (and, with `admins`, an admin); True when on their behalf."""
    require(actor, Action.OWN_WORK)  # auditors are read-only
    if actor.person_id is not None and actor.person_id == policy.owner_id:
        return False
    if admins and actor.role is Role.ADMIN:
        return True
    who = "the policy's owner (or an admin)" if admins else "the policy's owner"
    raise PermissionDenied(f"Sorry, only {who} can do that for {policy.title}.")


def document_of(version: PolicyVersion) -> str:
    """The version's document as people name it: its file name, else its link."""
    return version.document_name or version.link or "(no document)"


def stored_file(version: PolicyVersion) -> StoredFile | None:
    """The version's file as the evidence store keeps it (None for a linked document)."""
    if version.storage_key is None:
        return None
    return StoredFile(
        key=version.storage_key,
        sha256=version.sha256,
        size=version.size or 0,
        media_type=version.media_type or "application/octet-stream",
        original_name=version.document_name or "policy",
    )


def clean_version(text: str) -> str:
    """A version as typed (`1.1`, `2026`), one line, at most `MAX_VERSION` characters."""
    version = " ".join((text or "").split())
    if not 1 <= len(version) <= MAX_VERSION:
        raise InvalidInput(f"Give the version as 1 to {MAX_VERSION} characters, like 1.1.")
    return version


def clean_note(note: str | None) -> str | None:
    text = (note or "").strip()
    if len(text) > MAX_NOTE:
        raise InvalidInput(f"The note is too long ({len(text)} characters; at most {MAX_NOTE}).")
    return text or None


def check_document(
    document: StoredFile | None, link: str | None, sha256: str | None
) -> tuple[str | None, str]:
    """(link, SHA-256) of a new document: a stored file, or an https link with its hash."""
    if document is not None:
        if link is not None:
            raise InvalidInput("Give the document as a file or as a link, not both.")
        return None, document.sha256
    text = (link or "").strip()
    if not text:
        raise InvalidInput("Give the document: attach the file, or a link with its SHA-256.")
    if not text.startswith("https://") or len(text) > 2000 or any(c.isspace() for c in text):
        raise InvalidInput(f"“{text[:60]}” is not an https:// link.")
    digest = (sha256 or "").strip().lower()
    if not _SHA256.fullmatch(digest):
        raise InvalidInput(
            "A linked document needs its SHA-256 (64 hex characters), so a change is noticed."
        )
    return text, digest


def log_event(
    session: Session, actor: Actor, action: str, policy: Policy, details: Mapping[str, object]
) -> None:
    """A policy's audit event (subject: the policy's id); empty details are left out."""
    record_event(
        session=session, actor=actor, action=action, subject_type="policy",
        subject_id=policy.key, details={k: v for k, v in details.items() if v not in (None, [])},
    )  # fmt: skip
