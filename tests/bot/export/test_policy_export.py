"""Policies in the bundle: every version with its approvals and document, checked by verify.py."""

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
from sqlmodel import Session, select

import tests.bot.policies.policy_support as policies_world
from bot.audit.trail import record_event
from bot.core.actor import Actor
from bot.core.db import Database
from bot.evidence.local import LocalEvidenceStore
from bot.export import build_bundle, verify_bundle
from bot.policies.approvals import decide_version
from bot.policies.services import replace_document, submit_version
from models import PolicyVersion
from tests.bot.export.bundle_support import edited_csv, entries, extract, make_store, rehashed
from tests.bot.export.bundle_support import rewrite as rewritten
from tests.bot.export.bundle_support import rows as table
from tests.bot.export.policy_support import (
    DOC_2025,
    DOC_2026,
    DOC_2026_1,
    NOW,
    WINDOW,
    Policies,
    seed_policies,
)

Files = dict[str, bytes]


@pytest.fixture
def store(tmp_path: Path) -> LocalEvidenceStore:
    return make_store(tmp_path / "evidence")


@pytest.fixture
def seeded(db: Database, store: LocalEvidenceStore) -> Policies:
    return seed_policies(db, store)


def export(
    db: Database, store: LocalEvidenceStore, who: Policies, out: Path,
    window: tuple[dt.date, dt.date] = WINDOW,
) -> Path:  # fmt: skip
    build_bundle(db=db, store=store, start=window[0], end=window[1], out=out,
                 actor=who.auditor, now=NOW)  # fmt: skip
    return out


@pytest.fixture
def bundle(db: Database, store: LocalEvidenceStore, seeded: Policies, tmp_path: Path) -> Path:
    return export(db, store, seeded, tmp_path / "bundle.zip")


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_policies_csv_lists_each_version_in_the_window_with_its_approvals(
    seeded: Policies, bundle: Path
) -> None:
    files = entries(bundle)
    listed = [
        (r["policy_id"], r["version"], r["status"], r["current"], r["approval_step"],
         r["approver_email"], r["decision"], bool(r["invalidated_at"]))
        for r in table(files, "policies.csv")
    ]  # fmt: skip
    # 2024 was superseded before the window: only the version in force at its start (2025)
    # and those decided in it. A version nobody decided on has one row.
    assert listed == [
        ("acceptable-use", "2025", "published", "yes", "", "", "", False),
        ("infosec", "2025", "superseded", "no", "", "", "", False),
        ("infosec", "2026", "published", "yes", "1", "ana@acme.test", "approved", True),
        ("infosec", "2026", "published", "yes", "1", "ana@acme.test", "approved", False),
        ("infosec", "2026", "published", "yes", "2", "ben@acme.test", "approved", False),
        ("infosec", "2026.1", "changes_requested", "no", "1", "ana@acme.test",
         "changes_requested", False),
    ]  # fmt: skip
    rows = {(r["policy_id"], r["version"], r["approval_step"], r["invalidated_at"]): r
            for r in table(files, "policies.csv")}  # fmt: skip
    published = rows[("infosec", "2026", "2", "")]
    assert published["approvers"] == "ana@acme.test;ben@acme.test"
    assert published["sha256"] == published["approved_sha256"] == sha(DOC_2026)
    assert published["file"] == f"files/{sha(DOC_2026)}"
    assert published["published_at"] == "2026-03-07T10:00:00.000Z"
    assert published["submitted_by_email"] == "olga@acme.test"
    assert published["campaign_id"] == "1"
    stale = next(r for k, r in rows.items() if k[1] == "2026" and k[3])
    assert stale["approved_sha256"] != stale["sha256"]  # the first draft it approved
    linked = rows[("acceptable-use", "2025", "", "")]
    assert linked["link"] == "https://intranet.acme.test/aup" and linked["file"] == ""


def test_the_documents_are_in_the_bundle_once_each_and_counted(bundle: Path) -> None:
    files = entries(bundle)
    for doc in (DOC_2025, DOC_2026, DOC_2026_1):
        assert files[f"files/{sha(doc)}"] == doc
    manifest = json.loads(files["manifest.json"])
    assert manifest["counts"]["policies"] == 6
    stored = [n for n in files if n.startswith("files/")]
    assert manifest["counts"]["files"] == len(stored) == 3  # 2026 is evidence too: one copy
    assert manifest["counts"]["file_bytes"] == sum(len(files[n]) for n in stored)
    assert verify_bundle(bundle).ok, verify_bundle(bundle).problems


