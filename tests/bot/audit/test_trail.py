"""The audit trail: chained appends, verification that names the first break, concurrency."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa
from sqlmodel import select

from bot.audit.trail import list_events, record_event
from bot.audit.verify import verify_chain
from bot.core.actor import Actor
from bot.core.db import Database
from models import AuditEvent


def _append(db: Database, n: int, *, actor: Actor | None = None) -> None:
    for i in range(n):
        with db.transaction() as session:
            record_event(
                session=session,
                actor=actor or Actor.cli(),
                action="control.owner_changed",
                subject_type="control",
                subject_id=f"CC{i % 3}.1",
                details={"i": i, "to": "ana@acme.test"},
            )


def _verify(db: Database) -> tuple[bool, int | None, str | None]:
    with db.session() as session:
        report = verify_chain(session=session)
    return report.ok, report.broken_seq, report.problem


def test_appended_events_form_a_verifiable_chain(db: Database) -> None:
    _append(db, 5)
    with db.session() as session:
        events = session.exec(select(AuditEvent).order_by(AuditEvent.seq)).all()  # type: ignore[arg-type]
        report = verify_chain(session=session)
    assert [e.seq for e in events] == [1, 2, 3, 4, 5]
    assert all(b.prev_hash == a.hash for a, b in zip(events, events[1:], strict=False))
    assert report.ok and report.checked == 5 and report.head_seq == 5


def test_event_times_are_utc_with_millisecond_precision(db: Database) -> None:
    _append(db, 1)
    with db.session() as session:
        event = session.exec(select(AuditEvent)).one()
    assert event.occurred_at.utcoffset() is not None and event.occurred_at.utcoffset().seconds == 0  # type: ignore[union-attr]
    assert event.occurred_at.microsecond % 1000 == 0


def test_verify_names_an_edited_event(db: Database) -> None:
    _append(db, 6)
    with db.engine.begin() as conn:
        conn.execute(
            sa.update(AuditEvent).where(AuditEvent.seq == 4).values(actor="mallory@evil.test")  # type: ignore[arg-type]
        )
    ok, broken, problem = _verify(db)
    assert not ok and broken == 4 and "altered" in (problem or "")


def test_verify_names_a_deleted_event(db: Database) -> None:
    _append(db, 6)
    with db.engine.begin() as conn:
        conn.execute(sa.delete(AuditEvent).where(AuditEvent.seq == 3))  # type: ignore[arg-type]
    ok, broken, _ = _verify(db)
    assert not ok and broken == 3


def test_verify_notices_events_cut_off_the_end(db: Database) -> None:
    _append(db, 5)
    with db.engine.begin() as conn:
        conn.execute(sa.delete(AuditEvent).where(AuditEvent.seq == 5))  # type: ignore[arg-type]
    ok, broken, problem = _verify(db)
    assert not ok and broken == 5 and "deleted" in (problem or "")


def test_verify_names_reordered_events(db: Database) -> None:
    _append(db, 6)
    table = AuditEvent.__table__  # type: ignore[attr-defined]
    with db.engine.begin() as conn:  # swap the positions of events 2 and 3
        for old, new in ((2, -1), (3, 2), (-1, 3)):
            conn.execute(sa.update(table).where(table.c.seq == old).values(seq=new))
    ok, broken, _ = _verify(db)
    assert not ok and broken == 2


def test_event_is_not_written_when_its_transaction_fails(db: Database) -> None:
    with pytest.raises(RuntimeError), db.transaction() as session:
        record_event(
            session=session, actor=Actor.cli(), action="x.y", subject_type="t", subject_id="1"
        )
        raise RuntimeError("the change failed")
    with db.session() as session:
        assert list_events(session=session) == []
    _append(db, 1)
    assert _verify(db)[0]


@pytest.mark.postgres
def test_eight_concurrent_writers_on_postgres_leave_one_linear_chain(
    postgres_db: Database,
) -> None:
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            _append(postgres_db, 25, actor=Actor(label=f"writer{n}", role=Actor.cli().role))
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with postgres_db.session() as session:
        seqs = session.exec(select(AuditEvent.seq).order_by(AuditEvent.seq)).all()  # type: ignore[arg-type]
        report = verify_chain(session=session)
    assert seqs == list(range(1, 201))
    assert report.ok and report.checked == 200
