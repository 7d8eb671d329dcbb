"""Two policies with a version history, approvals and their audit events, for bundle tests."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, select

from bot.audit.trail import record_event, stamped_by
from bot.core.actor import Actor
from bot.core.db import Database
from bot.evidence.local import LocalEvidenceStore
from bot.evidence.services import attach_file_evidence
from models import (
    ApprovalDecision,
    Campaign,
    CampaignKind,
    Occurrence,
    Person,
    Policy,
    PolicyApproval,
    PolicyVersion,
    Role,
    VersionStatus,
)
from tests.factories import generate, make_control, make_person, make_program, make_task

UTC = dt.UTC
NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
WINDOW = (dt.date(2026, 1, 1), dt.date(2026, 6, 30))
DOC_2024 = b"%PDF-1.4 Information security policy 2024"
DOC_2025 = b"%PDF-1.4 Information security policy 2025"
DOC_2026_DRAFT = b"%PDF-1.4 Information security policy 2026, first draft"
DOC_2026 = b"%PDF-1.4 Information security policy 2026"
DOC_2026_1 = b"%PDF-1.4 Information security policy 2026.1, AI use added"
AUP_SHA = "ab" * 32  # a linked document: only its hash is known


def at(month: int, day: int, year: int = 2026) -> dt.datetime:
    return dt.datetime(year, month, day, 10, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Policies:
    """Who is who, and the ids the bundle should name."""

    olga: Actor
    ana: Actor
    ben: Actor
    auditor: Actor
    versions: dict[str, int]  # label → version id
    shas: dict[str, str]  # label → its document's SHA-256 today


class _World:
    def __init__(self, session: Session, store: LocalEvidenceStore) -> None:
        self.s, self.store = session, store
        self.versions: list[PolicyVersion] = []

    def log(self, actor: Actor, action: str, policy: Policy, when: dt.datetime, **d: Any) -> None:
        with stamped_by(lambda: when):
            record_event(
                session=self.s, actor=actor, action=action, subject_type="policy",
                subject_id=policy.key, details=d,
            )  # fmt: skip

    def registered(self, policy: Policy, label: str, when: dt.datetime, data: bytes) -> None:
        """As the catalog sync registers its version: published at once, named by label."""
        stored = self.store.put(io.BytesIO(data), original_name=f"infosec-{label}.pdf")
        version = PolicyVersion(
            policy_id=policy.id or 0, version=label, status=VersionStatus.PUBLISHED,
            sha256=stored.sha256, document_name=stored.original_name, storage_key=stored.key,
            submitted_at=when, published_at=when, details={"from": "catalog"},
        )  # fmt: skip
        self._publish(policy, version)
        self.log(Actor.cli(), "policy.version_registered", policy, when, version=label,
                 sha256=stored.sha256, source="catalog")  # fmt: skip

    def _publish(self, policy: Policy, version: PolicyVersion) -> None:
        for earlier in self.versions:
            mine = earlier.policy_id == policy.id and earlier is not version
            if mine and earlier.status is VersionStatus.PUBLISHED:
                earlier.status = VersionStatus.SUPERSEDED
        self.s.add(version)
        self.s.flush()
        policy.current_version_id = version.id
        if version not in self.versions:
            self.versions.append(version)

    def submitted(self, policy: Policy, who: Person, label: str, when: dt.datetime,
                  data: bytes) -> PolicyVersion:  # fmt: skip
        stored = self.store.put(io.BytesIO(data), original_name=f"infosec-{label}.pdf")
        version = PolicyVersion(
            policy_id=policy.id or 0, version=label, sha256=stored.sha256,
            document_name=stored.original_name, storage_key=stored.key,
            submitted_by_id=who.id, submitted_at=when,
        )  # fmt: skip
        self.s.add(version)
        self.s.flush()
        self.versions.append(version)
        self.log(Actor.for_person(who), "policy.version_submitted", policy, when,
                 version=label, sha256=stored.sha256)  # fmt: skip
        return version

    def decided(self, policy: Policy, version: PolicyVersion, step: int, who: Person,
                when: dt.datetime, approve: bool = True) -> PolicyApproval:  # fmt: skip
        decision = ApprovalDecision.APPROVED if approve else ApprovalDecision.CHANGES_REQUESTED
        approval = PolicyApproval(
            version_id=version.id or 0, step=step, approver_id=who.id or 0, decision=decision,
            sha256=version.sha256, decided_at=when,
        )  # fmt: skip
        self.s.add(approval)
        action = "policy.approved" if approve else "policy.changes_requested"
        self.log(Actor.for_person(who), action, policy, when, version=version.version,
                 step=step, sha256=version.sha256)  # fmt: skip
        return approval


@contextmanager
def _world(db: Database, store: LocalEvidenceStore) -> Iterator[_World]:
    with db.transaction() as s:
        yield _World(s, store)


def seed_policies(db: Database, store: LocalEvidenceStore) -> Policies:
    """infosec: 2024 and 2025 from the catalog; 2026 submitted in March, approved by Ana,
    its document replaced (Ana's approval invalidated), approved again by Ana then Ben, and
    published; 2026.1 sent back by Ana in May. acceptable-use: a linked 2025 version."""
    with _world(db, store) as w:
        s = w.s
        make_program(s, window=(dt.date(2026, 1, 1), dt.date(2026, 12, 31)))
        olga = make_person(s, "olga@acme.test", name="Olga Owner")
        ana = make_person(s, "ana@acme.test", role=Role.ADMIN, name="Ana Ruiz")
        ben = make_person(s, "ben@acme.test", name="Ben Ito")
        auditor = make_person(s, "audrey@audit.test", role=Role.AUDITOR)
        control = make_control(s, "CC1.1-POL", owner=olga, title="Policies are approved")
        make_task(s, control, "infosec-review", schedule="annual", due="90d", assignee=olga)
        generate(s, now=NOW, horizon_days=30)
        infosec = Policy(key="infosec", title="Information security policy",
                         owner_id=olga.id or 0, approver_ids=[ana.id, ben.id],
                         control_keys=["CC1.1-POL"])  # fmt: skip
        aup = Policy(key="acceptable-use", title="Acceptable use", owner_id=olga.id or 0,
                     approver_ids=[ben.id], control_keys=["CC1.1-POL"])  # fmt: skip
        s.add_all([infosec, aup])
        s.flush()
        w.registered(infosec, "2024", at(5, 1, 2024), DOC_2024)
        w.registered(infosec, "2025", at(5, 1, 2025), DOC_2025)
        linked = PolicyVersion(
            policy_id=aup.id or 0, version="2025", status=VersionStatus.PUBLISHED,
            sha256=AUP_SHA, link="https://intranet.acme.test/aup", submitted_at=at(1, 10, 2025),
            published_at=at(1, 10, 2025),
        )  # fmt: skip
        w._publish(aup, linked)
        w.log(Actor.cli(), "policy.version_registered", aup, at(1, 10, 2025), version="2025",
              sha256=AUP_SHA, source="catalog")  # fmt: skip

        v2026 = w.submitted(infosec, olga, "2026", at(3, 2), DOC_2026_DRAFT)
        first = w.decided(infosec, v2026, 1, ana, at(3, 3))
        stored = store.put(io.BytesIO(DOC_2026), original_name="infosec-2026.pdf")
        v2026.sha256, v2026.storage_key = stored.sha256, stored.key
        first.invalidated_at = at(3, 5)
        w.log(Actor.for_person(olga), "policy.document_replaced", infosec, at(3, 5),
              version="2026", sha256=stored.sha256)  # fmt: skip
        w.decided(infosec, v2026, 1, ana, at(3, 6))
        w.decided(infosec, v2026, 2, ben, at(3, 7))
        campaign = Campaign(kind=CampaignKind.POLICY_ACK, name="Ack infosec 2026",
                            version="2026", created_by_id=ben.id, created_at=at(3, 7))  # fmt: skip
        s.add(campaign)
        s.flush()
        v2026.status, v2026.published_at = VersionStatus.PUBLISHED, at(3, 7)
        v2026.campaign_id = campaign.id
        w._publish(infosec, v2026)
        chain = [{"step": 1, "approver": "ana@acme.test"}, {"step": 2, "approver": "ben@acme.test"}]
        w.log(Actor.scheduler(), "policy.published", infosec, at(3, 7), version="2026",
              sha256=stored.sha256, approvals=chain)  # fmt: skip

        v2026_1 = w.submitted(infosec, olga, "2026.1", at(5, 10), DOC_2026_1)
        w.decided(infosec, v2026_1, 1, ana, at(5, 11), approve=False)
        v2026_1.status = VersionStatus.CHANGES_REQUESTED
        actors = [Actor.for_person(p) for p in (olga, ana, ben, auditor)]
        versions = {v.version: v.id or 0 for v in w.versions if v.policy_id == infosec.id}
        shas = {v.version: v.sha256 for v in w.versions if v.policy_id == infosec.id}
    # The published document was also filed as the review's evidence: one copy in the bundle.
    with db.transaction() as s:
        occurrence = s.exec(select(Occurrence.id).where(Occurrence.period_key == "2026")).one()
        attach_file_evidence(
            session=s, store=store, actor=actors[0], stream=io.BytesIO(DOC_2026),
            occurrence_id=occurrence or 0, original_name="infosec-2026.pdf", now=at(3, 8),
        )  # fmt: skip
    return Policies(*actors, versions=versions, shas=shas)
