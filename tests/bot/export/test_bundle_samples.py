"""Samples in the evidence bundle: a file per sample drawn in the window, samples.csv, verify.py."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bot.audit.trail import stamped_by
from bot.core.db import Database
from bot.export import build_bundle, verify_bundle
from bot.sampling.draw import draw_positions
from bot.sampling.services import draw_sample, extend_sample
from tests.bot.export.bundle_support import WINDOW, Seeded, edited_csv, entries, extract, rehashed
from tests.bot.export.bundle_support import rewrite as rewritten
from tests.bot.export.bundle_support import rows as table
from tests.bot.export.test_review_evidence import _python

Files = dict[str, bytes]
DRAWN_AT = dt.datetime(2026, 6, 20, 15, 0, tzinfo=dt.UTC)
EXTENDED_AT = dt.datetime(2026, 6, 25, 9, 30, tzinfo=dt.UTC)
LATE = dt.datetime(2026, 7, 2, 12, 0, tzinfo=dt.UTC)  # after the window (New York time)
SAMPLE = "samples/sample-1.json"


@pytest.fixture
def bundle(db: Database, seeded: Seeded, tmp_path: Path) -> Path:
    """Sample 1 (the monthly scans of the window, seed fy26) drawn and extended in the
    window; sample 2 (the campaign's accounts) drawn after it; then the window's bundle."""
    with stamped_by(lambda: DRAWN_AT), db.transaction() as s:
        draw_sample(session=s, actor=seeded.audrey, now=DRAWN_AT, control="CC7.1-VS",
                    start=WINDOW[0], end=WINDOW[1], size=3, seed="fy26")  # fmt: skip
    with stamped_by(lambda: EXTENDED_AT), db.transaction() as s:
        extend_sample(session=s, actor=seeded.audrey, sample_id=1, count=1, now=EXTENDED_AT)
    with stamped_by(lambda: LATE), db.transaction() as s:
        draw_sample(session=s, actor=seeded.audrey, now=LATE, campaign_id=1, size=1,
                    seed="late")  # fmt: skip
    out = tmp_path / "bundle.zip"
    build_bundle(db=db, store=seeded.store, start=WINDOW[0], end=WINDOW[1], out=out,
                 actor=seeded.audrey, now=LATE)  # fmt: skip
    return out


def _verify(folder: Path) -> subprocess.CompletedProcess[str]:
    run = [_python(), "-I", "-S", "verify.py"]  # isolated, no site-packages: stdlib only
    return subprocess.run(run, cwd=folder, capture_output=True, text=True, timeout=300, env={})


def test_a_drawn_and_extended_sample_is_in_the_bundle_and_verifies_with_the_standard_library(
    bundle: Path, tmp_path: Path
) -> None:
    files = entries(bundle)
    assert [n for n in files if n.startswith("samples/")] == [SAMPLE]  # sample 2: after it
    sample = json.loads(files[SAMPLE])
    assert (sample["draw"]["seed"], sample["draw"]["rounds"]) == ("fy26", [3, 1])
    assert len(sample["population"]["lines"]) == sample["population"]["size"] == 6
    assert len(sample["selection"]) == 4 and sample["additions"] == [sample["selection"][3:]]
    rows = table(files, "samples.csv")
    assert [r["member"] for r in rows] == sample["selection"]  # in draw order
    assert [r["round"] for r in rows] == ["0", "0", "0", "1"]
    assert {(r["seed"], r["population_sha256"], r["size"], r["drawn_by"]) for r in rows} == {
        ("fy26", sample["population"]["sha256"], "4", "audrey@audit.test")
    }
    assert all(r["ref"] == "#" + r["member"].split(":")[1] for r in rows)
    # The scans with evidence (January's attestation, March's file) have it in the bundle.
    assert {r["evidence_in_bundle"] for r in rows if r["evidence_ids"]} <= {"yes"}
    assert {r["evidence_in_bundle"] for r in rows if not r["evidence_ids"]} <= {"none"}
    assert json.loads(files["manifest.json"])["counts"]["samples"] == 1
    assert verify_bundle(bundle).ok, verify_bundle(bundle).problems
    done = _verify(extract(bundle, tmp_path / "auditor"))
    assert done.returncode == 0 and done.stdout.startswith("OK: "), done.stdout + done.stderr


def _sample_edited(change: Callable[[dict[str, Any]], None]) -> Callable[[Files], Files]:
    def forge(files: Files) -> Files:
        sample = json.loads(files[SAMPLE])
        change(sample)
        return rehashed({**files, SAMPLE: json.dumps(sample, indent=2).encode()})

    return forge


def _population_line(sample: dict[str, Any]) -> None:
    lines = sample["population"]["lines"]
    lines[0] += " (a friendlier period)"


def _hand_picked(sample: dict[str, Any]) -> None:
    """A friendlier scan put in place of the first one drawn."""
    members = [line.split("\t")[0] for line in sample["population"]["lines"]]
    selection: list[str] = sample["selection"]
    selection[0] = next(m for m in members if m not in selection)


def _redrawn(sample: dict[str, Any]) -> None:
    """Drawn again with another seed, consistently: only the audit log tells."""
    members = [line.split("\t")[0] for line in sample["population"]["lines"]]
    picked = draw_positions("friendly", len(members), [3, 1])
    sample["draw"]["seed"] = "friendly"
    sample["selection"] = [members[p] for rnd in picked for p in rnd]
    sample["additions"] = [[members[p] for p in picked[1]]]


def test_an_altered_population_line_fails_behind_a_rehashed_manifest(
    bundle: Path, tmp_path: Path
) -> None:
    forged = rewritten(bundle, tmp_path / "forged.zip", _sample_edited(_population_line))
    done = _verify(extract(forged, tmp_path / "auditor"))
    assert done.returncode == 1
    assert f"POPULATION {SAMPLE}: its lines hash to " in done.stdout
    assert "ALTERED" not in done.stdout  # every file matches the forged manifest


def test_a_hand_edited_selection_fails(bundle: Path, tmp_path: Path) -> None:
    forged = rewritten(bundle, tmp_path / "forged.zip", _sample_edited(_hand_picked))
    problems = verify_bundle(forged).problems
    assert any(p.startswith(f"DRAW     {SAMPLE}: seed 'fy26' with rounds [3, 1] draws ")
               for p in problems), problems  # fmt: skip
    assert any(f"MISMATCH {SAMPLE}: its selection is " in p for p in problems), problems


def test_a_sample_redrawn_with_another_seed_fails_against_the_audit_log(
    bundle: Path, tmp_path: Path
) -> None:
    forged = rewritten(bundle, tmp_path / "forged.zip", _sample_edited(_redrawn))
    problems = verify_bundle(forged).problems
    assert not any(p.startswith(("DRAW", "POPULATION", "SELECTION")) for p in problems)
    assert any(f"MISMATCH {SAMPLE}: seed 'friendly' and population" in p and
               "records seed 'fy26'" in p for p in problems), problems  # fmt: skip


def _swapped_member(rows: list[dict[str, str]]) -> None:
    rows[0]["member"], rows[1]["member"] = rows[1]["member"], rows[0]["member"]


def _evidence_claimed(rows: list[dict[str, str]]) -> None:
    next(r for r in rows if not r["evidence_ids"])["evidence_in_bundle"] = "yes"


def _other_seed(rows: list[dict[str, str]]) -> None:
    for row in rows:
        row["seed"] = "friendly"


def _left_out(rows: list[dict[str, str]]) -> None:
    rows.clear()


FORGERIES: dict[str, tuple[Callable[[list[dict[str, str]]], None], str]] = {
    "members swapped": (_swapped_member, "MISMATCH samples.csv row 1 (sample 1): member is "),
    "evidence claimed": (
        _evidence_claimed,
        "evidence_in_bundle is 'yes' but evidence.csv makes it 'none'",
    ),
    "another seed": (
        _other_seed,
        "MISMATCH samples.csv row 1 (sample 1): seed is 'friendly' but samples/sample-1.json "
        "says 'fy26'",
    ),
    "sample left out": (_left_out, "MISSING  samples.csv: event "),
}


@pytest.mark.parametrize("forgery", FORGERIES, ids=list(FORGERIES))
def test_a_forged_samples_csv_fails_behind_a_rehashed_manifest(
    bundle: Path, tmp_path: Path, forgery: str
) -> None:
    change, expected = FORGERIES[forgery]

    def forge(files: Files) -> Files:
        files = edited_csv(files, "samples.csv", change)
        if forgery == "sample left out":  # its file goes too, so that nothing names it
            files = {n: d for n, d in files.items() if n != SAMPLE}
        return rehashed(files)

    problems = verify_bundle(rewritten(bundle, tmp_path / "forged.zip", forge)).problems
    assert any(expected in p for p in problems), problems
    assert not any(p.startswith("ALTERED") for p in problems)
