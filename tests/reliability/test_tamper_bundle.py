"""Tamper evidence for bundles: a bundle from `soc2bot export` whose tables were forged and
whose manifest was re-hashed (so every file matches it) fails `soc2bot audit verify`, without
a key by its cross-checks and with `--pubkey` by its signature."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.core.db import Database
from handlers.cli import app
from tests.bot.export.bundle_support import make_store, rewrite, seed
from tests.bot.export.forgeries import FORGERIES

runner = CliRunner()


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, " ".join(result.output.split())


@pytest.fixture
def bundle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sqlite_template: Path) -> Path:
    shutil.copy(sqlite_template, tmp_path / "forgery.db")  # already migrated
    url = f"sqlite:///{tmp_path}/forgery.db"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("SOC2BOT_EVIDENCE_URL", f"file://{tmp_path}/evidence")
    db = Database(url)
    try:
        seed(db, make_store(tmp_path / "evidence"))
    finally:
        db.dispose()
    out = tmp_path / "bundle.zip"
    code, said = run("export", "--from", "2026-01-01", "--to", "2026-06-30", "--out", str(out))
    assert code == 0, said
    (tmp_path / "pub.pem").write_text(
        runner.invoke(app, ["audit", "pubkey", "--format", "pem"]).stdout
    )
    return out


def test_an_exported_bundle_verifies_with_and_without_the_public_key(bundle: Path) -> None:
    code, out = run("audit", "verify", str(bundle))
    assert code == 0 and "agrees with the audit log" in out and "not checked" in out, out
    code, out = run("audit", "verify", str(bundle), "--pubkey", str(bundle.parent / "pub.pem"))
    assert code == 0 and "manifest signed by key" in out and "not checked" not in out, out


@pytest.mark.parametrize("case", list(FORGERIES))
def test_audit_verify_names_forged_tables_behind_a_rehashed_manifest(
    bundle: Path, case: str
) -> None:
    forge, expected = FORGERIES[case]
    forged = rewrite(bundle, bundle.parent / "forged.zip", forge)
    code, out = run("audit", "verify", str(forged))
    assert code == 1, out
    assert all(" ".join(text.split()) in out for text in expected), out
    assert "ALTERED" not in out and "EXTRA" not in out  # every file matches the manifest
    code, out = run("audit", "verify", str(forged), "--pubkey", str(bundle.parent / "pub.pem"))
    assert code == 1 and "INVALID manifest.sig: the signature does not match" in out, out
