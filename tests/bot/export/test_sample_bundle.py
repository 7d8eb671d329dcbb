"""`export --sample N`: the drawn items, their evidence and a verify.py of the standard library."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import subprocess
import zipfile
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlmodel import select

from bot.core.db import Database
from bot.core.errors import PermissionDenied
from bot.core.signing import Signer
from bot.export.sample_bundle import build_sample_bundle
from bot.export.sample_verify import describe_sample, verify_sample_bundle
from bot.sampling.services import draw_sample, extend_sample
from models import AuditEvent
from tests.bot.export.bundle_support import make_store
from tests.bot.export.test_review_evidence import _python
from tests.bot.sampling.sampling_support import H1, NOW, SCAN_PDF, Program, build, records

SIGNER = Signer(Ed25519PrivateKey.from_private_bytes(bytes(range(32))))


@pytest.fixture
def program(db: Database, tmp_path: Path) -> tuple[Program, Path]:
    store = make_store(tmp_path / "evidence")
    world = build(db, store)
    with db.transaction() as s:
        sample = draw_sample(session=s, actor=world.audrey, now=NOW, control="CC7.1-VS",
                             start=H1[0], end=H1[1], size=3, seed="fy26")  # fmt: skip
    with db.transaction() as s:
        extend_sample(session=s, actor=world.audrey, sample_id=sample.id or 0, count=1, now=NOW)
    out = tmp_path / "sample-1.zip"
    build_sample_bundle(db=db, store=store, sample_id=1, out=out, actor=world.audrey, now=NOW,
                        signer=SIGNER)  # fmt: skip
    return world, out


def _extract(bundle: Path, where: Path) -> Path:
    with zipfile.ZipFile(bundle) as z:
        z.extractall(where)
    return where


def _verify(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    run = [_python(), "-I", "-S", "verify.py", *args]  # isolated, no site-packages: stdlib only
    return subprocess.run(run, cwd=folder, capture_output=True, text=True, timeout=300, env={})


def test_the_bundle_holds_only_the_sample_and_verifies_with_the_standard_library(
    db: Database, program: tuple[Program, Path], tmp_path: Path
) -> None:
    _, bundle = program
    report, found = verify_sample_bundle(bundle, public_key=SIGNER.public_key)
    assert report.ok, report.problems
    assert (found.population, found.drawn, found.seed, found.redrawn) == (6, 4, "fy26", True)
    assert describe_sample(report, found, bundle)[0].startswith(f"OK: {bundle} verified: ")
    folder = _extract(bundle, tmp_path / "auditor")
    done = _verify(folder, "--pubkey", SIGNER.public_hex)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (
        "the population of 6 hashes to" in done.stdout and "follow from seed 'fy26'" in done.stdout
    )
    assert f"manifest signed by key {SIGNER.public_hex}" in done.stdout
    sample = json.loads((folder / "sample.json").read_text())
    assert len(sample["selection"]) == 4 and sample["draw"]["rounds"] == [3, 1]
    items = list(csv.DictReader(io.StringIO((folder / "items.csv").read_text())))
    assert [r["member"] for r in items] == sample["selection"]  # the sample, nothing else
    events = [json.loads(x) for x in (folder / "sample_events.jsonl").read_text().splitlines()]
    assert [e["action"] for e in events] == ["sample.drawn", "sample.extended"]


def test_the_sampled_evidence_files_are_in_the_bundle_by_their_hash(
    db: Database, program: tuple[Program, Path], tmp_path: Path
) -> None:
    _, bundle = program
    with zipfile.ZipFile(bundle) as z:
        evidence = list(csv.DictReader(io.StringIO(z.read("evidence.csv").decode())))
        files = [n for n in z.namelist() if n.startswith("files/")]
        for row in evidence:
            if row["file"]:
                assert z.read(row["file"]) == SCAN_PDF
    sample = json.loads(zipfile.ZipFile(bundle).read("sample.json"))
    assert {r["member"] for r in evidence} <= set(sample["selection"])
    assert len(files) == len({r["file"] for r in evidence if r["file"]})


def test_an_altered_evidence_file_or_table_fails(
    db: Database, program: tuple[Program, Path], tmp_path: Path
) -> None:
    folder = _extract(program[1], tmp_path / "auditor")
    [scan] = (folder / "files").iterdir()
    scan.write_bytes(scan.read_bytes().replace(b"March", b"April"))
    (folder / "items.csv").write_text("member\n")
    done = _verify(folder)
    assert done.returncode == 1
    assert f"ALTERED  files/{scan.name}: SHA-256 " in done.stdout
    assert "ALTERED  items.csv: SHA-256 " in done.stdout and "FAILED: " in done.stdout


def test_an_altered_population_line_fails_even_when_the_manifest_is_rehashed(
    db: Database, program: tuple[Program, Path], tmp_path: Path
) -> None:
    folder = _extract(program[1], tmp_path / "auditor")
    sample = json.loads((folder / "sample.json").read_text())
    sample["population"]["lines"][0] = sample["population"]["lines"][0].replace(
        "2026-01-08", "2026-01-09"
    )
    (folder / "sample.json").write_text(json.dumps(sample))
    _rehash(folder, "sample.json")  # a forger's manifest: only the signature would tell
    done = _verify(folder)
    assert done.returncode == 1, done.stdout
    assert "POPULATION sample.json: its lines hash to " in done.stdout
    assert "ALTERED" not in done.stdout  # the files agree with the forged manifest


def test_a_selection_the_seed_does_not_draw_fails(
    db: Database, program: tuple[Program, Path], tmp_path: Path
) -> None:
    folder = _extract(program[1], tmp_path / "auditor")
    sample = json.loads((folder / "sample.json").read_text())
    members = [line.split("\t")[0] for line in sample["population"]["lines"]]
    swap = next(m for m in members if m not in sample["selection"])
    sample["selection"][0] = swap  # a friendlier item, chosen by hand
    (folder / "sample.json").write_text(json.dumps(sample))
    _rehash(folder, "sample.json")
    done = _verify(folder)
    assert done.returncode == 1
    assert "DRAW     sample.json: seed 'fy26' with rounds [3, 1] draws " in done.stdout
    assert "EVENTS   sample_events.jsonl: the audit events drew 4 member(s)" in done.stdout


def _rehash(folder: Path, name: str) -> None:
    manifest = json.loads((folder / "manifest.json").read_text())
    data = (folder / name).read_bytes()
    manifest["files"][name] = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
    (folder / "manifest.json").write_text(json.dumps(manifest))


def test_exporting_is_logged_and_refused_to_members(
    db: Database, program: tuple[Program, Path], tmp_path: Path
) -> None:
    world, bundle = program
    with db.session() as s:
        [event] = s.exec(select(AuditEvent).where(AuditEvent.action == "sample.exported")).all()
    assert event.subject_id == "1" and event.details["file_name"] == bundle.name
    before = records(db)
    with pytest.raises(PermissionDenied):
        build_sample_bundle(
            db=db, store=make_store(tmp_path / "evidence"), sample_id=1, out=tmp_path / "x.zip",
            actor=world.raj, now=NOW, signer=SIGNER,
        )  # fmt: skip
    assert records(db) == before and not (tmp_path / "x.zip").exists()
