"""Evidence that expires: its expiry from the task, an admin's date, and the coverage rule."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import select

from bot.catalog.bootstrap import apply_catalog
from bot.catalog.validate import validate_catalog_text
from bot.core.actor import Actor
from bot.core.db import Database
from bot.core.errors import CatalogInvalid, Conflict, InvalidInput, NotFound, PermissionDenied
from bot.core.settings import DEFAULT_ALLOWED_TYPES
from bot.evidence.expiry import set_evidence_expiry
from bot.evidence.local import LocalEvidenceStore
from bot.evidence.services import attach_file_evidence, supersede_evidence
from bot.work.expiring import lapsed_occurrences
from models import AuditEvent, Evidence, EvidenceKind, Platform, Task
from tests.bot.evidence.expiry_support import NOW, attest, expire, occurrence, seed
from tests.catalog_text import as_yaml, catalog

UTC = dt.UTC


def evidence(db: Database, evidence_id: int) -> Evidence:
    with db.session() as s:
        found = s.get(Evidence, evidence_id)
        assert found is not None
        return found


def events(db: Database, action: str) -> list[AuditEvent]:
    with db.session() as s:
        return list(s.exec(select(AuditEvent).where(AuditEvent.action == action)).all())


def lapsed(db: Database, now: dt.datetime = NOW) -> set[int]:
    with db.session() as s:
        return set(lapsed_occurrences(session=s, where=sa.true(), now=now))


def test_evidence_of_a_task_that_expires_counts_through_the_end_of_that_local_day(
    db: Database,
) -> None:
    w = seed(db, expires="12m")
    # 23:00 on Thu 9 Apr in New York (03:00 UTC on the 10th): the local day is what counts.
    ev = attest(w, "2026-Q2", dt.datetime(2026, 4, 10, 3, 0, tzinfo=UTC))
    assert evidence(db, ev).expires_at == dt.datetime(2027, 4, 10, 4, 0, tzinfo=UTC)
    (submitted,) = events(db, "evidence.submitted")
    assert submitted.details["expires_at"] == "2027-04-10T04:00:00.000Z"


def test_evidence_of_a_task_without_expires_never_expires(db: Database) -> None:
    w = seed(db)
    ev = attest(w, "2026-Q2", NOW)
    assert evidence(db, ev).expires_at is None
    assert "expires_at" not in events(db, "evidence.submitted")[0].details


def test_the_catalog_checks_expires_and_sync_keeps_it_on_the_task(db: Database) -> None:
    bad = catalog(controls__0__tasks__0__expires="12x")
    with pytest.raises(CatalogInvalid) as caught:
        validate_catalog_text(as_yaml(bad))
    (error,) = caught.value.errors
    assert error.startswith("controls[0].tasks[0].expires (") and "unknown unit" in error
    spec = validate_catalog_text(as_yaml(catalog(controls__0__tasks__0__expires="12m")))
    apply_catalog(db, spec, actor=Actor.cli(), now=NOW, horizon_days=30, accept_overdue=True)
    with db.session() as s:
        task = s.exec(select(Task).where(Task.key == "prod-access-review")).one()
        assert task.expires == "12m"
        before = s.exec(select(sa.func.count()).select_from(AuditEvent)).one()
    apply_catalog(db, spec, actor=Actor.cli(), now=NOW, horizon_days=30, accept_overdue=True)
    with db.session() as s:  # unchanged input changes nothing
        assert s.exec(select(sa.func.count()).select_from(AuditEvent)).one() == before


def test_an_admin_sets_and_clears_an_expiry_and_each_change_is_logged(db: Database) -> None:
    w = seed(db, expires="12m")
    ev = attest(w, "2026-Q2", NOW)
    expire(w, ev, dt.date(2026, 6, 30))
    assert evidence(db, ev).expires_at == dt.datetime(2026, 7, 1, 4, 0, tzinfo=UTC)  # EDT
    expire(w, ev, None)
    assert evidence(db, ev).expires_at is None
    first, second = events(db, "evidence.expiry_set")
    assert (first.actor, first.subject_type, first.subject_id) == (
        "ana@acme.test",
        "evidence",
        str(ev),
    )
    assert first.details["expires_on"] == "2026-06-30"
    assert first.details["expires_at"] == "2026-07-01T04:00:00.000Z"
    assert first.details["was"] == "2027-05-21T04:00:00.000Z"  # the task's 12 months
    assert (
        second.details["expires_at"] is None
        and second.details["was"] == first.details["expires_at"]
    )


@pytest.mark.parametrize("who", ["raj", "eve", "audrey"])
def test_only_an_admin_sets_an_expiry_and_a_refusal_records_nothing(db: Database, who: str) -> None:
    w = seed(db)
    ev = attest(w, "2026-Q2", NOW)
    with db.session() as s:
        before = s.exec(select(sa.func.count()).select_from(AuditEvent)).one()
    refused = pytest.raises(PermissionDenied, match="only an admin can set when evidence expires")
    with refused, db.transaction() as s:
        set_evidence_expiry(
            session=s, actor=getattr(w, who), evidence_id=ev,
            expires_on=dt.date(2026, 6, 1), now=NOW,
        )  # fmt: skip
    assert evidence(db, ev).expires_at is None
    with db.session() as s:
        assert s.exec(select(sa.func.count()).select_from(AuditEvent)).one() == before


def test_evidence_that_cannot_expire_is_refused_with_a_reason(db: Database) -> None:
    w = seed(db)
    ev = attest(w, "2026-Q2", NOW)
    with db.transaction() as s:
        campaign_file = Evidence(kind=EvidenceKind.ATTESTATION, statement="x",
                                 platform=Platform.CLI, submitted_at=NOW)  # fmt: skip
        s.add(campaign_file)
        s.flush()
        campaign_id = campaign_file.id or 0
    cases = [
        (999, NotFound, "There is no evidence 999"),
        (campaign_id, InvalidInput, "belongs to a campaign"),
    ]
    for evidence_id, error, said in cases:
        with pytest.raises(error, match=said):
            expire(w, evidence_id, dt.date(2026, 6, 1))
    expire(w, ev, dt.date(2026, 6, 1))
    with pytest.raises(Conflict, match="already expires after Mon 01 Jun 2026"):
        expire(w, ev, dt.date(2026, 6, 1))
    with db.transaction() as s:
        supersede_evidence(session=s, actor=w.ana, evidence_id=ev, reason="wrong report", now=NOW)
    with pytest.raises(Conflict, match="superseded"):
        expire(w, ev, None)
    assert len(events(db, "evidence.expiry_set")) == 1


@pytest.mark.parametrize(
    ("last_day", "covered"),
    [
        (dt.date(2026, 1, 14), False),  # expired the day before its due day
        (dt.date(2026, 1, 15), True),  # counts through the due day itself
        (dt.date(2026, 1, 16), True),  # expired after it was judged: it still covered Q1
    ],
)
def test_work_is_judged_at_its_due_time(db: Database, last_day: dt.date, covered: bool) -> None:
    w = seed(db)
    ev = attest(w, "2026-Q1", dt.datetime(2026, 1, 10, 15, 0, tzinfo=UTC))
    expire(w, ev, last_day)
    assert (occurrence(db, "2026-Q1") not in lapsed(db)) is covered


@pytest.mark.parametrize(
    ("last_day", "covered"),
    [(dt.date(2026, 4, 9), False), (dt.date(2026, 4, 10), True), (dt.date(2026, 4, 11), True)],
)
def test_work_done_before_its_due_time_is_judged_now(
    db: Database, last_day: dt.date, covered: bool
) -> None:
    w = seed(db)
    now = dt.datetime(2026, 4, 10, 14, 0, tzinfo=UTC)  # Q2 is due on the 15th
    ev = attest(w, "2026-Q2", dt.datetime(2026, 4, 2, 14, 0, tzinfo=UTC))
    expire(w, ev, last_day, at=now)
    assert (occurrence(db, "2026-Q2") not in lapsed(db, now)) is covered


def test_a_renewal_attached_to_the_same_work_covers_it_again(db: Database, tmp_path: Path) -> None:
    w = seed(db)
    ev = attest(w, "2026-Q2", dt.datetime(2026, 4, 2, 14, 0, tzinfo=UTC))
    expire(w, ev, dt.date(2026, 4, 3))
    q2 = occurrence(db, "2026-Q2")
    assert lapsed(db) == {q2}
    store = LocalEvidenceStore(tmp_path, max_bytes=1024, allowed_types=DEFAULT_ALLOWED_TYPES)
    with db.transaction() as s:
        attach_file_evidence(
            session=s, store=store, actor=w.raj, occurrence_id=q2, original_name="soc2.pdf",
            stream=io.BytesIO(b"%PDF-1.4 renewed report"), now=NOW - dt.timedelta(days=1),
        )  # fmt: skip
    assert lapsed(db) == set()
