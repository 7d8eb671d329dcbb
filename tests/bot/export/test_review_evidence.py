"""Pulled access reviews in the bundle: snapshot, decisions and verified revokes, tied together."""

from __future__ import annotations

import datetime as dt
import glob
import hashlib
import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlmodel import col, select

from bot.core.db import Database
from bot.core.errors import Conflict
from bot.evidence.local import LocalEvidenceStore
from bot.export import verify_bundle
from bot.reviews.completion import complete_follow_up
from models import Campaign, Evidence
from tests.bot.export.bundle_support import (
    edited_csv,
    entries,
    extract,
    make_store,
    rehashed,
    rewrite,
    rows,
)
from tests.bot.export.review_support import (
    CHECKED,
    PulledReview,
    decide_all,
    export,
    follow_ups,
    seed_pulled_review,
    start_review,
)

Files = dict[str, bytes]
# coverage.csv's columns before the review columns were appended: older readers rely on them.
OLD_COVERAGE = [
    "control_id", "task_id", "period", "period_start", "period_end", "due_on", "coverage",
    "accepted_evidence", "occurrence_id",
]  # fmt: skip


@pytest.fixture
def store(tmp_path: Path) -> LocalEvidenceStore:
    return make_store(tmp_path / "evidence")


@pytest.fixture
def review(db: Database, store: LocalEvidenceStore) -> PulledReview:
    return seed_pulled_review(db, store)


@pytest.fixture
def bundle(db: Database, store: LocalEvidenceStore, review: PulledReview, tmp_path: Path) -> Path:
    return export(db, store, review.auditor, tmp_path / "bundle.zip")


def hashes(db: Database, campaign_id: int) -> dict[str, str]:
    """The review's files by role, as the database records them."""
    with db.session() as s:
        snapshot = (s.get(Campaign, campaign_id) or Campaign()).details["snapshot"]
        filed = s.exec(select(Evidence).where(col(Evidence.sha256).is_not(None))).all()
    decisions = {e.sha256 for e in filed if e.original_name.endswith("-decisions.csv")}
    checks = {e.sha256 for e in filed if e.campaign_item_id is not None}
    assert len(decisions) == len(checks) == 1
    return {
        "json": snapshot["json_sha256"], "csv": snapshot["csv_sha256"],
        "decisions": decisions.pop() or "", "verification": checks.pop() or "",
    }  # fmt: skip


def test_the_bundle_holds_the_snapshot_decisions_and_verification_files(
    db: Database, review: PulledReview, bundle: Path
) -> None:
    files, shas = entries(bundle), hashes(db, review.campaign_ids[0])
    for sha in shas.values():
        assert hashlib.sha256(files[f"files/{sha}"]).hexdigest() == sha
    pulled = json.loads(files[f"files/{shas['json']}"])
    assert [a["account"] for a in pulled["accounts"]] == ["alice", "bob", "mallory"]
    assert b"mallory" in files[f"files/{shas['csv']}"]
    rechecked = json.loads(files[f"files/{shas['verification']}"])
    assert [a["account"] for a in rechecked["accounts"]] == ["alice", "mallory"]
    assert b"bob" in files[f"files/{shas['decisions']}"]
    listed = {r["sha256"]: r for r in rows(files, "evidence.csv") if r["kind"] == "file"}
    assert set(shas.values()) <= set(listed)
    assert listed[shas["verification"]]["statement"].startswith(
        f"absent from GitHub organization acme at {CHECKED:%Y-%m-%d %H:%M} UTC"
    )


