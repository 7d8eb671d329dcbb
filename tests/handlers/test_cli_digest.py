"""`soc2bot digest`: the leadership digest in the terminal, and its preview files."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
import time_machine
from PIL import Image
from typer.testing import CliRunner

from handlers.cli import app

runner = CliRunner()
# A Monday morning in New York, the demo company's timezone: the digest of 2026-W17.
MONDAY_MORNING = dt.datetime(2026, 4, 20, 13, 5, tzinfo=dt.UTC)


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/cli.db")
    monkeypatch.setenv("SOC2BOT_EVIDENCE_URL", f"file://{tmp_path}/evidence")
    return tmp_path


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def test_digest_preview_writes_the_text_and_the_chart(env: Path) -> None:
    out_dir = env / "preview"
    code, out = run("digest", "--preview", "--out", str(out_dir))
    assert code == 0, out
    text, png = out_dir / "digest.txt", out_dir / "digest.png"
    assert f"Wrote {text}" in out and f"Wrote {png}" in out
    assert text.read_text("utf-8").startswith("Weekly SOC 2 digest — ")
    assert "Readiness:" in text.read_text("utf-8")
    with Image.open(io.BytesIO(png.read_bytes())) as image:
        assert image.format == "PNG" and image.size[0] == 900  # shown 450 px wide in chat


def test_digest_without_preview_prints_it(env: Path) -> None:
    code, out = run("digest")
    assert code == 0 and "Weekly SOC 2 digest" in out and "Overdue by owner" in out
    assert "(image: Chart for week" in out and "by criterion" in out  # the chart in words
    assert not (env / "digest.txt").exists()


def test_digest_of_the_demo_company_has_a_week_of_news(env: Path) -> None:
    with time_machine.travel(MONDAY_MORNING, tick=False):
        assert run("demo")[0] == 0
        code, out = run("digest", "--preview", "--out", str(env))
    assert code == 0, out
    text = (env / "digest.txt").read_text("utf-8")
    assert "Weekly SOC 2 digest — Northwind Analytics SOC 2, week 2026-W17" in text
    assert "Completed last week (Mon 13 Apr – Sun 19 Apr 2026)" in text
    assert "Nothing was completed last week." not in text and "Overdue by owner" in text
    assert len((env / "digest.png").read_bytes()) < 40_000
