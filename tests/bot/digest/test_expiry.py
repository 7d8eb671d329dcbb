"""The weekly digest and expiring evidence: its coverage rule is status's, and it lists both."""

from __future__ import annotations

import datetime as dt

from bot.core.db import Database
from bot.digest.facts import Digest
from bot.digest.messages import digest_details_view, digest_view
from bot.digest.services import compose_digest
from bot.status.summary import get_status_summary
from tests.bot.evidence.expiry_support import NOW, OTHER, attest, expire, seed
from tests.both_platforms import both

UTC = dt.UTC
APR_2 = dt.datetime(2026, 4, 2, 14, 0, tzinfo=UTC)


def digest(db: Database) -> Digest:
    with db.session() as s:
        return compose_digest(session=s, now=NOW)


def test_the_digest_counts_and_lists_expiring_and_expired_evidence(db: Database) -> None:
    w = seed(db)
    vendor = attest(w, "2026-Q2", APR_2)
    pen = attest(w, "2026-Q2", APR_2, task=OTHER)
    expire(w, vendor, dt.date(2026, 5, 29))
    expire(w, pen, dt.date(2026, 5, 17))
    found = digest(db)
    assert (found.expiry.expiring_count, found.expiry.expired_count) == (1, 1)
    headline = both(digest_view(found))
    assert all("1 expiring in 30 days · 1 expired" in text for text in headline.values())
    details = both(digest_details_view(found))["teams"]
    assert "Evidence expiring in 30 days" in details
    assert f"evidence {vendor} of #" in details and "expires Fri 29 May 2026" in details
    assert "Evidence expired, not renewed" in details
    assert f"evidence {pen} of #" in details and "expired after Sun 17 May 2026" in details


def test_the_digest_says_nothing_of_expiry_when_nothing_expires(db: Database) -> None:
    w = seed(db)
    attest(w, "2026-Q2", APR_2)
    found = digest(db)
    text = "\n".join(both(digest_view(found)).values()) + str(digest_details_view(found))
    assert "expir" not in text.lower()


def test_digest_coverage_is_judged_as_status_judges_it(db: Database) -> None:
    w = seed(db)
    q1 = attest(w, "2026-Q1", dt.datetime(2026, 1, 10, 15, 0, tzinfo=UTC))
    attest(w, "2026-Q2", APR_2)
    expire(w, q1, dt.date(2026, 1, 14))  # lapsed the day before Q1 was due: a gap
    found = digest(db)
    with db.session() as s:
        status = get_status_summary(session=s, now=NOW)
    assert (found.coverage_pct, found.gap_count) == (status.coverage_pct, status.gap_count)
    assert found.gap_count == 3  # the vendor's Q1, and the pen test's two periods