def test_coverage_leads_from_the_occurrence_to_each_revoke_and_its_proof(
    db: Database, review: PulledReview, bundle: Path
) -> None:
    files, shas = entries(bundle), hashes(db, review.campaign_ids[0])
    coverage = {r["period"]: r for r in rows(files, "coverage.csv")}
    assert files["coverage.csv"].decode().split("\r\n")[0].split(",")[:9] == OLD_COVERAGE
    q2 = coverage["2026-Q2"]
    assert q2["occurrence_id"] == str(review.occurrence_id)
    assert [q2["review_campaigns"], q2["revocations"]] == [str(review.campaign_ids[0]), "2"]
    assert [q2["revocations_verified"], q2["revocations_open"]] == ["1", "1"]
    assert [coverage["2026-Q1"][c] for c in ("review_campaigns", "revocations")] == ["", ""]
    trail = rows(files, "access_reviews.csv")
    assert {
        (r["occurrence_id"], r["campaign_id"], r["snapshot_json_sha256"],
         r["snapshot_csv_sha256"], r["decisions_sha256"], r["source"])
        for r in trail
    } == {
        (str(review.occurrence_id), str(review.campaign_ids[0]), shas["json"], shas["csv"],
         shas["decisions"], "GitHub organization acme")
    }  # fmt: skip
    ids = follow_ups(db)
    assert [
        (r["subject"], r["follow_up_id"], r["follow_up_status"], r["verification_sha256"])
        for r in trail
    ] == [
        ("bob", str(ids["bob"]), "verified", shas["verification"]),
        ("mallory", str(ids["mallory"]), "open", "open"),
    ]  # fmt: skip
    assert json.loads(files["manifest.json"])["counts"]["access_reviews"] == 2


def _python() -> str:
    """Python 3.8 when this machine has it (the oldest verify.py supports), else this one."""
    pyenv = sorted(glob.glob(str(Path.home() / ".pyenv/versions/3.8*/bin/python3.8")))
    for candidate in (*pyenv, shutil.which("python3.8")):
        if candidate and subprocess.run([candidate, "-V"], capture_output=True).returncode == 0:
            return candidate
    return sys.executable


def test_the_bundled_verify_py_passes_then_names_an_altered_snapshot(
    db: Database, review: PulledReview, bundle: Path, tmp_path: Path
) -> None:
    assert verify_bundle(bundle).ok, verify_bundle(bundle).problems
    folder = extract(bundle, tmp_path / "auditor")
    run = [_python(), "-I", "-S", "verify.py"]  # isolated, no site-packages: stdlib only
    done = subprocess.run(run, cwd=folder, capture_output=True, text=True, timeout=300, env={})
    assert done.returncode == 0 and done.stdout.startswith("OK: "), done.stdout + done.stderr
    snapshot = folder / "files" / hashes(db, review.campaign_ids[0])["json"]
    snapshot.write_bytes(snapshot.read_bytes().replace(b"mallory", b"mallorx"))
    done = subprocess.run(run, cwd=folder, capture_output=True, text=True, timeout=300, env={})
    assert done.returncode == 1
    assert f"ALTERED  files/{snapshot.name}: SHA-256 " in done.stdout
    assert "FAILED: 1 problem(s)" in done.stdout


def _forged(name: str, change: Callable[[list[dict[str, str]]], None]) -> Callable[[Files], Files]:
    """The table changed and the manifest re-hashed and re-counted, as a forger would."""

    def forge(files: Files) -> Files:
        changed = edited_csv(files, name, change)
        manifest = json.loads(changed["manifest.json"])
        manifest["counts"]["access_reviews"] = len(rows(changed, "access_reviews.csv"))
        return rehashed({**changed, "manifest.json": json.dumps(manifest).encode()})

    return forge


def _verified_mallory(table: list[dict[str, str]]) -> None:
    bob, mallory = table
    for column in ("follow_up_status", "verification_sha256", "verification_evidence_id"):
        mallory[column] = bob[column]


def _other_snapshot(table: list[dict[str, str]]) -> None:
    for row in table:
        row["snapshot_json_sha256"] = row["decisions_sha256"]


def _absent_file(table: list[dict[str, str]]) -> None:
    table[0]["verification_sha256"] = "0" * 64


def _no_open_revoke(table: list[dict[str, str]]) -> None:
    for row in table:
        row["revocations_open"] = "0" if row["revocations_open"] else ""


