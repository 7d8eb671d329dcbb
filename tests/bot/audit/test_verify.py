"""The fast verifier (plain rows, forked segments) reports what the event-by-event one does."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from bot.audit import verify as audit
from bot.audit.chain import HASHED_FIELDS, canonical_json, event_hash, row_hash, verify_events
from bot.audit.trail import iter_events, record_event
from bot.audit.verify import verify_stored_events
from bot.core.actor import Actor
from bot.core.db import Database
from models import AuditEvent


def _append(db: Database, n: int) -> None:
    for i in range(n):
        with db.transaction() as session:
            record_event(
                session=session,
                actor=Actor.cli(),
                action="control.owner_changed",
                subject_type="control",
                subject_id=f"CC{i % 3}.1",
                details={"i": i, "to": "ana@acme.test", "note": 'Größe \u2028 "quoted"'},
            )


def _reports(db: Database, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, Any, bool]:
    """(fast report, event-by-event report, whether the forked segments all checked out)."""
    monkeypatch.setattr(audit, "PARALLEL_MIN_EVENTS", 10)
    segments: list[object] = []
    original = audit._verify_in_segments

    def spy(session: Any, workers: int) -> Any:
        segments.append(result := original(session, workers))
        return result

    monkeypatch.setattr(audit, "_verify_in_segments", spy)
    with db.session() as session:
        fast = verify_stored_events(session, workers=2, batch=7)
    with db.session() as session:
        slow = verify_events(iter_events(session))
    return vars(fast), vars(slow), segments[0] is not None


def test_fast_verify_of_an_intact_chain_uses_every_segment(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    _append(db, 30)
    fast, slow, segmented = _reports(db, monkeypatch)
    assert fast == slow and fast["checked"] == 30 and fast["broken_seq"] is None
    assert segmented


@pytest.mark.parametrize(
    "tamper",
    [
        sa.update(AuditEvent).where(AuditEvent.seq == 22).values(actor="mallory@evil.test"),  # type: ignore[arg-type]
        sa.update(AuditEvent).where(AuditEvent.seq == 9).values(details={"i": 999}),  # type: ignore[arg-type]
        sa.delete(AuditEvent).where(AuditEvent.seq == 16),  # type: ignore[arg-type]
        sa.update(AuditEvent).where(AuditEvent.seq == 30).values(prev_hash="0" * 64),  # type: ignore[arg-type]
    ],
    ids=["edited actor", "edited details", "deleted at a segment boundary", "relinked last"],
)
def test_fast_verify_names_the_same_first_break(
    db: Database, monkeypatch: pytest.MonkeyPatch, tamper: Any
) -> None:
    _append(db, 30)
    with db.engine.begin() as conn:
        conn.execute(tamper)
    fast, slow, segmented = _reports(db, monkeypatch)
    assert fast == slow and fast["broken_seq"] is not None
    assert not segmented


def test_row_hash_is_event_hash_for_any_values() -> None:
    values = [None, 0, 7, True, False, 1.5, "", 'x"\\\u2028é😀\x00', [1, "a"], {"b": 1, "a": None}]
    for n in range(400):
        event = {
            name: values[(n * (i + 3) + i) % len(values)] for i, name in enumerate(HASHED_FIELDS)
        }
        row = [event[name] for name in HASHED_FIELDS]
        assert row_hash(row, canonical_json(event["details"])) == event_hash(event)
