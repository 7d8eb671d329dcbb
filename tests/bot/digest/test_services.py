"""The weekly digest's facts, its week boundaries in program time, and queuing it once a week."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, col, select

from bot.core.actor import Actor
from bot.core.db import Database
from bot.core.payload import message_from_payload
from bot.core.program import get_program_or_raise
from bot.core.settings import DEFAULT_ALLOWED_TYPES
from bot.digest.queries import count_controls_overdue
from bot.digest.services import compose_digest, digest_key, queue_weekly_digest
from bot.evidence.local import LocalEvidenceStore
from bot.evidence.services import attach_file_evidence, complete_by_attestation
from bot.outbox.queue import channel_target
from bot.status.summary import get_status_summary
from bot.work.occurrences import skip_occurrence
from models import (
    Campaign,
    CampaignItem,
    CampaignKind,
    CampaignStatus,
    ItemDecision,
    Occurrence,
    OutboxMessage,
    Person,
    Role,
    Task,
)
from tests.factories import generate, make_control, make_person, make_program, make_task

NY = ZoneInfo("America/New_York")
# Monday 18 May 2026, 10:00 in New York: the digest of week 2026-W21 reports on 11–17 May.
NOW = dt.datetime(2026, 5, 18, 14, 0, tzinfo=dt.UTC)


def ny(year: int, month: int, day: int, hour: int, minute: int = 0) -> dt.datetime:
    """A New York wall-clock time as a UTC instant."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=NY).astimezone(dt.UTC)


def seed(
    db: Database, *, timezone: str = "America/New_York", channel: str | None = "#lead"
) -> None:
    """Weekly work (due Wednesdays) under CC6.1-AR for Raj; monthly (due the 15th) for Ana."""
    with db.transaction() as s:
        program = make_program(s, timezone=timezone)
        program.leadership_channel = channel
        raj = make_person(s, "raj@acme.test", name="Raj Iyer")
        ana = make_person(s, "ana@acme.test", name="Ana Ruiz", role=Role.ADMIN)
        make_person(s, "lena@acme.test", name="Lena Park", role=Role.LEADERSHIP)
        make_task(s, make_control(s, "CC6.1-AR", owner=raj), "wk", schedule="weekly", due="2d")
        vuln = make_control(s, "CC7.1-VULN", owner=ana, criteria=("CC7.1",), title="Scans")
        make_task(s, vuln, "mo", schedule="monthly", due="14d", title="Scan")
        generate(s, now=NOW, horizon_days=30)


def occ_id(s: Session, task: str, period: str) -> int:
    query = (
        select(Occurrence.id).join(Task).where(Task.key == task, Occurrence.period_key == period)
    )
    return int(s.exec(query).one() or 0)


def actor(s: Session, email: str) -> Actor:
    return Actor.for_person(s.exec(select(Person).where(Person.email == email)).one())


def done(s: Session, task: str, period: str, when: dt.datetime, who: str = "ana@acme.test") -> None:
    complete_by_attestation(
        session=s, actor=actor(s, who), occurrence_id=occ_id(s, task, period), now=when
    )


def play_history(db: Database, tmp_path: Path) -> None:
    """Weeks W02–W17 on time; W18 late just before last week (Sun 23:30 New York); the
    rest as the digest of W21 should tell it."""
    store = LocalEvidenceStore(tmp_path / "ev", max_bytes=4096, allowed_types=DEFAULT_ALLOWED_TYPES)
    with db.transaction() as s:
        for week in range(2, 18):
            monday = dt.date.fromisocalendar(2026, week, 1)
            done(s, "wk", f"2026-W{week:02d}", ny(monday.year, monday.month, monday.day, 12))
        for month in (1, 2, 3):
            done(s, "mo", f"2026-{month:02d}", ny(2026, month, 10, 12))
        done(s, "wk", "2026-W18", ny(2026, 5, 10, 23, 30))  # late, the week before last
        # Last week, 11–17 May (New York): three completions, two late, one of them a file.
        attach_file_evidence(
            session=s, store=store, actor=actor(s, "ana@acme.test"),
            occurrence_id=occ_id(s, "mo", "2026-05"), stream=io.BytesIO(b"scan,ok\n"),
            original_name="scan.csv", now=ny(2026, 5, 11, 0, 30),
        )  # fmt: skip
        done(s, "mo", "2026-04", ny(2026, 5, 12, 10))  # due 15 Apr: late
        done(s, "wk", "2026-W19", ny(2026, 5, 17, 23, 30), "raj@acme.test")  # due 6 May: late
        # W20 (due Wed 13 May) stays pending: overdue now. W21 (due Wed 20 May) is open.