def test_a_later_window_starts_from_the_version_then_in_force(
    db: Database, store: LocalEvidenceStore, seeded: Policies, tmp_path: Path
) -> None:
    late = (dt.date(2026, 7, 1), dt.date(2026, 9, 30))
    bundle = export(db, store, seeded, tmp_path / "late.zip", window=late)
    files = entries(bundle)
    assert {(r["policy_id"], r["version"]) for r in table(files, "policies.csv")} == {
        ("acceptable-use", "2025"), ("infosec", "2026"),
    }  # fmt: skip
    log = [json.loads(line) for line in files["audit_log.jsonl"].decode().splitlines()[1:]]
    assert any(e["action"] == "policy.published" for e in log)  # its approvals travel along
    assert verify_bundle(bundle).ok, verify_bundle(bundle).problems


def _python() -> str:
    """Python 3.8 when this machine has it (the oldest verify.py supports), else this one."""
    pyenv = sorted(glob.glob(str(Path.home() / ".pyenv/versions/3.8*/bin/python3.8")))
    for candidate in (*pyenv, shutil.which("python3.8")):
        if candidate and subprocess.run([candidate, "-V"], capture_output=True).returncode == 0:
            return candidate
    return sys.executable


def test_the_bundled_verify_py_passes_then_names_an_altered_policy_document(
    bundle: Path, tmp_path: Path
) -> None:
    folder = extract(bundle, tmp_path / "auditor")
    run = [_python(), "-I", "-S", "verify.py"]  # isolated, no site-packages: stdlib only
    done = subprocess.run(run, cwd=folder, capture_output=True, text=True, timeout=300, env={})
    assert done.returncode == 0 and done.stdout.startswith("OK: "), done.stdout + done.stderr
    document = folder / "files" / sha(DOC_2026_1)
    document.write_bytes(DOC_2026_1.replace(b"AI use", b"AI-use"))
    done = subprocess.run(run, cwd=folder, capture_output=True, text=True, timeout=300, env={})
    assert done.returncode == 1
    assert f"ALTERED  files/{document.name}: SHA-256 " in done.stdout
    assert "FAILED: 1 problem(s)" in done.stdout


def _forged(change: Callable[[list[dict[str, str]]], None]) -> Callable[[Files], Files]:
    """policies.csv changed, the manifest re-hashed and re-counted, as a forger would."""

    def forge(files: Files) -> Files:
        changed = edited_csv(files, "policies.csv", change)
        manifest = json.loads(changed["manifest.json"])
        manifest["counts"]["policies"] = len(table(changed, "policies.csv"))
        return rehashed({**changed, "manifest.json": json.dumps(manifest).encode()})

    return forge


def _rows(rows: list[dict[str, str]], version: str, step: str = "") -> list[dict[str, str]]:
    return [r for r in rows if r["version"] == version and r["approval_step"] == step]


def _revalidated(rows: list[dict[str, str]]) -> None:
    """The approval of the first draft passed off as still valid (and on the final text)."""
    stale = next(r for r in _rows(rows, "2026", "1") if r["invalidated_at"])
    stale["invalidated_at"], stale["approved_sha256"] = "", stale["sha256"]


def _no_second_approval(rows: list[dict[str, str]]) -> None:
    rows.remove(_rows(rows, "2026", "2")[0])


def _other_approver(rows: list[dict[str, str]]) -> None:
    _rows(rows, "2026", "2")[0]["approver_email"] = "olga@acme.test"


def _other_document(rows: list[dict[str, str]]) -> None:
    for row in rows:
        if row["version"] == "2026.1":  # the draft sent back, shown as the 2025 text
            row["sha256"], row["file"] = sha(DOC_2025), f"files/{sha(DOC_2025)}"


def _published_draft(rows: list[dict[str, str]]) -> None:
    for row in _rows(rows, "2026.1", "1"):
        row["status"], row["decision"] = "published", "approved"


