"""Building the evidence bundle: contents, round trip, determinism, window, failures, audit."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import sqlite3
from pathlib import Path

import pytest
from sqlmodel import col, select

from bot.audit.verify import verify_chain
from bot.core.db import Database
from bot.core.errors import Conflict, InvalidInput
from bot.export import build_bundle, verify_bundle
from bot.export.bundle import write_bundle
from models import AuditEvent
from tests.bot.export.bundle_support import (
    DECISIONS_CSV,
    NOW,
    REVIEW_PDF,
    SCAN_PDF,
    WINDOW,
    Seeded,
    entries,
    extract,
    occurrence_id,
    rows,
)

START, END = WINDOW


def export(db: Database, seeded: Seeded, out: Path, **kw: object) -> Path:
    args = {"start": START, "end": END, "actor": seeded.audrey, "now": NOW, **kw}
    build_bundle(db=db, store=seeded.store, out=out, **args)  # type: ignore[arg-type]
    return out


def test_round_trip_export_then_verify_passes(db: Database, seeded: Seeded, tmp_path: Path) -> None:
    bundle = export(db, seeded, tmp_path / "bundle.zip")
    report = verify_bundle(bundle)
    assert report.ok, report.problems
    assert report.files == len(entries(bundle)) - 2  # everything but the manifest and its sig
    extracted = verify_bundle(extract(bundle, tmp_path / "out"))
    assert extracted.ok, extracted.problems
    assert (extracted.head_hash, extracted.events) == (report.head_hash, report.events)


def test_bundle_holds_every_part_the_auditor_needs(
    db: Database, seeded: Seeded, tmp_path: Path
) -> None:
    files = entries(export(db, seeded, tmp_path / "bundle.zip"))
    expected = {"manifest.json", "controls.csv", "tasks.csv", "occurrences.csv", "evidence.csv"}
    expected |= {"coverage.csv", "campaigns.csv", "audit_log.jsonl", "index.html", "verify.py"}
    assert expected <= set(files)
    stored = {
        f"files/{hashlib.sha256(b).hexdigest()}" for b in (REVIEW_PDF, SCAN_PDF, DECISIONS_CSV)
    }
    assert {n for n in files if n.startswith("files/")} == stored  # one copy per hash
    assert [n for n in files if n.startswith("campaigns/")] == ["campaigns/1-q1-github-review.csv"]
    decisions = rows(files, "campaigns/1-q1-github-review.csv")
    assert [(d["subject"], d["decision"], d["decided_by_email"]) for d in decisions] == [
        ("raj", "keep", "eve@acme.test"), ("old-bot", "pending", ""),
    ]  # fmt: skip
    manifest = json.loads(files["manifest.json"])
    assert manifest["program"]["name"] == "Test program" and manifest["generator"]["version"]
    assert manifest["counts"]["occurrences"] == len(rows(files, "occurrences.csv")) == 8
    assert manifest["window"] == {
        "start": "2026-01-01", "end": "2026-06-30", "timezone": "America/New_York",
        "from_utc": "2026-01-01T05:00:00.000Z", "until_utc": "2026-07-01T04:00:00.000Z",
        "population": "every occurrence due on a day from start to end, both included",
    }  # fmt: skip
    for name, data in files.items():
        if name not in ("manifest.json", "manifest.sig"):
            assert manifest["files"][name]["sha256"] == hashlib.sha256(data).hexdigest()


def test_tables_show_state_evidence_supersedes_and_coverage(
    db: Database, seeded: Seeded, tmp_path: Path
) -> None:
    files = entries(export(db, seeded, tmp_path / "bundle.zip"))
    states = {(r["task_id"], r["period"]): r["state"] for r in rows(files, "occurrences.csv")}
    assert states[("prod-access-review", "2026-Q1")] == "done"
    assert states[("vuln-scan", "2026-04")] == "skipped"
    assert states[("vuln-scan", "2026-03")] == "overdue"  # its only file was superseded
    assert states[("vuln-scan", "2026-06")] == "upcoming"
    evidence = {r["original_name"] or r["kind"]: r for r in rows(files, "evidence.csv")}
    march = evidence["march.pdf"]
    assert (march["superseded"], march["supersede_reason"]) == ("yes", "wrong month's report")
    assert march["file"] == f"files/{hashlib.sha256(SCAN_PDF).hexdigest()}"
    attestation = evidence["attestation"]
    assert attestation["statement"].startswith("'=HYPERLINK(")  # never a live formula
    assert (attestation["submitted_by_email"], attestation["platform"]) == ("raj@acme.test", "cli")
    assert evidence["decisions.csv"]["campaign_id"] == "1"
    coverage = {(r["task_id"], r["period"]): r["coverage"] for r in rows(files, "coverage.csv")}
    assert coverage[("prod-access-review", "2026-Q1")] == "evidenced"
    assert coverage[("vuln-scan", "2026-03")] == "gap"
    assert coverage[("vuln-scan", "2026-04")] == "skipped"
    assert coverage[("vuln-scan", "2026-06")] == "not_due"
    controls = rows(files, "controls.csv")
    assert [(c["control_id"], c["criteria"]) for c in controls] == [
        ("CC6.1-AR", "CC6.1"), ("CC7.1-VS", "CC7.1;CC7.2"),
    ]  # fmt: skip


def test_index_page_escapes_text_and_links_files(
    db: Database, seeded: Seeded, tmp_path: Path
) -> None:
    page = entries(export(db, seeded, tmp_path / "bundle.zip"))["index.html"].decode()
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "Content-Security-Policy" in page
    sha = hashlib.sha256(REVIEW_PDF).hexdigest()
    assert f'<a href="files/{sha}" download="q1 review.pdf">q1 review.pdf</a>' in page
    assert 'href="campaigns/1-q1-github-review.csv"' in page
    assert '<li class="superseded">file' in page and "wrong month&#x27;s report" in page
    assert "skipped: scanner migration" in page


def test_same_data_gives_byte_identical_files_apart_from_generated_at(
    db: Database, seeded: Seeded
) -> None:
    first, second, again = io.BytesIO(), io.BytesIO(), io.BytesIO()
    later = NOW + dt.timedelta(minutes=3)
    for out, now in ((first, NOW), (second, later), (again, NOW)):
        write_bundle(db=db, store=seeded.store, start=START, end=END, fp=out, now=now)
    assert first.getvalue() == again.getvalue()  # the very same bytes, zip and all
    a, b = entries(first.getvalue()), entries(second.getvalue())
    assert list(a) == list(b)
    assert [n for n in a if a[n] != b[n]] == ["manifest.json", "manifest.sig"]
    ma, mb = json.loads(a["manifest.json"]), json.loads(b["manifest.json"])
    assert ma.pop("generated_at") != mb.pop("generated_at") and ma == mb


def test_exports_of_two_copies_of_one_database_are_identical(
    sqlite_db: Database, tmp_path: Path
) -> None:
    from tests.bot.export.bundle_support import make_store, seed

    seeded = seed(sqlite_db, make_store(tmp_path / "evidence"))
    copy = tmp_path / "copy.db"
    with sqlite3.connect(sqlite_db.engine.url.database or "") as src, sqlite3.connect(copy) as dst:
        src.backup(dst)  # WAL-aware copy of the committed data
    twin = Database(f"sqlite:///{copy}")
    try:
        one = export(sqlite_db, seeded, tmp_path / "one.zip")
        two = export(twin, seeded, tmp_path / "two.zip")
    finally:
        twin.dispose()
    assert one.read_bytes() == two.read_bytes()


@pytest.mark.parametrize(
    ("start", "end", "included"),
    [
        (dt.date(2026, 3, 8), dt.date(2026, 3, 8), True),  # due on the first and last day
        (dt.date(2026, 3, 1), dt.date(2026, 3, 8), True),  # due on the last day: in
        (dt.date(2026, 3, 1), dt.date(2026, 3, 7), False),  # the day after the end: out
        (dt.date(2026, 3, 8), dt.date(2026, 3, 31), True),  # due on the first day: in
        (dt.date(2026, 3, 9), dt.date(2026, 3, 31), False),  # the day before the start: out
    ],
)
def test_window_boundaries_are_inclusive_days(
    db: Database, seeded: Seeded, start: dt.date, end: dt.date, included: bool
) -> None:
    march = str(occurrence_id(db, "vuln-scan", "2026-03"))  # due on 2026-03-08
    out = io.BytesIO()
    build_bundle(
        db=db, store=seeded.store, start=start, end=end, out=out, actor=seeded.ana, now=NOW
    )
    ids = [r["occurrence_id"] for r in rows(entries(out.getvalue()), "occurrences.csv")]
    assert (march in ids) is included


def test_export_is_audit_logged_after_the_bundle_with_its_hash(
    db: Database, seeded: Seeded, tmp_path: Path
) -> None:
    bundle = export(db, seeded, tmp_path / "bundle.zip")
    manifest = json.loads(entries(bundle)["manifest.json"])
    with db.session() as s:
        event = s.exec(select(AuditEvent).order_by(col(AuditEvent.seq).desc())).first()
        assert verify_chain(session=s).ok
    assert event is not None and event.action == "export.created"
    assert (event.actor, event.subject_id) == ("audrey@audit.test", "2026-01-01..2026-06-30")
    assert event.details["bundle_sha256"] == hashlib.sha256(bundle.read_bytes()).hexdigest()
    head = manifest["audit_chain"]["head"]
    assert event.details["built_against_head"] == head and event.seq == head["seq"] + 1
    assert (
        event.details["counts"]["occurrences"] == 8 and event.details["file_name"] == "bundle.zip"
    )


def test_a_missing_or_changed_store_file_leaves_no_bundle_and_no_event(
    db: Database, seeded: Seeded, tmp_path: Path
) -> None:
    key = seeded.store.root / "sha256"
    victim = next(p for p in key.rglob("*") if p.is_file() and p.stat().st_size == len(SCAN_PDF))
    victim.unlink()
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    with pytest.raises(Conflict, match="missing from the evidence store"):
        export(db, seeded, out_dir / "bundle.zip")
    victim.write_bytes(SCAN_PDF.replace(b"March", b"April"))
    with pytest.raises(Conflict, match="no longer matches its SHA-256"):
        export(db, seeded, out_dir / "bundle.zip")
    assert list(out_dir.iterdir()) == []  # no half bundle, no temp file
    with db.session() as s:
        assert not s.exec(select(AuditEvent).where(AuditEvent.action == "export.created")).all()


def test_bad_windows_and_paths_are_friendly_errors(
    db: Database, seeded: Seeded, tmp_path: Path
) -> None:
    with pytest.raises(InvalidInput, match="after the end date"):
        export(db, seeded, tmp_path / "b.zip", start=END, end=START)
    with pytest.raises(InvalidInput, match="is a folder"):
        export(db, seeded, tmp_path)
    with pytest.raises(InvalidInput, match="Cannot write"):
        export(db, seeded, tmp_path / "missing" / "b.zip")