def test_digest_reports_last_week_in_program_time(db: Database, tmp_path: Path) -> None:
    seed(db)
    play_history(db, tmp_path)
    with db.session() as s:
        d = compose_digest(session=s, now=NOW)
    assert (d.week_label, d.last_week_start, d.last_week_end, d.today) == (
        "2026-W21", dt.date(2026, 5, 11), dt.date(2026, 5, 17), dt.date(2026, 5, 18)
    )  # fmt: skip
    # 23:30 on Sunday 10 May in New York is 11 May in UTC, and is still the week before.
    assert (d.completed_count, d.completed_late) == (3, 2)
    assert [(c.control_key, c.period_key, c.on_time, c.completed_on) for c in d.completed] == [
        ("CC7.1-VULN", "2026-05", True, dt.date(2026, 5, 11)),
        ("CC7.1-VULN", "2026-04", False, dt.date(2026, 5, 12)),
        ("CC6.1-AR", "2026-W19", False, dt.date(2026, 5, 17)),
    ]
    assert [c.completed_by for c in d.completed] == ["Ana Ruiz", "Ana Ruiz", "Raj Iyer"]
    assert (d.evidence_files, d.evidence_attestations, d.evidence_count) == (1, 2, 3)


def test_digest_counts_readiness_and_its_change_since_a_week_ago(
    db: Database, tmp_path: Path
) -> None:
    seed(db)
    play_history(db, tmp_path)
    with db.session() as s:
        d = compose_digest(session=s, now=NOW)
    # Now only CC6.1-AR has overdue work (W20). A week ago both had: W19 and April's scan.
    assert (d.controls_in_scope, d.controls_on_track) == (2, 1)
    assert (d.readiness_pct, d.readiness_week_ago_pct, d.readiness_change) == (50, 0, 50)
    assert d.overdue_count == 1
    assert [(o.owner, o.count, o.oldest_due) for o in d.overdue_by_owner] == [
        ("Raj Iyer", 1, dt.date(2026, 5, 13))
    ]
    assert [i.period_key for i in d.due_soon] == ["2026-W21", "2026-W22"]
    assert d.due_soon_count == 2
    assert {c.group: (c.open, c.overdue) for c in d.criteria} == {"CC6": (1, 1), "CC7": (0, 0)}
    assert d.gap_count == 1 and d.coverage_pct is not None and round(d.coverage_pct) == 96


def test_readiness_as_of_now_matches_status(db: Database, tmp_path: Path) -> None:
    seed(db)
    play_history(db, tmp_path)
    with db.session() as s:
        summary = get_status_summary(session=s, now=NOW)
        overdue = count_controls_overdue(session=s, at=NOW, today=summary.today)
    assert summary.controls_in_scope - overdue == summary.controls_on_track


def test_on_time_trend_covers_the_twelve_weeks_before_this_one(
    db: Database, tmp_path: Path
) -> None:
    seed(db)
    play_history(db, tmp_path)
    with db.session() as s:
        d = compose_digest(session=s, now=NOW)
    trend = {w.label: (w.due, w.on_time) for w in d.trend}
    assert list(trend) == [f"W{n:02d}" for n in range(9, 21)]
    # Weekly work is due on Wednesdays; the monthly scan on the 15th (W11, W16, W20).
    assert trend == {
        "W09": (1, 1), "W10": (1, 1), "W11": (2, 2), "W12": (1, 1), "W13": (1, 1),
        "W14": (1, 1), "W15": (1, 1), "W16": (2, 1), "W17": (1, 1), "W18": (1, 0),
        "W19": (1, 0), "W20": (2, 1),
    }  # fmt: skip
    assert d.trend[-1].rate == 50 and d.trend[0].rate == 100


def test_skipped_work_leaves_the_trend(db: Database) -> None:
    seed(db)
    with db.transaction() as s:
        skip_occurrence(
            session=s,
            actor=Actor.cli(),
            occurrence_id=occ_id(s, "wk", "2026-W20"),
            reason="team offsite",
        )
    with db.session() as s:
        d = compose_digest(session=s, now=NOW)
    assert (d.trend[-1].due, d.trend[-1].on_time) == (1, 0)  # only the May scan is left


def test_week_follows_the_program_timezone_not_utc(db: Database) -> None:
    seed(db, timezone="Asia/Tokyo")
    # Sunday 17 May 20:00 UTC is already Monday 18 May 05:00 in Tokyo: week 21 there.
    with db.session() as s:
        d = compose_digest(session=s, now=dt.datetime(2026, 5, 17, 20, 0, tzinfo=dt.UTC))
        program = get_program_or_raise(session=s)
    assert d.week_label == "2026-W21" and d.last_week_start == dt.date(2026, 5, 11)
    assert digest_key(program, dt.datetime(2026, 5, 17, 14, 59, tzinfo=dt.UTC)) == "digest:2026-W20"


