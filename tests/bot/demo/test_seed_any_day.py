"""The demo tells the truth on any day it is seeded: overdue and late work, last week's news."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlmodel import col, select

from bot.audit.trail import format_time, iter_events
from bot.audit.verify import verify_chain
from bot.core.db import Database
from bot.core.settings import DEFAULT_ALLOWED_TYPES
from bot.demo.seed import seed_demo
from bot.digest.services import compose_digest
from bot.evidence.local import LocalEvidenceStore
from bot.status.summary import get_status_summary
from models import (
    Campaign,
    CampaignItem,
    Evidence,
    ItemDecision,
    Occurrence,
    OccurrenceStatus,
    Program,
)

# New Year (a quiet week after the holidays), the end of a quarter (nothing open for weeks),
# and a Wednesday in December; and a Monday morning and a Sunday night, the two ends of the
# calendar week the digest reports on.
DAYS = [
    dt.datetime(2026, 1, 2, 15, tzinfo=dt.UTC),
    dt.datetime(2026, 6, 30, 15, tzinfo=dt.UTC),
    dt.datetime(2026, 12, 2, 15, tzinfo=dt.UTC),
    dt.datetime(2026, 3, 9, 13, 30, tzinfo=dt.UTC),
    dt.datetime(2026, 9, 14, 3, 30, tzinfo=dt.UTC),
]
WEEK = dt.timedelta(days=7)


@dataclass
class Seeded:
    db: Database
    now: dt.datetime


@pytest.fixture(scope="module", params=DAYS, ids=lambda day: f"{day:%Y-%m-%dT%H%M}")
def seeded(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Seeded]:
    root: Path = tmp_path_factory.mktemp("demo")
    db = Database(f"sqlite:///{root}/demo.db")
    db.upgrade()
    store = LocalEvidenceStore(
        root / "ev", max_bytes=25 * 1024 * 1024, allowed_types=DEFAULT_ALLOWED_TYPES
    )
    seed_demo(db=db, store=store, now=request.param)
    yield Seeded(db, request.param)
    db.dispose()


def test_status_shows_overdue_work(seeded: Seeded) -> None:
    with seeded.db.session() as session:
        summary = get_status_summary(session=session, now=seeded.now)
    assert summary.overdue_count >= 1 and summary.overdue


def test_the_history_holds_work_done_late(seeded: Seeded) -> None:
    with seeded.db.session() as session:
        done = session.exec(select(Occurrence).where(Occurrence.status == OccurrenceStatus.DONE))
        late = [o for o in done if o.completed_at is not None and o.completed_at > o.due_at]
    assert late and all(o.completed_at is not None and o.completed_at < seeded.now for o in late)


def test_the_last_seven_days_saw_completions_evidence_and_acknowledgements(
    seeded: Seeded,
) -> None:
    week_ago = seeded.now - WEEK
    with seeded.db.session() as session:
        completed = session.exec(
            select(Occurrence.id).where(col(Occurrence.completed_at) >= week_ago)
        ).all()
        evidence = session.exec(select(Evidence.id).where(Evidence.submitted_at >= week_ago)).all()
        answered = session.exec(
            select(CampaignItem).where(col(CampaignItem.decided_at) >= week_ago)
        ).all()
        future = session.exec(select(Evidence.id).where(Evidence.submitted_at >= seeded.now))
        assert future.first() is None
    assert len(completed) >= 3 and len(evidence) >= len(completed)
    assert any(item.decision is ItemDecision.ACKNOWLEDGED for item in answered)


def test_the_digest_reports_last_weeks_work_and_the_rounds_in_progress(seeded: Seeded) -> None:
    with seeded.db.session() as session:
        digest = compose_digest(session=session, now=seeded.now)
    assert digest.completed_count >= 3 and digest.completed
    assert digest.evidence_files + digest.evidence_attestations >= digest.completed_count
    assert digest.overdue_count >= 1 and digest.overdue_by_owner
    names = {c.name: c for c in digest.campaigns}
    assert set(names) == {
        "Information Security Policy, version 3.1",
        f"Security awareness training ({(seeded.now - 26 * dt.timedelta(days=1)).year})",
    }
    assert all(0 < c.decided <= c.total for c in digest.campaigns)
    assert sum(t.due for t in digest.trend) > 0


def test_audit_events_run_in_time_order_from_the_catalog_setup_to_the_seeding(
    seeded: Seeded,
) -> None:
    with seeded.db.session() as session:
        events = list(iter_events(session))
        program = session.get(Program, 1)
        assert verify_chain(session=session).ok
    assert program is not None
    times = [e["occurred_at"] for e in events]  # ISO-8601 UTC text: sorts as time does
    assert times == sorted(times)
    assert events[0]["action"] == "program.created"
    assert times[0] < program.start_date.isoformat() and times[-1] < format_time(seeded.now)
    assert len({t[:7] for t in times}) >= 13  # every month of the year, not one afternoon


def test_each_event_carries_the_time_its_work_evidence_or_answer_was_given(
    seeded: Seeded,
) -> None:
    with seeded.db.session() as session:
        events = list(iter_events(session))
        occurrences = {str(o.id): o for o in session.exec(select(Occurrence))}
        items = {i.id: i for i in session.exec(select(CampaignItem))}
        rounds = {str(c.id): c for c in session.exec(select(Campaign))}
    actions = {e["action"] for e in events}
    assert {"occurrence.completed", "evidence.submitted", "occurrence.skipped"} <= actions
    assert {"campaign.started", "campaign.item_acknowledged", "campaign.superseded"} <= actions
    assert {"campaign.training_completed", "occurrences.generated"} <= actions
    for event in events:
        at, details = event["occurred_at"], event["details"]
        if "at" in details:  # a completion or evidence: the time it states is the event's
            assert at == details["at"], event
        if event["action"] in ("campaign.item_acknowledged", "campaign.training_completed"):
            decided_at = items[details["item"]].decided_at
            assert decided_at is not None and at == format_time(decided_at)
        elif event["action"] == "campaign.started":
            assert at == format_time(rounds[event["subject_id"]].created_at)
        elif event["action"] == "occurrence.skipped":
            occ = occurrences[event["subject_id"]]
            assert occ.period_start.isoformat() <= at < format_time(occ.due_at)
