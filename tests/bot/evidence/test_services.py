"""Completing work: attestations, file evidence, permissions, superseding."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from sqlmodel import select

from bot.core.actor import Actor
from bot.core.db import Database
from bot.core.errors import Conflict, PermissionDenied
from bot.core.settings import DEFAULT_ALLOWED_TYPES
from bot.evidence.local import LocalEvidenceStore
from bot.evidence.services import (
    attach_file_evidence,
    complete_by_attestation,
    supersede_evidence,
)
from bot.evidence.store import EvidenceRejected
from models import (
    AuditEvent,
    Evidence,
    EvidenceRequirement,
    Occurrence,
    OccurrenceStatus,
    Role,
)
from tests.factories import generate, make_control, make_person, make_program, make_task

NOW = dt.datetime(2026, 5, 20, 14, 0, tzinfo=dt.UTC)


@pytest.fixture
def store(tmp_path: Path) -> LocalEvidenceStore:
    return LocalEvidenceStore(tmp_path / "ev", max_bytes=1024, allowed_types=DEFAULT_ALLOWED_TYPES)


def seed(db: Database, evidence: EvidenceRequirement = EvidenceRequirement.ANY) -> dict[str, Actor]:
    with db.transaction() as s:
        make_program(s)
        admin = make_person(s, "ana@acme.test", role=Role.ADMIN)
        raj = make_person(s, "raj@acme.test")
        eve = make_person(s, "eve@acme.test")
        auditor = make_person(s, "audrey@acme.test", role=Role.AUDITOR)
        make_task(s, make_control(s, owner=raj), evidence=evidence)
        generate(s, now=NOW, horizon_days=90)
        return {p.email.split("@")[0]: Actor.for_person(p) for p in (admin, raj, eve, auditor)}


def q2(db: Database) -> Occurrence:
    with db.session() as s:
        return s.exec(select(Occurrence).where(Occurrence.period_key == "2026-Q2")).one()


def test_owner_confirms_by_attestation_and_the_statement_is_stored_verbatim(db: Database) -> None:
    actors = seed(db)
    occ = q2(db)
    with db.transaction() as s:
        ev = complete_by_attestation(
            session=s,
            actor=actors["raj"],
            occurrence_id=occ.id or 0,
            now=NOW,
            statement="I reviewed all 41 production accounts.",
        )
    done = q2(db)
    assert done.status is OccurrenceStatus.DONE and done.completed_at == NOW
    assert ev.statement == "I reviewed all 41 production accounts."
    with db.session() as s:
        logged = s.exec(select(AuditEvent.action).where(AuditEvent.subject_id == str(occ.id))).all()
    assert logged == ["evidence.submitted", "occurrence.completed"]


def test_admin_completing_for_someone_else_is_logged_as_on_behalf(db: Database) -> None:
    actors = seed(db)
    with db.transaction() as s:
        complete_by_attestation(
            session=s, actor=actors["ana"], occurrence_id=q2(db).id or 0, now=NOW
        )
    with db.session() as s:
        event = s.exec(select(AuditEvent).where(AuditEvent.action == "occurrence.completed")).one()
    assert event.details["on_behalf"] is True and event.actor == "ana@acme.test"


@pytest.mark.parametrize("who", ["eve", "audrey"])
def test_others_cannot_complete_and_nothing_is_recorded(db: Database, who: str) -> None:
    actors = seed(db)
    with pytest.raises(PermissionDenied), db.transaction() as s:
        complete_by_attestation(session=s, actor=actors[who], occurrence_id=q2(db).id or 0, now=NOW)
    with db.session() as s:
        assert s.exec(select(Evidence)).all() == []
    assert q2(db).status is OccurrenceStatus.PENDING


def test_file_task_refuses_a_bare_attestation(db: Database) -> None:
    actors = seed(db, EvidenceRequirement.FILE)
    with pytest.raises(Conflict, match="needs a file"), db.transaction() as s:
        complete_by_attestation(
            session=s, actor=actors["raj"], occurrence_id=q2(db).id or 0, now=NOW
        )


def test_attached_file_is_stored_hashed_recorded_and_completes_the_work(
    db: Database, store: LocalEvidenceStore
) -> None:
    actors = seed(db, EvidenceRequirement.FILE)
    with db.transaction() as s:
        ev = attach_file_evidence(
            session=s,
            store=store,
            actor=actors["raj"],
            occurrence_id=q2(db).id or 0,
            stream=io.BytesIO(b"account,decision\nana,keep\n"),
            original_name="../review.csv",
            now=NOW,
        )
    assert ev.original_name == "review.csv" and ev.size == 26 and ev.media_type == "text/csv"
    assert store.exists(ev.storage_key or "")
    assert q2(db).status is OccurrenceStatus.DONE


def test_rejected_file_leaves_no_record(db: Database, store: LocalEvidenceStore) -> None:
    actors = seed(db, EvidenceRequirement.FILE)
    with pytest.raises(EvidenceRejected), db.transaction() as s:
        attach_file_evidence(
            session=s,
            store=store,
            actor=actors["raj"],
            occurrence_id=q2(db).id or 0,
            stream=io.BytesIO(b"x" * 2048),
            original_name="big.pdf",
            now=NOW,
        )
    with db.session() as s:
        assert (
            s.exec(select(Evidence)).all() == []
            and s.exec(select(AuditEvent).where(AuditEvent.action == "evidence.submitted")).all()
            == []
        )
    assert q2(db).status is OccurrenceStatus.PENDING


def test_future_period_cannot_take_evidence_yet(db: Database) -> None:
    actors = seed(db)
    with db.session() as s:
        q3 = s.exec(select(Occurrence).where(Occurrence.period_key == "2026-Q3")).one()
    with pytest.raises(Conflict, match="period starting"), db.transaction() as s:
        complete_by_attestation(session=s, actor=actors["raj"], occurrence_id=q3.id or 0, now=NOW)


def test_superseding_the_only_evidence_reopens_the_work(db: Database) -> None:
    actors = seed(db)
    with db.transaction() as s:
        ev = complete_by_attestation(
            session=s, actor=actors["raj"], occurrence_id=q2(db).id or 0, now=NOW
        )
    with db.transaction() as s:
        supersede_evidence(
            session=s, actor=actors["ana"], evidence_id=ev.id or 0, reason="wrong quarter", now=NOW
        )
    with db.session() as s:
        kept = s.get(Evidence, ev.id)
        actions = s.exec(select(AuditEvent.action).order_by(AuditEvent.seq.desc()).limit(2)).all()  # type: ignore[attr-defined]
    assert kept is not None and kept.supersede_reason == "wrong quarter"
    assert q2(db).status is OccurrenceStatus.PENDING
    assert actions == ["occurrence.reopened", "evidence.superseded"]


def test_only_admins_supersede(db: Database) -> None:
    actors = seed(db)
    with db.transaction() as s:
        ev = complete_by_attestation(
            session=s, actor=actors["raj"], occurrence_id=q2(db).id or 0, now=NOW
        )
    with pytest.raises(PermissionDenied), db.transaction() as s:
        supersede_evidence(
            session=s, actor=actors["raj"], evidence_id=ev.id or 0, reason="oops", now=NOW
        )
