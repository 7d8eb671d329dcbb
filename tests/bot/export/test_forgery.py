"""Forged bundles fail: tables are cross-checked against the audit log, the manifest is signed,
and the chain must extend every witnessed head; before, a re-hashed manifest verified as OK."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from bot.audit.witness import sign_head
from bot.core.db import Database
from bot.core.signing import Signer
from bot.export import build_bundle, verify_bundle
from tests.bot.export.bundle_support import (
    NOW,
    WINDOW,
    Seeded,
    entries,
    rechained,
    rehashed,
    rewrite,
)
from tests.bot.export.forgeries import FORGERIES, Files, backdated

SIGNER = Signer(Ed25519PrivateKey.generate())


def export(db: Database, seeded: Seeded, out: Path) -> Path:
    build_bundle(
        db=db, store=seeded.store, start=WINDOW[0], end=WINDOW[1], out=out,
        actor=seeded.ana, now=NOW, signer=SIGNER,
    )  # fmt: skip
    return out


@pytest.fixture
def bundle(db: Database, seeded: Seeded, tmp_path: Path) -> Path:
    return export(db, seeded, tmp_path / "bundle.zip")


@pytest.mark.parametrize("case", list(FORGERIES))
def test_forged_tables_with_a_rehashed_manifest_fail_without_any_key(
    bundle: Path, tmp_path: Path, case: str
) -> None:
    forge, expected = FORGERIES[case]
    forged = rewrite(bundle, tmp_path / "forged.zip", forge)
    report = verify_bundle(forged)
    assert not report.ok
    for text in expected:
        assert any(p.startswith(text) for p in report.problems), report.problems
    # Every file matches the forged manifest: only the cross-checks see the forgery.
    assert all(p.startswith(("MISMATCH", "MISSING  evidence.csv")) for p in report.problems), (
        report.problems
    )
    signed = verify_bundle(forged, public_key=SIGNER.public_key)
    assert signed.problems[0].startswith("INVALID  manifest.sig: the signature does not match")


def test_a_good_bundle_verifies_with_and_without_the_public_key(bundle: Path) -> None:
    unsigned = verify_bundle(bundle)
    assert unsigned.ok and unsigned.cross_checked, unsigned.problems
    assert unsigned.signed_by == "" and "signature was not checked" in unsigned.notes[0]
    signed = verify_bundle(bundle, public_key=SIGNER.public_key)
    assert signed.ok and signed.signed_by == SIGNER.public_hex and not signed.notes


def test_a_bundle_signed_by_another_key_or_not_at_all_fails_with_the_public_key(
    bundle: Path, tmp_path: Path
) -> None:
    mallory = Signer(Ed25519PrivateKey.generate())

    def resigned(files: Files) -> Files:
        files = backdated(files)
        return {**files, "manifest.sig": mallory.sign(files["manifest.json"])}

    forged = rewrite(bundle, tmp_path / "resigned.zip", resigned)
    assert verify_bundle(forged, public_key=mallory.public_key).problems[0].startswith("MISMATCH")
    report = verify_bundle(forged, public_key=SIGNER.public_key)
    assert any(p.startswith("INVALID  manifest.sig") for p in report.problems)
    unsigned = {n: d for n, d in entries(bundle).items() if n != "manifest.sig"}
    bare = rewrite(bundle, tmp_path / "bare.zip", lambda _: unsigned)
    assert verify_bundle(bare).ok
    assert verify_bundle(bare, public_key=SIGNER.public_key).problems == [
        "UNSIGNED manifest.sig: the bundle has no signature"
    ]


def test_a_chain_rewritten_after_a_witnessed_head_fails_the_witness_check(
    db: Database, seeded: Seeded, tmp_path: Path
) -> None:
    with db.session() as s:
        head = sign_head(session=s, signer=SIGNER)
    assert head is not None
    out = export(db, seeded, tmp_path / "bundle.zip")  # built after the head was witnessed
    witness = f"Copied from #leadership, week 21:\n{head.line}\n"
    good = verify_bundle(out, witnesses=witness, public_key=SIGNER.public_key)
    assert good.ok and good.witnessed == 1, good.problems

    def rewrite_history(event: dict[str, object]) -> None:
        event["details"] = {"created": 1, "through": "2026-07-19"}

    forged = rewrite(
        out, tmp_path / "rewritten.zip", lambda f: rehashed(rechained(f, 1, rewrite_history))
    )
    assert verify_bundle(forged).ok  # re-chained throughout: only a held head can tell
    report = verify_bundle(forged, witnesses=witness)
    [problem] = report.problems
    assert problem.startswith(f"WITNESS  witness line 2 (head event {head.seq} {head.hash[:16]}")
    assert "history up to this witnessed head was rewritten" in report.problems[0]


def test_witness_lines_that_are_broken_or_not_signed_by_the_service_fail(
    db: Database, seeded: Seeded, tmp_path: Path
) -> None:
    with db.session() as s:
        ours = sign_head(session=s, signer=SIGNER)
        theirs = sign_head(session=s, signer=Signer(Ed25519PrivateKey.generate()))
    assert ours is not None and theirs is not None
    report = verify_bundle(
        export(db, seeded, tmp_path / "bundle.zip"),
        public_key=SIGNER.public_key,
        witnesses=f"{theirs.line}\n{ours.line[:-10]}\n",
    )
    assert [p.split(":")[0] for p in report.problems] == [
        "WITNESS  witness line 2",
        f"WITNESS  witness line 1 (head event {ours.seq} {ours.hash[:16]}...)",
    ]
    assert "signature does not verify" in report.problems[1]
