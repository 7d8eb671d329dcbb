"""A policy as the catalog registers it (rows made here): an owner, two approvers, its review.

The catalog's sync makes the same rows (the policy, its review task `policy-<id>` of kind
`policy_review` assigned to the owner, and its first version, published).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import Session, col, select

from bot.audit.trail import record_event
from bot.core.actor import Actor
from bot.core.db import Database
from bot.evidence.local import LocalEvidenceStore
from bot.evidence.store import EvidenceStore, StoredFile
from models import (
    AuditEvent,
    ChatIdentity,
    Occurrence,
    OutboxMessage,
    Person,
    Policy,
    PolicyVersion,
    Role,
    Task,
    VersionStatus,
)
from tests.factories import generate, make_control, make_person, make_program, make_task

UTC = dt.UTC
# Monday 12 January 2026: the 2026 review (annual, due in 30 days) is open, due 31 January.
NOW = dt.datetime(2026, 1, 12, 15, 0, tzinfo=UTC)
KEY, TITLE = "access-control", "Access Control Policy"
LINK = "https://intranet.acme.test/policies/access-control"
OLD_SHA = hashlib.sha256(b"access control policy 1.0").hexdigest()
# Tables a refused request must leave as they were.
STATE = (
    "policy", "policyversion", "policyapproval", "occurrence", "evidence", "campaign",
    "campaignitem", "outboxmessage", "awaitedfile", "auditevent",
)  # fmt: skip


@dataclass(frozen=True)
class People:
    admin: int
    owner: int  # Raj
    first: int  # Eve, approver 1
    second: int  # Sam, approver 2
    auditor: int
    members: list[int]


def build_people(session: Session) -> People:
    """Ana (admin), Raj, Eve, Sam, three more members (all on Slack) and Audrey (auditor)."""
    make_program(session)
    ana = make_person(session, "ana@acme.test", role=Role.ADMIN, name="Ana Ruiz")
    raj = make_person(session, "raj@acme.test", name="Raj Iyer")
    eve = make_person(session, "eve@acme.test", name="Eve Park")
    sam = make_person(session, "sam@acme.test", name="Sam Lee")
    audrey = make_person(session, "audrey@audit.test", role=Role.AUDITOR, name="Audrey")
    members = [make_person(session, f"p{n}@acme.test", name=f"Person {n}") for n in range(3)]
    for person in (ana, raj, eve, sam, *members):
        slack_id = f"U{person.email.split('@')[0].upper()}"
        session.add(ChatIdentity(person_id=person.id or 0, platform="slack", external_id=slack_id))
    session.flush()
    return People(
        ana.id or 0, raj.id or 0, eve.id or 0, sam.id or 0, audrey.id or 0,
        [m.id or 0 for m in members],
    )  # fmt: skip


def register_policy(
    session: Session,
    *,
    owner: int,
    approvers: list[int],
    key: str = KEY,
    title: str = TITLE,
    control: str = "CC1.1-POL",
    version: str = "1.0",
    audience: str = "all",
) -> Policy:
    """The policy, its review task and its first version (published, a link), as a sync does."""
    person = session.get(Person, owner)
    assert person is not None
    ctl = make_control(session, control, owner=person, criteria=("CC1.1",), title="Policies")
    task = make_task(
        session, ctl, f"policy-{key}", schedule="annual", due="30d", assignee=person,
        title=f"Review {title}",
    )  # fmt: skip
    task.kind = "policy_review"
    policy = Policy(
        key=key, title=title, owner_id=owner, approver_ids=approvers, audience=audience,
        control_keys=[control], task_id=task.id,
    )  # fmt: skip
    session.add_all([task, policy])
    session.flush()
    first = PolicyVersion(
        policy_id=policy.id or 0, version=version, status=VersionStatus.PUBLISHED,
        sha256=OLD_SHA, link=LINK, submitted_at=NOW - dt.timedelta(days=40),
        published_at=NOW - dt.timedelta(days=40), details={"from": "catalog"},
    )  # fmt: skip
    session.add(first)
    session.flush()
    policy.current_version_id = first.id
    session.add(policy)
    record_event(
        session=session, actor=Actor.cli(), action="policy.version_registered",
        subject_type="policy", subject_id=key,
        details={"version": version, "sha256": OLD_SHA, "document": LINK, "source": "catalog",
                 "status": "published"},
    )  # fmt: skip
    return policy


def open_review_now(session: Session, policy: Policy, now: dt.datetime) -> Occurrence:
    """A pending review of `policy` whose period started 20 days ago, due in 10 days."""
    task = session.get(Task, policy.task_id)
    assert task is not None
    today = now.date()
    occurrence = Occurrence(
        task_id=task.id or 0, control_id=task.control_id, assignee_id=policy.owner_id,
        period_key=str(today.year), period_start=today - dt.timedelta(days=20),
        period_end=today + dt.timedelta(days=340), due_on=today + dt.timedelta(days=10),
        due_at=now + dt.timedelta(days=10),
    )  # fmt: skip
    session.add(occurrence)
    session.flush()
    return occurrence


def build_world(db: Database) -> People:
    """The people and the policy (Raj owns it; Eve then Sam approve), its review open."""
    with db.transaction() as session:
        people = build_people(session)
        register_policy(session, owner=people.owner, approvers=[people.first, people.second])
        generate(session, now=NOW, horizon_days=0)
        return people


def actor(db: Database, person_id: int, platform: str = "cli") -> Actor:
    with db.session() as session:
        person = session.get(Person, person_id)
        assert person is not None
        return Actor.for_person(person)


def evidence_store(root: Path) -> EvidenceStore:
    """A local evidence store taking PDFs (policy documents)."""
    return LocalEvidenceStore(root, max_bytes=10**6, allowed_types=["application/pdf"])


def stored(store: EvidenceStore, content: bytes, name: str = "access-control.pdf") -> StoredFile:
    """A document as the chat intake keeps it: in the evidence store, hashed."""
    return store.put(io.BytesIO(content), original_name=name, media_type="application/pdf")


PDF = b"%PDF-1.4\n% access control policy 1.1\n"


def versions(db: Database) -> list[PolicyVersion]:
    with db.session() as session:
        query = select(PolicyVersion).order_by(col(PolicyVersion.id))
        return list(session.exec(query).all())


def policy(db: Database) -> Policy:
    with db.session() as session:
        return session.exec(select(Policy).where(Policy.key == KEY)).one()


def dms(db: Database, recipient: str, prefix: str = "policy") -> list[OutboxMessage]:
    """The DMs queued to a Slack user (`UEVE`), oldest first."""
    with db.session() as session:
        rows = session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id))).all()
    return [r for r in rows if r.recipient == recipient and r.idempotency_key.startswith(prefix)]


def actions(db: Database, prefix: str = "policy.") -> list[AuditEvent]:
    """The events recorded since the policy was registered, oldest first."""
    with db.session() as session:
        query = select(AuditEvent).where(
            col(AuditEvent.action).startswith(prefix),
            AuditEvent.action != "policy.version_registered",
        )
        return list(session.exec(query.order_by(col(AuditEvent.seq))).all())


def state(db: Database) -> dict[str, str]:
    """Every row of the tables a refusal must leave alone, hashed per table."""
    out = {}
    with db.engine.connect() as conn:
        for table in STATE:
            rows = conn.execute(sa.text(f'SELECT * FROM "{table}"')).all()  # noqa: S608
            digest = hashlib.sha256("\n".join(sorted(map(str, rows))).encode()).hexdigest()
            out[table] = f"{len(rows)}:{digest}"
    return out
