"""Verifying a bundle offline: tampering is named by file; verify.py needs only the stdlib."""

from __future__ import annotations

import ast
import hashlib
import json
import runpy
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlmodel import col, select

from bot.audit import chain as audit_chain
from bot.audit.trail import event_as_dict
from bot.core.db import Database
from bot.export import build_bundle, verify_bundle
from bot.export.script import verifier_source
from models import AuditEvent
from tests.bot.export.bundle_support import (
    NOW,
    REVIEW_PDF,
    WINDOW,
    Seeded,
    entries,
    extract,
    rewrite,
)

Change = Callable[[dict[str, bytes]], dict[str, bytes]]
REVIEW = f"files/{hashlib.sha256(REVIEW_PDF).hexdigest()}"


@pytest.fixture
def bundle(db: Database, seeded: Seeded, tmp_path: Path) -> Path:
    out = tmp_path / "bundle.zip"
    build_bundle(
        db=db, store=seeded.store, start=WINDOW[0], end=WINDOW[1], out=out,
        actor=seeded.ana, now=NOW,
    )  # fmt: skip
    return out


def _altered(files: dict[str, bytes]) -> dict[str, bytes]:
    return {**files, REVIEW: files[REVIEW] + b" and a forged signature"}


def _removed(files: dict[str, bytes]) -> dict[str, bytes]:
    return {n: d for n, d in files.items() if n != "controls.csv"}


def _added(files: dict[str, bytes]) -> dict[str, bytes]:
    return {**files, "files/notes.txt": b"slipped in later"}


def _edited_audit_line(files: dict[str, bytes]) -> dict[str, bytes]:
    lines = files["audit_log.jsonl"].decode().splitlines(keepends=True)
    event = json.loads(lines[2])  # line 3: the second event of the segment
    event["actor"] = "mallory@evil.test"
    lines[2] = json.dumps(event, sort_keys=True, separators=(",", ":")) + "\n"
    return {**files, "audit_log.jsonl": "".join(lines).encode()}


CASES: list[tuple[Change, list[str]]] = [
    (_altered, [f"ALTERED  {REVIEW}"]),
    (_removed, ["MISSING  controls.csv"]),
    (_added, ["EXTRA    files/notes.txt"]),
    (_edited_audit_line, ["ALTERED  audit_log.jsonl", "BROKEN   audit_log.jsonl line 3: event"]),
]


@pytest.mark.parametrize(("change", "named"), CASES, ids=["altered", "removed", "added", "audit"])
@pytest.mark.parametrize("form", ["zip", "folder"])
def test_verify_names_each_tampered_file(
    bundle: Path, tmp_path: Path, change: Change, named: list[str], form: str
) -> None:
    tampered = rewrite(bundle, tmp_path / "tampered.zip", change)
    target = tampered if form == "zip" else extract(tampered, tmp_path / "tampered")
    report = verify_bundle(target)
    assert not report.ok
    for text in named:
        assert any(p.startswith(text) for p in report.problems), report.problems
    assert len(report.problems) == len(named), report.problems  # nothing else is blamed


def test_an_edited_audit_line_is_named_even_with_a_fixed_up_manifest(
    bundle: Path, tmp_path: Path
) -> None:
    def forge(files: dict[str, bytes]) -> dict[str, bytes]:
        files = _edited_audit_line(files)
        manifest = json.loads(files["manifest.json"])
        log = files["audit_log.jsonl"]
        manifest["files"]["audit_log.jsonl"] = {
            "sha256": hashlib.sha256(log).hexdigest(), "size": len(log),
        }  # fmt: skip
        return {**files, "manifest.json": json.dumps(manifest).encode()}

    report = verify_bundle(rewrite(bundle, tmp_path / "forged.zip", forge))
    assert [p[:38] for p in report.problems] == ["BROKEN   audit_log.jsonl line 3: event"]
    assert "altered" in report.problems[0]


def test_verify_checks_the_head_the_auditor_holds(bundle: Path) -> None:
    head = json.loads(entries(bundle)["manifest.json"])["audit_chain"]["head"]["hash"]
    assert verify_bundle(bundle, expected_head=head).ok
    report = verify_bundle(bundle, expected_head="0" * 64)
    assert report.problems[0].startswith("HEAD     audit_log.jsonl")


def _run(script: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    # -I: no PYTHONPATH, no user site; -S: no site-packages, so no soc2bot and no SQLAlchemy.
    return subprocess.run(
        [sys.executable, "-I", "-S", str(script), *args],
        cwd=cwd, capture_output=True, text=True, timeout=120, env={},
    )  # fmt: skip


def test_verify_py_runs_with_nothing_but_the_standard_library(bundle: Path, tmp_path: Path) -> None:
    folder = extract(bundle, tmp_path / "extracted")
    inside = _run(folder / "verify.py", cwd=folder)
    assert inside.returncode == 0, inside.stdout + inside.stderr
    assert inside.stdout.startswith(f"OK: {folder} verified")
    on_zip = _run(folder / "verify.py", str(bundle), cwd=tmp_path)
    assert on_zip.returncode == 0 and "audit chain of" in on_zip.stdout
    (folder / "controls.csv").write_text("control_id\nFAKE-1\n")
    failed = _run(folder / "verify.py", cwd=folder)
    assert failed.returncode == 1 and "ALTERED  controls.csv" in failed.stdout
    assert "FAILED: 1 problem(s)" in failed.stdout
    no_soc2bot = subprocess.run(
        [sys.executable, "-I", "-S", "-c", "import bot"], cwd=folder, capture_output=True
    )
    assert no_soc2bot.returncode != 0


def test_the_bundled_verifier_imports_only_standard_modules() -> None:
    tree = ast.parse(verifier_source())
    imported = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import)
                for a in n.names}  # fmt: skip
    imported |= {n.module.split(".")[0] for n in ast.walk(tree)
                 if isinstance(n, ast.ImportFrom) and n.module}  # fmt: skip
    assert imported - {"__future__"} <= sys.stdlib_module_names


def test_the_bundled_hash_rules_are_bot_audit_chain_word_for_word(
    db: Database, seeded: Seeded, bundle: Path, tmp_path: Path
) -> None:
    script = tmp_path / "verify_copy.py"
    script.write_bytes(entries(bundle)["verify.py"])
    assert script.read_text() == verifier_source()
    body = Path(audit_chain.__file__).read_text().split("from __future__ import annotations")[1]
    assert body.strip() in script.read_text()
    copy = runpy.run_path(str(script), run_name="bundle_verify")
    with db.session() as s:
        events = [
            event_as_dict(e) for e in s.exec(select(AuditEvent).order_by(col(AuditEvent.seq)))
        ]
    assert events and all(
        copy["event_hash"](e) == audit_chain.event_hash(e) == e["hash"] for e in events
    )
    assert vars(copy["verify_events"](events)) == vars(audit_chain.verify_events(events))
