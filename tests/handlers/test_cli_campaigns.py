"""`soc2bot campaign …`: a policy round with its PDF, a training round, list, show, refresh."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from handlers.cli import app
from tests.catalog_text import as_yaml, catalog

runner = CliRunner()
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n" * 20


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    db = tmp_path / "cli.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{db}")
    monkeypatch.setenv("SOC2BOT_EVIDENCE_URL", f"file://{tmp_path}/evidence")
    path = tmp_path / "catalog.yaml"
    path.write_text(as_yaml(catalog()))
    assert run("catalog", "sync", str(path), "--accept-overdue")[0] == 0
    return db


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def test_a_policy_round_starts_with_its_pdf_kept_as_evidence(env: Path, tmp_path: Path) -> None:
    pdf = tmp_path / "aup.pdf"
    pdf.write_bytes(PDF)
    code, out = run("campaign", "policy", "--title", "Acceptable Use Policy", "--version", "3",
                    "--file", str(pdf), "--summary", "Be kind.", "--due", "10bd")  # fmt: skip
    assert code == 0, out
    assert "Started camp-1: Acceptable Use Policy, version 3 — 2 people, 0 DMs queued." in out
    assert "ana@acme.test, raj@acme.test" in out  # nobody is linked to chat yet
    engine = sa.create_engine(f"sqlite:///{env}")
    with engine.connect() as conn:
        sha = conn.execute(sa.text("select sha256 from evidence where campaign_id = 1")).scalar()
    assert sha == hashlib.sha256(PDF).hexdigest()

    code, out = run("campaign", "list")
    assert code == 0 and "Acceptable Use Policy, version 3 — 0 of 2 accepted (0%)" in out
    code, out = run("campaign", "show", "camp-1")
    assert code == 0 and "Not yet (2)" in out and "(CLI) started" in out
    code, out = run("ask", "ack acceptable use", "--as", "raj@acme.test")
    assert code == 0 and "I have read and accept Acceptable Use Policy, version 3." in out
    assert f"aup.pdf · SHA-256 {sha}" in out

    code, out = run("campaign", "policy", "--title", "Acceptable Use Policy", "--version", "3",
                    "--link", "https://x.test/aup")  # fmt: skip
    assert code == 1 and "already running as camp-1" in out and "Traceback" not in out
    code, out = run("campaign", "policy", "--title", "Acceptable Use Policy", "--version", "4",
                    "--link", "https://x.test/aup")  # fmt: skip
    assert code == 0 and "camp-1 is superseded" in out


def test_a_training_round_and_mistakes_get_short_answers(env: Path) -> None:
    code, out = run("campaign", "training", "--title", "Security awareness", "--round", "FY26")
    assert code == 0 and "Started camp-1: Security awareness (FY26) — 2 people" in out
    code, out = run("campaign", "refresh")
    assert code == 0 and "Enrolled 0, withdrew 0, renewed 0 training round(s)." in out
    code, out = run("campaign", "policy", "--title", "Travel", "--version", "1")
    assert code == 1 and "--link" in out
    code, out = run("campaign", "training", "--title", "X", "--group", "role:wizard")
    assert code == 1 and "Unknown role" in out
    code, out = run("campaign", "show", "camp-99")
    assert code == 1 and "no policy or training round camp-99" in out


@pytest.mark.parametrize("every", ["0d", "0m", "-0w", "-1m"])
def test_a_training_that_would_repeat_every_day_or_never_is_refused(env: Path, every: str) -> None:
    code, out = run("campaign", "training", "--title", "Security awareness", "--every", every)
    assert code == 1 and "How often the training repeats (--every)" in out
    assert "Traceback" not in out
    engine = sa.create_engine(f"sqlite:///{env}")
    with engine.connect() as conn:
        assert conn.execute(sa.text("select count(*) from campaign")).scalar() == 0
    engine.dispose()
