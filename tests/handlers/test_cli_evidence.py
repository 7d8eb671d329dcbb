"""`soc2bot evidence expire <evidence> <YYYY-MM-DD|never>` on a synced catalog."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from handlers.cli import app
from tests.catalog_text import as_yaml, catalog

runner = CliRunner()


@pytest.fixture
def engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[sa.Engine]:
    db = tmp_path / "cli.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{db}")
    monkeypatch.setenv("SOC2BOT_EVIDENCE_URL", f"file://{tmp_path}/evidence")
    path = tmp_path / "catalog.yaml"
    path.write_text(as_yaml(catalog(controls__1__tasks__0__expires="12m")))
    code, out = run("catalog", "sync", str(path), "--accept-overdue")
    assert code == 0, out
    backups = "SELECT min(o.id) FROM occurrence o JOIN task t ON t.id = o.task_id"
    occurrence = scalar_of(db, f"{backups} WHERE t.key = 'backup-restore'")
    code, out = run("ask", f"done {occurrence} restored to staging")
    assert code == 0, out
    engine = sa.create_engine(f"sqlite:///{db}")
    yield engine
    engine.dispose()


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def scalar_of(db: Path, sql: str) -> object:
    engine = sa.create_engine(f"sqlite:///{db}")
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text(sql)).scalar()
    finally:
        engine.dispose()


def scalar(engine: sa.Engine, sql: str) -> object:
    with engine.connect() as conn:
        return conn.execute(sa.text(sql)).scalar()


def test_expire_sets_and_clears_an_expiry_and_logs_each(engine: sa.Engine) -> None:
    assert scalar(engine, "SELECT expires_at FROM evidence") is not None  # the task's 12m
    code, out = run("evidence", "expire", "ev-1", "2026-12-31")
    assert code == 0, out
    assert "Evidence 1 (attestation, for #" in out and "through Thu 31 Dec 2026" in out
    code, out = run("evidence", "expire", "1", "never")
    assert code == 0 and "no longer expires" in out
    assert scalar(engine, "SELECT expires_at FROM evidence") is None
    actions = "SELECT count(*) FROM auditevent WHERE action = 'evidence.expiry_set'"
    assert scalar(engine, actions) == 2


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (("99", "2026-12-31"), "There is no evidence 99."),
        (("1", "31/12/2026"), "is not a date"),
        (("#1", "never"), "names work, not evidence"),
    ],
)
def test_bad_input_is_one_friendly_line_and_changes_nothing(
    engine: sa.Engine, args: tuple[str, str], said: str
) -> None:
    before = scalar(engine, "SELECT count(*) FROM auditevent")
    code, out = run("evidence", "expire", *args)
    assert code == 1 and said in out and "Traceback" not in out
    assert scalar(engine, "SELECT count(*) FROM auditevent") == before