FORGERIES = {
    "a revoke still open shown as verified": (
        _forged("access_reviews.csv", _verified_mallory),
        "MISMATCH access_reviews.csv row 2 (camp-1): follow-up 2 is 'verified/",
    ),
    "a revoke left out": (
        _forged("access_reviews.csv", lambda table: table.pop()),
        "MISSING  access_reviews.csv: event",
    ),
    "another file passed off as the snapshot": (
        _forged("access_reviews.csv", _other_snapshot),
        "MISMATCH access_reviews.csv row 1 (camp-1): snapshot_json_sha256 is",
    ),
    "a verification file the bundle lacks": (
        _forged("access_reviews.csv", _absent_file),
        f"MISSING  files/{'0' * 64}: named by access_reviews.csv row 1 (verification_sha256)",
    ),
    "no revoke left open in coverage": (
        _forged("coverage.csv", _no_open_revoke),
        "review columns '1,2,1,0', access_reviews.csv makes them '1,2,1,1'",
    ),
}


@pytest.mark.parametrize("forgery", FORGERIES, ids=list(FORGERIES))
def test_a_forged_review_trail_fails_even_behind_a_rehashed_manifest(
    bundle: Path, tmp_path: Path, forgery: str
) -> None:
    change, expected = FORGERIES[forgery]
    report = verify_bundle(rewrite(bundle, tmp_path / "forged.zip", change))
    assert not report.ok
    assert any(p.startswith(expected) or expected in p for p in report.problems), report.problems


def test_revokes_closed_by_hand_are_done_without_a_verification_file(
    db: Database, store: LocalEvidenceStore, tmp_path: Path
) -> None:
    review = start_review(db, store, reviewer="owner")
    decide_all(db, store, {"alice": "keep", "bob": "revoke", "mallory": "revoke"})
    for follow_up in follow_ups(db).values():
        with db.transaction() as s:
            complete_follow_up(session=s, actor=review.raj, follow_up_id=follow_up, now=CHECKED)
    bundle = export(db, store, review.auditor, tmp_path / "bundle.zip")
    files = entries(bundle)
    assert [
        (r["subject"], r["follow_up_status"], r["verification_sha256"])
        for r in rows(files, "access_reviews.csv")
    ] == [("bob", "done", ""), ("mallory", "done", "")]
    q2 = {r["period"]: r for r in rows(files, "coverage.csv")}["2026-Q2"]
    assert [q2[c] for c in ("revocations", "revocations_verified", "revocations_open")] == [
        "2", "0", "0",
    ]  # fmt: skip
    assert verify_bundle(bundle).ok, verify_bundle(bundle).problems


def test_a_split_review_travels_whole_when_its_first_share_ended_before_the_window(
    db: Database, store: LocalEvidenceStore, tmp_path: Path
) -> None:
    """Mo's share (bob; it holds the snapshot) is done before June, Raj's share still runs:
    a June bundle holds both, and the snapshot they share."""
    review = start_review(db, store, reviewer="manager")
    assert len(review.campaign_ids) == 2
    decide_all(db, store, {"bob": "revoke"})
    june = (dt.date(2026, 6, 1), dt.date(2026, 6, 30))
    bundle = export(db, store, review.auditor, tmp_path / "bundle.zip", window=june)
    files = entries(bundle)
    trail = rows(files, "access_reviews.csv")
    assert [(r["campaign_id"], r["campaign_status"], r["subject"]) for r in trail] == [
        (str(review.campaign_ids[0]), "completed", "bob"),
        (str(review.campaign_ids[1]), "open", ""),
    ]
    snapshot = {r["snapshot_json_sha256"] for r in trail}
    assert len(snapshot) == 1 and f"files/{snapshot.pop()}" in files
    assert verify_bundle(bundle).ok, verify_bundle(bundle).problems


def test_no_bundle_names_a_review_file_it_does_not_hold(
    db: Database, store: LocalEvidenceStore, review: PulledReview, tmp_path: Path
) -> None:
    with db.transaction() as s:  # the snapshot's evidence row lost (a damaged database)
        sha = hashes(db, review.campaign_ids[0])["json"]
        s.delete(s.exec(select(Evidence).where(Evidence.sha256 == sha)).one())
    out = tmp_path / "bundle.zip"
    with pytest.raises(Conflict, match=f"names the file {sha}"):
        export(db, store, review.auditor, out)
    assert not out.exists()
