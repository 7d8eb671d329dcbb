"""`soc2bot catalog sync` with past work: it warns and stops, or starts today, or accepts it."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from handlers.cli import app
from tests.catalog_text import as_yaml, catalog, with_policy

runner = CliRunner()


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    db = tmp_path / "cli.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{db}")
    monkeypatch.setenv("SOC2BOT_EVIDENCE_URL", f"file://{tmp_path}/evidence")
    return db


@pytest.fixture
def past_window(tmp_path: Path) -> Path:
    """A catalog whose window started years ago: every period of it is overdue by now."""
    path = tmp_path / "catalog.yaml"
    path.write_text(as_yaml(catalog(program__window={"start": "2020-01-01", "end": "2020-12-31"})))
    return path


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def rows(db: Path, table: str) -> int:
    engine = sa.create_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        count = conn.execute(sa.text(f"select count(*) from {table}")).scalar()  # noqa: S608
    engine.dispose()
    return int(count or 0)


def test_a_sync_that_would_create_overdue_work_warns_and_writes_nothing(
    env: Path, past_window: Path
) -> None:
    code, out = run("catalog", "sync", str(past_window))
    assert code == 1
    # Since January 2020 … now: far more than a year of quarters and half-years.
    assert "occurrence(s) would already be overdue" in out and "Nothing was applied." in out
    assert "CC6.1-AR:" in out and "prod-access-review 2020-Q1 (due Wed 15 Jan 2020)" in out
    assert f"soc2bot catalog sync {past_window} --start-today" in out
    assert f"soc2bot catalog sync {past_window} --accept-overdue" in out
    assert "Traceback" not in out
    assert (rows(env, "program"), rows(env, "occurrence"), rows(env, "auditevent")) == (0, 0, 0)


def test_start_today_applies_the_catalog_without_past_work(env: Path, past_window: Path) -> None:
    code, out = run("catalog", "sync", str(past_window), "--start-today")
    assert code == 0, out
    assert "task.replanned prod-access-review (planned_from)" in out
    assert "already overdue" not in out and rows(env, "occurrence") > 0
    assert re.search(r"\b0 overdue ·", run("status")[1])


def test_accept_overdue_creates_the_past_work_and_says_how_much(
    env: Path, past_window: Path
) -> None:
    code, out = run("catalog", "sync", str(past_window), "--accept-overdue")
    assert code == 0, out
    said = re.search(r"; (\d+) new occurrence\(s\), (\d+) of them already overdue\.", out)
    assert said is not None, out
    created, overdue = int(said[1]), int(said[2])
    assert created == rows(env, "occurrence") and 0 < overdue < created  # and the horizon
    assert run("catalog", "sync", str(past_window)) == (0, "No changes; 0 new occurrence(s).\n")


def test_catalog_errors_name_the_control_the_line_and_both_lines_of_a_repeated_key(
    env: Path, tmp_path: Path
) -> None:
    text = as_yaml(catalog(people__0__manager="ana@acme.test"))
    path = tmp_path / "bad.yaml"
    path.write_text(
        text.replace("  owner: raj@acme.test\n", "  owner: raj@acme.test\n  owner: x\n")
    )
    code, out = run("catalog", "validate", str(path))
    assert code == 1
    assert "people[0].manager (person ana@acme.test, line 17): ana@acme.test cannot be" in out
    assert "controls[0].owner (control CC6.1-AR, line 29): key 'owner' is given twic" in out
    assert "on lines 28 and 29" in " ".join(out.split())  # the console wraps long lines


def test_sync_keeps_a_policy_document_found_beside_the_catalog(env: Path, tmp_path: Path) -> None:
    folder = tmp_path / "compliance"
    (folder / "policies").mkdir(parents=True)
    (folder / "policies" / "aup.md").write_bytes(b"# Acceptable use\n\nCompany work only.\n")
    path = folder / "catalog.yaml"
    path.write_text(as_yaml(with_policy(document={"file": "policies/aup.md"})))
    code, out = run("catalog", "sync", str(path), "--accept-overdue")
    assert code == 0, out
    assert "policy.version_registered acceptable-use" in out
    digest = hashlib.sha256(b"# Acceptable use\n\nCompany work only.\n").hexdigest()
    assert list((tmp_path / "evidence").rglob(digest))  # kept in the configured store
    assert rows(env, "policyversion") == 1
