"""The bundle and expiring evidence: evidence.csv's `expires_at`, coverage judged at each period's
due time, and a verify.py that checks both against the audit log."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.core.db import Database
from bot.export import build_bundle, verify_bundle
from bot.export.records import EVIDENCE_HEADER
from tests.bot.evidence.expiry_support import NOW, OTHER, World, attest, expire, occurrence, seed
from tests.bot.export.bundle_support import (
    edited_csv,
    entries,
    extract,
    make_store,
    rehashed,
    rewrite,
    rows,
)

UTC = dt.UTC
JAN_10 = dt.datetime(2026, 1, 10, 15, 0, tzinfo=UTC)
WINDOW = (dt.date(2026, 1, 1), dt.date(2026, 6, 30))
Files = dict[str, bytes]


@pytest.fixture
def world(db: Database) -> World:
    """Vendor reports valid 12 months; Q1's was found to have lapsed before Q1 was due, the
    pen test's Q1 report lapsed after; Q2's are fresh."""
    w = seed(db, expires="12m")
    lapsed = attest(w, "2026-Q1", JAN_10)
    expire(w, lapsed, dt.date(2026, 1, 14))  # Q1 was due Thu 15 Jan
    later = attest(w, "2026-Q1", JAN_10, task=OTHER)
    expire(w, later, dt.date(2026, 1, 20))
    attest(w, "2026-Q2", dt.datetime(2026, 4, 2, 14, 0, tzinfo=UTC))
    return w


@pytest.fixture
def bundle(world: World, tmp_path: Path) -> Path:
    out = tmp_path / "bundle.zip"
    build_bundle(
        db=world.db, store=make_store(tmp_path / "evidence"), start=WINDOW[0], end=WINDOW[1],
        out=out, actor=world.ana, now=NOW,
    )  # fmt: skip
    return out


def coverage(files: Files) -> dict[str, tuple[str, str]]:
    return {
        r["occurrence_id"]: (r["coverage"], r["accepted_evidence"])
        for r in rows(files, "coverage.csv")
    }


def test_evidence_csv_ends_with_expires_at_so_older_readers_keep_working(bundle: Path) -> None:
    files = entries(bundle)
    header = files["evidence.csv"].decode().splitlines()[0].split(",")
    assert header == list(EVIDENCE_HEADER) and header[-1] == "expires_at"
    assert header[:-1] == list(EVIDENCE_HEADER[:-1])  # every older column where it was
    expiries = [r["expires_at"] for r in rows(files, "evidence.csv")]
    # The admin's two days (the end of each, New York time), then the task's 12 months.
    assert expiries == [
        "2026-01-15T05:00:00.000Z", "2026-01-21T05:00:00.000Z", "2027-04-03T04:00:00.000Z"
    ]  # fmt: skip


def test_coverage_judges_each_period_at_its_due_time(world: World, bundle: Path) -> None:
    db, files = world.db, entries(bundle)
    found = coverage(files)
    assert found[str(occurrence(db, "2026-Q1"))] == ("gap", "1")  # lapsed before it was due
    assert found[str(occurrence(db, "2026-Q1", OTHER))] == ("evidenced", "1")  # lapsed after
    assert found[str(occurrence(db, "2026-Q2"))] == ("evidenced", "1")
    manifest = json.loads(files["manifest.json"])
    assert manifest["coverage"] == {"evidenced": 2, "gap": 2, "not_due": 0, "skipped": 0}


def test_the_bundle_verifies_with_verify_py_alone(bundle: Path, tmp_path: Path) -> None:
    assert verify_bundle(bundle).ok
    folder = extract(bundle, tmp_path / "extracted")
    ran = subprocess.run(
        [sys.executable, "-I", "-S", str(folder / "verify.py")],
        cwd=folder, capture_output=True, text=True, timeout=120, env={},
    )  # fmt: skip
    assert ran.returncode == 0, ran.stdout + ran.stderr


def _covered_anyway(files: Files) -> Files:
    """The lapsed Q1 report's period shown as evidenced, the manifest's counts to match."""

    def evidenced(table: list[dict[str, str]]) -> None:
        gap = next(r for r in table if r["coverage"] == "gap" and r["accepted_evidence"] == "1")
        gap["coverage"] = "evidenced"

    files = edited_csv(files, "coverage.csv", evidenced)
    manifest = json.loads(files["manifest.json"])
    manifest["coverage"]["gap"] -= 1
    manifest["coverage"]["evidenced"] += 1
    return rehashed({**files, "manifest.json": json.dumps(manifest).encode()})


def _unexpired(files: Files) -> Files:
    """And the report itself shown as never expiring."""

    def clear(table: list[dict[str, str]]) -> None:
        table[0]["expires_at"] = ""

    return _covered_anyway(edited_csv(files, "evidence.csv", clear))


def _extended(files: Files) -> Files:
    """Q2's report (its 12 months stamped when it was given) shown valid for longer."""

    def later(table: list[dict[str, str]]) -> None:
        table[2]["expires_at"] = "2030-01-01T05:00:00.000Z"

    return rehashed(edited_csv(files, "evidence.csv", later))


@pytest.mark.parametrize(
    ("forge", "said"),
    [
        (_unexpired, "expires_at is (empty) but its last evidence.expiry_set event says"),
        (_covered_anyway, "coverage 'evidenced' with '1' accepted, but occurrences.csv and"),
        (_extended, "but its evidence.submitted event says '2027-04-03T04:00:00.000Z'"),
    ],
)
def test_an_expiry_removed_from_the_tables_is_caught(
    bundle: Path, tmp_path: Path, forge: Callable[[Files], Files], said: str
) -> None:
    report = verify_bundle(rewrite(bundle, tmp_path / "forged.zip", forge))
    assert not report.ok
    assert any(said in problem for problem in report.problems), report.problems
