"""The bundle's policies.csv: each version in the window with its approvals, and its document."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from bot.core.errors import Conflict, NotFound
from bot.evidence.store import EvidenceStore, is_valid_key
from bot.export.policycheck import (
    POLICY_PUBLISHED,
    POLICY_VERSION_EVENTS,
    approvals_published,
    policy_event_key,
    policy_version_keys,
)
from bot.export.records import file_path
from bot.export.tables import write_csv
from bot.export.window import Window
from bot.export.zipout import BundleZip
from models import AuditEvent, Person, Policy, PolicyApproval, PolicyVersion

POLICIES_FILE = "policies.csv"
# One row per decision on a version (step order); a version nobody has decided on yet has
# one row with the approval columns empty. The version's columns repeat on each of its rows.
POLICY_HEADER = (
    "policy_id", "title", "owner_email", "approvers", "version_id", "version", "status",
    "current", "submitted_by_email", "submitted_at", "published_at", "document_name", "link",
    "sha256", "file", "campaign_id", "approval_step", "approver_email", "decision",
    "decided_at", "approved_sha256", "invalidated_at", "comment",
)  # fmt: skip


@dataclass
class PolicyScope:
    """The versions policies.csv lists, with what their rows need, and the first audit
    event about any of them (the bundle's audit log must start there or earlier)."""

    versions: list[tuple[Policy, PolicyVersion]] = field(default_factory=list)
    approvals: dict[int, list[PolicyApproval]] = field(default_factory=dict)
    emails: dict[int, str] = field(default_factory=dict)
    first_seq: int | None = None
    # version id → its approvers in step order, as its publication's event lists them.
    approvers: dict[int, list[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class PoliciesWritten:
    rows: int
    files: int
    size: int


def _inside(window: Window, at: dt.datetime | None) -> bool:
    return at is not None and window.start_at <= at < window.end_at


def _version_index(
    policies: dict[int | None, Policy], versions: Sequence[PolicyVersion]
) -> dict[Any, int]:
    """Every key an audit event may name a version by → that version's id."""
    return {
        name: v.id or 0
        for v in versions
        for name in policy_version_keys(policies[v.policy_id].key, v.version, str(v.id))
    }


def policy_scope(session: Session, window: Window) -> PolicyScope:
    """Every version submitted, decided or published in the window, or named by a policy
    event of the window, plus each policy's version in force when the window opened.

    Held in memory: a program has tens of policies, each a version or two a year.
    """
    policies = {p.id: p for p in session.exec(select(Policy).order_by(col(Policy.key)))}
    versions = session.exec(select(PolicyVersion).order_by(col(PolicyVersion.id))).all()
    approvals: dict[int, list[PolicyApproval]] = {}
    query = select(PolicyApproval).order_by(
        col(PolicyApproval.step), col(PolicyApproval.decided_at), col(PolicyApproval.id)
    )
    for approval in session.exec(query):
        approvals.setdefault(approval.version_id, []).append(approval)
    events, chains = _policy_events(session, _version_index(policies, versions))
    logged = {version for _, at, version in events if _inside(window, at)}
    in_force = _in_force(window, policies, versions)
    chosen = {
        v.id
        for v in versions
        if v.id in logged
        or _inside(window, v.submitted_at)
        or _inside(window, v.published_at)
        or any(_inside(window, a.decided_at) for a in approvals.get(v.id or 0, ()))
    } | in_force
    listed = [(policies[v.policy_id], v) for v in versions if v.id in chosen]
    listed.sort(key=lambda pv: (pv[0].key, pv[1].submitted_at, pv[1].id or 0))
    scope = PolicyScope(listed, {k: a for k, a in approvals.items() if k in chosen})
    scope.approvers = chains
    scope.emails = _emails(session, scope)
    scope.first_seq = min((seq for seq, _, v in events if v in chosen), default=None)
    return scope


def _policy_events(
    session: Session, index: dict[Any, int]
) -> tuple[list[tuple[int, dt.datetime, int | None]], dict[int, list[str]]]:
    """Every policy version event (its seq, time, and the version it names, if known); and
    each published version's approvers, as its publication lists them."""
    query = sa.select(
        col(AuditEvent.seq), col(AuditEvent.occurred_at), col(AuditEvent.action),
        col(AuditEvent.subject_type), col(AuditEvent.subject_id), col(AuditEvent.details),
    ).where(col(AuditEvent.action).in_(sorted(POLICY_VERSION_EVENTS)))  # fmt: skip
    events, chains = [], {}
    for seq, at, action, kind, subject, details in session.execute(query):
        key = policy_event_key({"subject_type": kind, "subject_id": subject, "details": details})
        version = index.get(key)
        events.append((seq, at, version))
        chain = approvals_published(details) if action == POLICY_PUBLISHED else None
        if version is not None and chain is not None:
            chains[version] = chain
    return events, chains


def _in_force(
    window: Window, policies: dict[int | None, Policy], versions: Sequence[PolicyVersion]
) -> set[int | None]:
    """Each policy's version published last before the window opened (none for a policy
    already retired by then)."""
    found: dict[int, PolicyVersion] = {}
    for v in versions:
        published, retired = v.published_at, policies[v.policy_id].retired_at
        if published is None or published >= window.start_at:
            continue
        if retired is not None and retired < window.start_at:
            continue
        held = found.get(v.policy_id)
        if held is None or held.published_at is None or held.published_at <= published:
            found[v.policy_id] = v
    return {v.id for v in found.values()}


def _emails(session: Session, scope: PolicyScope) -> dict[int, str]:
    wanted: set[int] = set()
    for policy, version in scope.versions:
        wanted |= {policy.owner_id, *policy.approver_ids, version.submitted_by_id or 0}
    for approvals in scope.approvals.values():
        wanted |= {a.approver_id for a in approvals}
    query = select(Person.id, Person.email).where(col(Person.id).in_(sorted(wanted)))
    return {pid or 0: email for pid, email in session.exec(query)}


def _approvers(scope: PolicyScope, policy: Policy, version: PolicyVersion) -> str:
    """The approvers a version went to, in order: as its publication listed them (the
    catalog may have changed them since), else the policy's approvers today."""
    chain = scope.approvers.get(version.id or 0)
    if chain is None:
        chain = [scope.emails.get(pid, str(pid)) for pid in policy.approver_ids]
    return ";".join(chain)


def policy_rows(scope: PolicyScope) -> Iterable[Sequence[Any]]:
    emails = scope.emails
    for policy, v in scope.versions:
        head = (
            policy.key, policy.title, emails.get(policy.owner_id),
            _approvers(scope, policy, v), v.id, v.version, v.status,
            policy.current_version_id == v.id, emails.get(v.submitted_by_id or 0),
            v.submitted_at, v.published_at, v.document_name, v.link, v.sha256,
            file_path(v.sha256) if v.storage_key else None, v.campaign_id,
        )  # fmt: skip
        decisions = scope.approvals.get(v.id or 0, [])
        for a in decisions:
            yield (
                *head, a.step, emails.get(a.approver_id), a.decision, a.decided_at,
                a.sha256, a.invalidated_at, a.comment,
            )  # fmt: skip
        if not decisions:
            yield (*head, *([None] * 7))


def copy_documents(store: EvidenceStore, bundle: BundleZip, scope: PolicyScope) -> tuple[int, int]:
    """Each stored document into files/ (once: evidence may hold the same bytes); the
    number of files added and their bytes."""
    keys: dict[str, str] = {}
    for _, v in scope.versions:
        if v.storage_key is not None:
            keys.setdefault(v.sha256, v.storage_key)
    count = size = 0
    for sha, key in sorted(keys.items()):
        if file_path(sha) in bundle.digests:
            continue
        if not is_valid_key(key):
            raise Conflict(f"Policy document {sha} has no usable storage key; no bundle written.")
        try:
            chunks = store.open(key)
        except NotFound:
            raise Conflict(
                f"The policy document {sha} is missing from the evidence store; no bundle was "
                "written. The evidence store needs checking."
            ) from None
        digest = bundle.write_chunks(file_path(sha), chunks, compress=False)
        if digest.sha256 != sha:  # the bundle is abandoned, so the bad copy never ships
            raise Conflict(
                f"The stored policy document {sha} no longer matches its SHA-256; no bundle "
                "was written. The evidence store needs checking."
            )
        count, size = count + 1, size + digest.size
    return count, size


def write_policies(store: EvidenceStore, bundle: BundleZip, scope: PolicyScope) -> PoliciesWritten:
    """The documents, then policies.csv (so every file a row names is in the bundle)."""
    files, size = copy_documents(store, bundle, scope)
    rows = write_csv(bundle, POLICIES_FILE, POLICY_HEADER, policy_rows(scope))
    return PoliciesWritten(rows, files, size)
