"""Approvals: in order, never by the owner or an auditor, bound to the document's SHA-256."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import col, select

from bot.core.db import Database
from bot.core.errors import Conflict, PermissionDenied, SoC2BotError
from bot.evidence.store import EvidenceStore
from bot.policies import records
from bot.policies.approvals import decide_version
from bot.policies.services import replace_document, submit_version
from models import ApprovalDecision, PolicyApproval, PolicyVersion
from tests.bot.policies.policy_support import (
    KEY,
    NOW,
    PDF,
    People,
    actions,
    actor,
    build_world,
    dms,
    evidence_store,
    state,
    stored,
)


@pytest.fixture
def people(db: Database) -> People:
    return build_world(db)


@pytest.fixture
def store(tmp_path: Path) -> EvidenceStore:
    return evidence_store(tmp_path / "evidence")


@pytest.fixture
def version_id(db: Database, people: People, store: EvidenceStore) -> int:
    with db.transaction() as session:
        row = submit_version(
            session=session, actor=actor(db, people.owner), policy_key=KEY, version="1.1",
            now=NOW, document=stored(store, PDF),
        )  # fmt: skip
        return row.id or 0


def decide(db: Database, who: int, version_id: int, approve: bool = True, **kw: object) -> None:
    with db.transaction() as session:
        decide_version(
            session=session, actor=actor(db, who), version_id=version_id, approve=approve,
            now=NOW, **kw,  # type: ignore[arg-type]
        )  # fmt: skip


def refused(db: Database, who: int, version_id: int, error: type[SoC2BotError], match: str,
            **kw: object) -> None:  # fmt: skip
    """The decision is refused with `match` in its words, and nothing at all is recorded."""
    before = state(db)
    with pytest.raises(error, match=match):
        decide(db, who, version_id, **kw)
    assert state(db) == before


def test_the_owner_never_approves_their_own_policy(
    db: Database, people: People, version_id: int
) -> None:
    refused(db, people.owner, version_id, PermissionDenied, "its owner never approves it")


def test_an_approver_out_of_turn_is_told_whose_turn_it_is(
    db: Database, people: People, version_id: int
) -> None:
    refused(db, people.second, version_id, PermissionDenied, "not your turn yet.*Eve Park")
    refused(db, people.second, version_id, PermissionDenied, "not your turn", approve=False,
            comment="too long")  # fmt: skip


def test_auditors_and_people_who_are_not_approvers_never_decide(
    db: Database, people: People, version_id: int
) -> None:
    refused(db, people.auditor, version_id, PermissionDenied, "auditors")
    refused(db, people.members[0], version_id, PermissionDenied, "not an approver")
    refused(db, people.admin, version_id, PermissionDenied, "not an approver")


def test_one_approval_per_step_and_none_after_changes_were_requested(
    db: Database, people: People, version_id: int
) -> None:
    decide(db, people.first, version_id)
    refused(db, people.first, version_id, Conflict, "already approved")
    decide(db, people.second, version_id, approve=False, comment="Add the review date")
    refused(db, people.first, version_id, Conflict, "Changes were requested")


def test_a_changed_document_invalidates_earlier_approvals_and_restarts_at_approver_one(
    db: Database, people: People, version_id: int, store: EvidenceStore
) -> None:
    first_sha = stored(store, PDF).sha256
    decide(db, people.first, version_id, sha256=first_sha)
    revised = stored(store, PDF + b"% revised\n")
    with db.transaction() as session:
        replace_document(session=session, actor=actor(db, people.owner), version_id=version_id,
                         now=NOW, document=revised)  # fmt: skip
    with db.session() as session:
        [approval] = session.exec(select(PolicyApproval)).all()
        version = session.get(PolicyVersion, version_id)
        assert version is not None
        assert approval.invalidated_at is not None and approval.sha256 == first_sha
        assert records.next_step(session=session, version=version) == 1
    [event] = [e for e in actions(db) if e.action == "policy.document_replaced"]
    assert event.details["invalidated"] == 1 and event.details["from_sha256"] == first_sha
    # Sam's turn has gone; Eve's card of the old document no longer decides anything.
    refused(db, people.second, version_id, PermissionDenied, "not your turn")
    refused(db, people.first, version_id, Conflict, "document changed", sha256=first_sha)
    assert len(dms(db, "UEVE")) == 2  # asked again, about the new document
    decide(db, people.first, version_id, sha256=revised.sha256)
    with pytest.raises(Conflict, match="same document"), db.transaction() as session:
        replace_document(session=session, actor=actor(db, people.owner), version_id=version_id,
                         now=NOW, document=revised)  # fmt: skip


def test_an_approval_of_another_hash_never_counts(
    db: Database, people: People, version_id: int
) -> None:
    with db.transaction() as session:
        session.add(PolicyApproval(
            version_id=version_id, step=1, approver_id=people.first, sha256="f" * 64,
            decision=ApprovalDecision.APPROVED, decided_at=NOW,
        ))  # fmt: skip
    with db.session() as session:
        version = session.get(PolicyVersion, version_id)
        assert version is not None
        assert records.next_step(session=session, version=version) == 1
        assert records.valid_approvals(session=session, version=version) == []
    refused(db, people.second, version_id, PermissionDenied, "not your turn")


def test_only_the_owner_replaces_a_document_and_never_a_published_one(
    db: Database, people: People, version_id: int, store: EvidenceStore
) -> None:
    other = stored(store, PDF + b"% other\n")
    before = state(db)
    with pytest.raises(PermissionDenied), db.transaction() as session:
        replace_document(session=session, actor=actor(db, people.first), version_id=version_id,
                         now=NOW, document=other)  # fmt: skip
    assert state(db) == before
    decide(db, people.first, version_id)
    decide(db, people.second, version_id)
    with pytest.raises(Conflict, match="never changes"), db.transaction() as session:
        replace_document(session=session, actor=actor(db, people.owner), version_id=version_id,
                         now=NOW, document=other)  # fmt: skip
    with db.session() as session:
        shas = session.exec(select(PolicyApproval.sha256).order_by(col(PolicyApproval.id))).all()
    assert len(set(shas)) == 1
