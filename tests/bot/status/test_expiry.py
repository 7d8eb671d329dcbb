"""`status` and expiring evidence: coverage judged at each period's due time, and the two lists."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.core.db import Database
from bot.status.facts import StatusSummary
from bot.status.messages import status_view
from bot.status.summary import get_status_summary
from tests.bot.evidence.expiry_support import NOW, OTHER, attest, expire, occurrence, seed
from tests.both_platforms import both

UTC = dt.UTC
JAN_10 = dt.datetime(2026, 1, 10, 15, 0, tzinfo=UTC)
APR_2 = dt.datetime(2026, 4, 2, 14, 0, tzinfo=UTC)


def summary(db: Database, now: dt.datetime = NOW) -> StatusSummary:
    with db.session() as s:
        return get_status_summary(session=s, now=now)


def coverage(found: StatusSummary) -> dict[str, tuple[int, int]]:
    return {c.control_key: (c.expected, c.evidenced) for c in found.coverage}


@pytest.mark.parametrize(
    ("last_day", "evidenced"),
    [(dt.date(2026, 1, 14), 1), (dt.date(2026, 1, 15), 2), (dt.date(2026, 1, 16), 2)],
)
def test_window_coverage_judges_each_period_at_its_due_time(
    db: Database, last_day: dt.date, evidenced: int
) -> None:
    w = seed(db)
    q1 = attest(w, "2026-Q1", JAN_10)
    attest(w, "2026-Q2", APR_2)
    expire(w, q1, last_day)  # Q1 was due Thu 15 Jan
    found = summary(db)
    assert coverage(found)["CC9.2-VENDOR"] == (2, evidenced)
    gaps = {g.occurrence_id for g in found.gaps}
    assert (occurrence(db, "2026-Q1") in gaps) is (evidenced == 1)
    assert found.gap_count == 2 - evidenced + 2  # the pen test's two periods have no evidence


def test_status_lists_evidence_expiring_within_30_days_and_expired_evidence(db: Database) -> None:
    w = seed(db)
    old = attest(w, "2026-Q1", JAN_10)
    vendor = attest(w, "2026-Q2", APR_2)
    pen = attest(w, "2026-Q2", APR_2, task=OTHER)
    expire(w, old, dt.date(2026, 4, 1))  # expired, but renewed by the Q2 report: not listed
    expire(w, vendor, dt.date(2026, 5, 29))
    expire(w, pen, dt.date(2026, 5, 17))
    found = summary(db)
    assert [e.evidence_id for e in found.expiry.expiring] == [vendor]
    assert [e.evidence_id for e in found.expiry.expired] == [pen]
    for platform, shown in both(status_view(found)).items():
        text = shown.replace("\u00a0", " ")  # Teams keeps short labels on one line
        assert "Evidence expiry" in text, platform
        expected = (
            f"1 expiring in 30 days, first: evidence {vendor} (29 May) · 1 expired: evidence {pen}"
        )
        assert expected in text, platform
    # Expired after Q2 was due: Q2 stays covered; the list says a renewal is needed.
    assert coverage(found)["CC4.1-PEN"] == (2, 1)


def test_the_lists_leave_out_evidence_far_from_expiry_and_evidence_renewed(db: Database) -> None:
    w = seed(db)
    vendor = attest(w, "2026-Q2", APR_2)
    pen = attest(w, "2026-Q2", APR_2, task=OTHER)
    expire(w, vendor, dt.date(2026, 6, 20))  # 31 days on
    expire(w, pen, dt.date(2026, 5, 1))
    attest(w, "2026-Q1", dt.datetime(2026, 5, 19, 14, 0, tzinfo=UTC), task=OTHER)  # renewal
    found = summary(db)
    assert found.expiry.expiring_count == found.expiry.expired_count == 0
    text = "\n".join(both(status_view(found)).values())
    assert "Evidence expiry" not in text


def test_status_counts_every_expired_piece_and_names_the_first(db: Database) -> None:
    w = seed(db)
    vendor = attest(w, "2026-Q2", APR_2)
    pen = attest(w, "2026-Q2", APR_2, task=OTHER)
    expire(w, vendor, dt.date(2026, 5, 2))
    expire(w, pen, dt.date(2026, 5, 1))
    found = summary(db)
    assert [e.evidence_id for e in found.expiry.expired] == [pen, vendor]
    assert f"2 expired: evidence {pen}, …" in both(status_view(found))["slack"]
