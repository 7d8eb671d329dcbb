"""A policy's review in the services: "no changes", a new version through both approvers to
publication and its acknowledgement round, and a request for changes sent back to the owner."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import col, select

from bot.audit.verify import verify_chain
from bot.campaigns.items import acknowledge_policy
from bot.core.db import Database
from bot.core.errors import Conflict, PermissionDenied
from bot.evidence.store import EvidenceStore
from bot.policies.approvals import decide_version
from bot.policies.notices import queue_policy_reviews
from bot.policies.reading import list_policies
from bot.policies.services import answer_no_changes, replace_document, submit_version
from models import (
    CampaignItem,
    Evidence,
    EvidenceKind,
    Occurrence,
    OccurrenceStatus,
    VersionStatus,
)
from tests.bot.policies.policy_support import (
    KEY,
    NOW,
    PDF,
    TITLE,
    People,
    actions,
    actor,
    build_world,
    dms,
    evidence_store,
    policy,
    stored,
    versions,
)


@pytest.fixture
def people(db: Database) -> People:
    return build_world(db)


@pytest.fixture
def store(tmp_path: Path) -> EvidenceStore:
    return evidence_store(tmp_path / "evidence")


def review(db: Database) -> Occurrence:
    with db.session() as session:
        return session.exec(select(Occurrence).order_by(col(Occurrence.id))).one()


def evidence_of(db: Database, occurrence_id: int) -> list[Evidence]:
    with db.session() as session:
        query = select(Evidence).where(Evidence.occurrence_id == occurrence_id)
        return list(session.exec(query.order_by(col(Evidence.id))).all())


def submit(db: Database, people: People, doc: object, version: str = "1.1") -> int:
    with db.transaction() as session:
        row = submit_version(
            session=session, actor=actor(db, people.owner), policy_key=KEY, version=version,
            now=NOW, document=doc,  # type: ignore[arg-type]
        )  # fmt: skip
        return row.id or 0


def decide(db: Database, who: int, version_id: int, approve: bool = True, **kw: object) -> object:
    with db.transaction() as session:
        return decide_version(
            session=session, actor=actor(db, who), version_id=version_id, approve=approve,
            now=NOW, **kw,  # type: ignore[arg-type]
        )  # fmt: skip


def test_the_review_asks_the_owner_once_and_no_changes_is_attested_naming_the_version(
    db: Database, people: People
) -> None:
    with db.transaction() as session:
        assert queue_policy_reviews(session=session, now=NOW) == 1
        assert queue_policy_reviews(session=session, now=NOW) == 0  # once per review
    [card] = dms(db, "URAJ", "policy-review:")
    shown = str(card.payload)
    assert "Time to review Access Control Policy" in shown and "policy_no_changes:" in shown
    assert card.payload["meta"]["chat_kind"] == "policy_review"
    with db.session() as session:
        [row] = list_policies(session=session, now=NOW)
    assert row.state.value == "in review" and row.version == "1.0"

    with db.transaction() as session:
        answered = answer_no_changes(
            session=session, actor=actor(db, people.owner), policy_key="Access-Control", now=NOW
        )
    assert answered.statement == f"No changes: {TITLE}, version 1.0"
    occ = review(db)
    assert occ.status is OccurrenceStatus.DONE
    [ev] = evidence_of(db, occ.id or 0)
    assert ev.kind is EvidenceKind.ATTESTATION and ev.statement == answered.statement
    assert [e.action for e in actions(db)] == ["policy.reviewed"]
    with db.transaction() as session, pytest.raises(Conflict, match="not open now"):
        answer_no_changes(session=session, actor=actor(db, people.owner), policy_key=KEY, now=NOW)


def test_only_the_owner_or_an_admin_on_their_behalf_answers_no_changes(
    db: Database, people: People
) -> None:
    with db.transaction() as session, pytest.raises(PermissionDenied, match="policy's owner"):
        answer_no_changes(session=session, actor=actor(db, people.first), policy_key=KEY, now=NOW)
    with db.transaction() as session:
        answer_no_changes(session=session, actor=actor(db, people.admin), policy_key=KEY, now=NOW)
    [event] = actions(db)
    assert event.details["on_behalf"] is True and event.actor == "ana@acme.test"


def test_a_new_version_goes_to_both_approvers_in_order_then_is_published_and_accepted(
    db: Database, people: People, store: EvidenceStore
) -> None:
    doc = stored(store, PDF)
    version_id = submit(db, people, doc)
    occ = review(db)
    [kept] = evidence_of(db, occ.id or 0)  # the file is evidence of the review, still open
    assert kept.sha256 == doc.sha256 and review(db).status is OccurrenceStatus.PENDING
    [ask] = dms(db, "UEVE")
    assert ask.idempotency_key == f"policy:{version_id}:step1:{doc.sha256}"
    assert "Step 1 of 2" in str(ask.payload) and doc.sha256 in str(ask.payload)
    assert dms(db, "USAM") == []

    first = decide(db, people.first, version_id, sha256=doc.sha256)
    assert first.next_approver == "Sam Lee" and not first.published  # type: ignore[attr-defined]
    [ask] = dms(db, "USAM")
    assert "Step 2 of 2" in str(ask.payload)
    second = decide(db, people.second, version_id)
    assert second.published and second.campaign_id  # type: ignore[attr-defined]

    old, new = versions(db)
    assert (old.status, new.status) == (VersionStatus.SUPERSEDED, VersionStatus.PUBLISHED)
    assert policy(db).current_version_id == new.id and new.campaign_id == second.campaign_id  # type: ignore[attr-defined]
    assert review(db).status is OccurrenceStatus.DONE
    file, attested = evidence_of(db, occ.id or 0)
    assert file.id == kept.id  # the document was already there: not filed twice
    assert attested.statement is not None and "approved by Eve Park" in attested.statement
    assert doc.sha256 in attested.statement and "Sam Lee" in attested.statement
    assert [e.action for e in actions(db)] == [
        "policy.version_submitted", "policy.approved", "policy.approved", "policy.published",
    ]  # fmt: skip
    published = actions(db)[-1].details
    assert [a["approver"] for a in published["approvals"]] == ["eve@acme.test", "sam@acme.test"]
    assert dms(db, "URAJ", f"policy:{version_id}:published")

    with db.session() as session:
        items = session.exec(
            select(CampaignItem).where(CampaignItem.campaign_id == new.campaign_id)
        ).all()
    assert len(items) >= 7 and {i.version for i in items} == {"1.1"}
    mine = next(i for i in items if i.person_id == people.members[0])
    with db.transaction() as session:
        acknowledge_policy(
            session=session, actor=actor(db, people.members[0]), item_id=mine.id or 0, now=NOW
        )
    with db.session() as session:
        [row] = list_policies(session=session, now=NOW)
    assert row.state.value == "current" and row.version == "1.1"
    assert row.coverage is not None and row.coverage.accepted == 1
    assert row.coverage.enrolled == len(items)
    with db.session() as session:
        assert verify_chain(session=session).ok


def test_changes_requested_go_back_to_the_owner_and_the_revised_document_starts_again(
    db: Database, people: People, store: EvidenceStore
) -> None:
    version_id = submit(db, people, stored(store, PDF))
    decide(db, people.first, version_id)
    with db.transaction() as session, pytest.raises(Exception, match="needs a comment"):
        decide_version(session=session, actor=actor(db, people.second), version_id=version_id,
                       approve=False, now=NOW)  # fmt: skip
    asked = decide(db, people.second, version_id, False, comment="Name the break-glass account")
    assert not asked.approved  # type: ignore[attr-defined]
    assert versions(db)[-1].status is VersionStatus.CHANGES_REQUESTED
    [told] = dms(db, "URAJ", f"policy:{version_id}:changes")
    assert "Name the break-glass account" in str(told.payload)
    assert "policy_new_version:" in str(told.payload)
    assert told.payload["meta"]["occurrence_id"] == review(db).id

    revised = stored(store, PDF + b"% break-glass: bg-admin\n", "access-control-v2.pdf")
    with db.transaction() as session:
        replace_document(session=session, actor=actor(db, people.owner), version_id=version_id,
                         now=NOW, document=revised)  # fmt: skip
    row = versions(db)[-1]
    assert row.status is VersionStatus.AWAITING_APPROVAL and row.sha256 == revised.sha256
    asks = dms(db, "UEVE")
    assert len(asks) == 2 and revised.sha256 in asks[-1].idempotency_key  # Eve is asked again
    decide(db, people.first, version_id, sha256=revised.sha256)
    assert decide(db, people.second, version_id).published  # type: ignore[attr-defined]
    assert versions(db)[-1].status is VersionStatus.PUBLISHED


def test_a_newer_version_withdraws_the_one_not_yet_published(
    db: Database, people: People, store: EvidenceStore
) -> None:
    first = submit(db, people, stored(store, PDF))
    second = submit(db, people, stored(store, PDF + b"%2"), version="2.0")
    rows = {v.id: v for v in versions(db)}
    assert rows[first].status is VersionStatus.WITHDRAWN
    assert rows[second].status is VersionStatus.AWAITING_APPROVAL
    with pytest.raises(Conflict, match="already exists"):
        submit(db, people, stored(store, PDF + b"%3"), version="2.0")
    with pytest.raises(Conflict, match="withdrawn"):
        decide(db, people.first, first)