def _one_approver_fewer(rows: list[dict[str, str]]) -> None:
    """Ben's approval left out, and Ben dropped from the approvers to hide it."""
    _no_second_approval(rows)
    for row in _rows(rows, "2026", "1"):
        row["approvers"] = "ana@acme.test"


def _version_hidden(rows: list[dict[str, str]]) -> None:
    rows[:] = [r for r in rows if r["version"] != "2026.1"]


FORGERIES = {
    "an invalidated approval shown as valid": (
        _revalidated,
        "approved by 'ana@acme.test' on",
    ),
    "a published version missing an approval": (
        _no_second_approval,
        "published without step 2's valid approval (by 'ben@acme.test')",
    ),
    "an approver dropped with their approval": (
        _one_approver_fewer,
        "approvers are 'ana@acme.test' but event",
    ),
    "another approver named": (
        _other_approver,
        "approved by 'olga@acme.test' on",
    ),
    "another document named": (
        _other_document,
        f"sha256 is '{sha(DOC_2025)}' but event",
    ),
    "a sent-back draft shown as approved and published": (
        _published_draft,
        "status is 'published' but no audit event published it",
    ),
    "a version left out": (
        _version_hidden,
        "which policies.csv does not list",
    ),
}


@pytest.mark.parametrize("forgery", FORGERIES, ids=list(FORGERIES))
def test_a_forged_policies_csv_fails_even_behind_a_rehashed_manifest(
    bundle: Path, tmp_path: Path, forgery: str
) -> None:
    change, expected = FORGERIES[forgery]
    report = verify_bundle(rewritten(bundle, tmp_path / "forged.zip", _forged(change)))
    assert not report.ok
    assert any(expected in p for p in report.problems), report.problems


def test_a_policy_approved_through_the_services_exports_and_verifies(
    db: Database, store: LocalEvidenceStore, tmp_path: Path
) -> None:
    """The real path: 1.1 submitted, Eve approves, the document changes (her approval stops
    counting), Eve then Sam approve: published. The bundle lists it as the log tells it."""
    people = policies_world.build_world(db)
    with db.transaction() as s:  # as the catalog sync logs the version it registered
        first = s.exec(select(PolicyVersion)).one()
        record_event(session=s, actor=Actor.cli(), action="policy.version_registered",
                     subject_type="policy", subject_id=policies_world.KEY,
                     details={"version": first.version, "sha256": first.sha256})  # fmt: skip
    owner, eve, sam = (policies_world.actor(db, p) for p in (people.owner, people.first,
                                                             people.second))  # fmt: skip
    at = policies_world.NOW
    draft, final = (policies_world.stored(store, policies_world.PDF + extra)
                    for extra in (b"", b"% revised\n"))  # fmt: skip
    steps: list[Callable[[Session], object]] = [
        lambda s: submit_version(session=s, actor=owner, policy_key=policies_world.KEY,
                                 version="1.1", now=at, document=draft),
        lambda s: decide_version(session=s, actor=eve, version_id=2, approve=True, now=at),
        lambda s: replace_document(session=s, actor=owner, version_id=2, now=at,
                                   document=final),
        lambda s: decide_version(session=s, actor=eve, version_id=2, approve=True, now=at),
        lambda s: decide_version(session=s, actor=sam, version_id=2, approve=True, now=at),
    ]  # fmt: skip
    for step in steps:
        with db.transaction() as s:
            step(s)
    auditor = policies_world.actor(db, people.auditor)
    out = tmp_path / "bundle.zip"
    build_bundle(db=db, store=store, start=WINDOW[0], end=WINDOW[1], out=out, actor=auditor,
                 now=at + dt.timedelta(days=1))  # fmt: skip
    listed = [
        (r["version"], r["status"], r["approval_step"], r["approver_email"],
         r["approved_sha256"] == final.sha256, bool(r["invalidated_at"]))
        for r in table(entries(out), "policies.csv")
    ]  # fmt: skip
    assert listed == [
        ("1.0", "superseded", "", "", False, False),
        ("1.1", "published", "1", "eve@acme.test", False, True),
        ("1.1", "published", "1", "eve@acme.test", True, False),
        ("1.1", "published", "2", "sam@acme.test", True, False),
    ]
    assert f"files/{final.sha256}" in entries(out)
    assert verify_bundle(out).ok, verify_bundle(out).problems
