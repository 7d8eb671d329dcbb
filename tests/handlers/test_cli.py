"""The `soc2bot` command line, run as a user would run it."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from bot import __version__
from handlers.cli import app
from tests.catalog_text import as_yaml, catalog

runner = CliRunner()


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    db = tmp_path / "cli.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{db}")
    monkeypatch.setenv("SOC2BOT_EVIDENCE_URL", f"file://{tmp_path}/evidence")
    return db


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def test_version() -> None:
    assert run("--version") == (0, f"soc2bot {__version__}\n")


def test_status_on_a_fresh_database_loads_the_starter_catalog(env: Path) -> None:
    code, out = run("status")
    assert code == 0, out
    assert "Readiness " in out and "By criterion" in out and "CC6:" in out
    assert "Type II window coverage" in out
    assert "placeholder people" in out


def test_status_shows_real_numbers_for_a_catalog_with_history(env: Path, tmp_path: Path) -> None:
    path = tmp_path / "catalog.yaml"
    path.write_text(as_yaml(catalog()))
    assert run("catalog", "sync", str(path), "--accept-overdue")[0] == 0
    code, out = run("status")
    assert code == 0
    assert "Most overdue (" in out and "2 of 2 controls" not in out  # the window is in the past
    assert "% of periods due so far have accepted evidence" in out


def test_catalog_validate_reports_every_error_with_its_path(env: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        as_yaml(catalog(controls__0__tasks__0__schedule="often", controls__1__owner="x@y.test"))
    )
    code, out = run("catalog", "validate", str(bad))
    assert code == 1
    assert (
        "controls[0].tasks[0].schedule (control CC6.1-AR, task prod-access-review, line 32)" in out
    )
    assert "controls[1].owner (control A1.2-BACKUP, line 39)" in out


def test_catalog_sync_twice_reports_no_changes_the_second_time(env: Path, tmp_path: Path) -> None:
    path = tmp_path / "catalog.yaml"
    path.write_text(as_yaml(catalog()))
    code, out = run("catalog", "sync", str(path), "--accept-overdue")
    assert code == 0 and "control.created CC6.1-AR" in out
    assert run("catalog", "sync", str(path)) == (0, "No changes; 0 new occurrence(s).\n")


def test_bad_catalog_sync_applies_nothing(env: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(as_yaml(catalog(controls__0__criteria=["CC99.1"])))
    code, out = run("catalog", "sync", str(bad))
    assert code == 1 and "nothing applied" in out
    engine = sa.create_engine(f"sqlite:///{env}")
    with engine.connect() as conn:
        assert conn.execute(sa.text("select count(*) from control")).scalar() == 0
    engine.dispose()


def test_audit_verify_exits_non_zero_and_names_the_broken_event(env: Path) -> None:
    assert run("status")[0] == 0
    code, out = run("audit", "verify")
    assert code == 0 and "Audit chain intact" in out
    engine = sa.create_engine(f"sqlite:///{env}")
    with engine.begin() as conn:
        conn.execute(sa.text("update auditevent set actor = 'mallory' where seq = 7"))
    engine.dispose()
    code, out = run("audit", "verify")
    assert code == 1 and "BROKEN at event 7" in out


def test_audit_log_for_a_subject(env: Path) -> None:
    run("status")
    code, out = run("audit", "log", "--subject", "CC6.1-AR", "--json")
    assert code == 0 and '"action": "control.created"' in out and '"subject_id": "CC6.1-AR"' in out
    # As a table: events by number (never `#`, an occurrence's), as sentences, local times.
    code, table = run("audit", "log", "--subject", "CC6.1-AR")
    flat = " ".join(table.split())
    assert code == 0 and "event" in table and "when (UTC)" in flat, table  # the program's
    assert "An admin (CLI) created" in flat and "#" not in table and "{" not in table


def test_ask_runs_chat_commands_and_explains_mistakes(env: Path) -> None:
    code, out = run("ask", "control cc6.1-ar")
    assert code == 0 and "CC6.1-AR — Quarterly production access review" in out
    code, out = run("ask", "stauts")
    assert code == 1 and "did you mean `status`?" in out
    code, out = run("ask", "control NOPE-1")
    assert code == 1 and "There is no control" in out


def test_invalid_settings_stop_with_a_clear_message(
    env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOC2BOT_EVIDENCE_URL", "ftp://nowhere")
    code, out = run("status")
    assert code == 2 and "SOC2BOT_EVIDENCE_URL" in out and "Traceback" not in out


def test_db_upgrade(env: Path) -> None:
    assert run("db", "upgrade") == (0, "Database is at the latest schema.\n")


def test_serve_refuses_a_bad_catalog_before_starting(
    env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(as_yaml(catalog(controls__0__tasks__0__due="soon")))
    monkeypatch.setenv("SOC2BOT_CATALOG", str(bad))
    code, out = run("serve")
    assert code == 1 and "tasks[0].due (control CC6.1-AR, task prod-access-review, line 33)" in out
    assert "Traceback" not in out
    monkeypatch.setenv("SOC2BOT_CATALOG", str(tmp_path / "missing.yaml"))
    code, out = run("serve")
    assert code == 2 and "no file at" in out


def test_export_writes_a_bundle_that_audit_verify_accepts(env: Path, tmp_path: Path) -> None:
    bundle = tmp_path / "bundle.zip"
    code, out = run("export", "--from", "2026-01-01", "--to", "2026-06-30", "--out", str(bundle))
    assert code == 0, out
    assert f"Wrote {bundle}" in out and "Occurrences:" in out and "Coverage:" in out
    sha = hashlib.sha256(bundle.read_bytes()).hexdigest()
    assert f"SHA-256: {sha}" in out
    code, out = run("audit", "verify", str(bundle))
    assert code == 0 and out.startswith(f"OK: {bundle} verified")
    code, out = run("audit", "verify")  # the database chain, now with the export's event
    assert code == 0 and "Audit chain intact" in out
    code, out = run("audit", "log", "--limit", "1", "--json")
    assert '"action": "export.created"' in out and sha in out


def test_audit_verify_names_what_was_changed_in_a_bundle(env: Path, tmp_path: Path) -> None:
    bundle = tmp_path / "bundle.zip"
    assert run("export", "--from", "2026-01-01", "--to", "2026-12-31", "--out", str(bundle))[0] == 0
    with zipfile.ZipFile(bundle) as zf:
        files = {name: zf.read(name) for name in zf.namelist()}
    files["controls.csv"] += b"FAKE-1,Forged control\n"
    files["extra.txt"] = b"hello"
    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(tampered, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    code, out = run("audit", "verify", str(tampered))
    assert code == 1
    assert "ALTERED  controls.csv" in out and "EXTRA    extra.txt" in out
    assert "FAILED: 2 problem(s)" in out
    code, out = run("audit", "verify", str(tmp_path / "nope.zip"))
    assert code == 1 and "UNREADABLE" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--from", "2026-13-01", "--to", "2026-12-31"), "is not a real date"),
        (("--from", "01/01/2026", "--to", "2026-12-31"), "write it as YYYY-MM-DD"),
        (("--from", "2026-06-30", "--to", "2026-01-01"), "--from 2026-06-30 is after --to"),
    ],
)
def test_export_refuses_bad_dates(
    env: Path, tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    code, out = run("export", *args, "--out", str(tmp_path / "b.zip"))
    assert code == 1 and message in out and "Traceback" not in out
    assert not (tmp_path / "b.zip").exists()


def test_export_refuses_a_path_it_cannot_write(env: Path, tmp_path: Path) -> None:
    code, out = run(
        "export", "--from", "2026-01-01", "--to", "2026-06-30", "--out",
        str(tmp_path / "missing" / "b.zip"),
    )  # fmt: skip
    assert code == 1 and "Cannot write" in out and "is missing" in " ".join(out.split())
    code, out = run("export", "--from", "2026-01-01", "--to", "2026-06-30", "--out", str(tmp_path))
    # whitespace-insensitive: the console wraps the message where the temp path's length puts it
    assert code == 1 and "is a folder" in " ".join(out.split())