def test_campaigns_in_progress_show_their_progress(db: Database) -> None:
    seed(db)
    with db.transaction() as s:
        for name, status, decisions in (
            ("Q2 production access", CampaignStatus.OPEN, "kkrpp"),
            ("Q1 production access", CampaignStatus.COMPLETED, "kk"),
            ("Empty review", CampaignStatus.OPEN, ""),
        ):
            campaign = Campaign(kind=CampaignKind.ACCESS_REVIEW, name=name, status=status)
            s.add(campaign)
            s.flush()
            decision = {"k": ItemDecision.KEEP, "r": ItemDecision.REVOKE, "p": ItemDecision.PENDING}
            s.add_all(
                CampaignItem(campaign_id=campaign.id or 0, subject=f"user{n}", decision=decision[c])
                for n, c in enumerate(decisions)
            )
    with db.session() as s:
        d = compose_digest(session=s, now=NOW)
    progress = [(c.name, c.kind, c.decided, c.total, c.pct) for c in d.campaigns]
    assert progress == [
        ("Q2 production access", "access_review", 3, 5, 60.0),
        ("Empty review", "access_review", 0, 0, None),  # no percentage of nothing (issue 15)
    ]


def test_leadership_channel_picks_the_platform() -> None:
    assert channel_target("#leadership") == ("slack", "#leadership")
    assert channel_target("C0123") == ("slack", "C0123")
    assert channel_target("teams:conv:19:abc@thread.tacv2") == (
        "teams",
        "teams:conv:19:abc@thread.tacv2",
    )
    assert channel_target(None) is None and channel_target("  ") is None


def queue(db: Database, now: dt.datetime) -> bool:
    with db.transaction() as s:
        return queue_weekly_digest(session=s, now=now)


def outbox(db: Database) -> list[OutboxMessage]:
    with db.session() as s:
        return list(s.exec(select(OutboxMessage).order_by(col(OutboxMessage.id))).all())


def test_digest_is_queued_once_from_monday_nine_program_time(db: Database) -> None:
    seed(db)
    assert queue(db, ny(2026, 5, 18, 8, 59)) is False and outbox(db) == []
    assert queue(db, ny(2026, 5, 18, 9, 0)) is True
    assert queue(db, ny(2026, 5, 18, 11, 0)) is False
    assert queue(db, ny(2026, 5, 22, 16, 0)) is False  # later that week: still the same key
    [row] = outbox(db)
    assert (row.idempotency_key, row.platform, row.recipient) == (
        "digest:2026-W21",
        "slack",
        "#lead",
    )
    message = message_from_payload(row.payload)
    assert message.title and "2026-W21" in message.title and not message.ephemeral
    [image] = message.images
    assert image.data is not None and image.data.startswith(b"\x89PNG\r\n\x1a\n")
    # The next week has its own key.
    assert queue(db, ny(2026, 5, 25, 9, 0)) is True
    assert [r.idempotency_key for r in outbox(db)] == ["digest:2026-W21", "digest:2026-W22"]


def test_restart_after_nine_sends_the_missed_digest_once_late(db: Database) -> None:
    seed(db)
    # The service was down from Sunday to Monday 14:00: its first tick sends, the rest do not.
    assert queue(db, ny(2026, 5, 18, 14, 0)) is True
    assert queue(db, ny(2026, 5, 18, 14, 1)) is False
    assert len(outbox(db)) == 1


def test_digest_in_the_week_after_the_dst_change(db: Database) -> None:
    seed(db)
    # Clocks went forward on Sunday 8 March 2026 in New York: Monday 09:00 is 13:00 UTC now.
    assert queue(db, dt.datetime(2026, 3, 9, 12, 59, tzinfo=dt.UTC)) is False
    assert queue(db, dt.datetime(2026, 3, 9, 13, 0, tzinfo=dt.UTC)) is True
    [row] = outbox(db)
    assert row.idempotency_key == "digest:2026-W11"
    with db.session() as s:
        d = compose_digest(session=s, now=dt.datetime(2026, 3, 9, 13, 0, tzinfo=dt.UTC))
    # Last week (2–8 March) started in EST and ended in EDT; its weekly work was due Wed 4 March.
    assert d.last_week_start == dt.date(2026, 3, 2) and d.trend[-1].label == "W10"
    assert (d.trend[-1].due, d.trend[-1].on_time) == (1, 0)


def test_no_leadership_channel_means_no_digest(db: Database) -> None:
    seed(db, channel=None)
    assert queue(db, NOW) is False and outbox(db) == []


def test_teams_leadership_channel_is_queued_for_teams(db: Database) -> None:
    seed(db, channel="teams:conv:19:lead@thread.tacv2")
    assert queue(db, NOW) is True
    [row] = outbox(db)
    assert (row.platform, row.recipient) == ("teams", "teams:conv:19:lead@thread.tacv2")


@pytest.mark.parametrize("hour", [0, 8])
def test_before_nine_nothing_is_composed(db: Database, hour: int) -> None:
    seed(db)
    assert queue(db, ny(2026, 5, 18, hour, 59)) is False and outbox(db) == []
