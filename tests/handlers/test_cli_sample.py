"""`soc2bot sample …` and `soc2bot export --sample N`, run as an auditor's helper would."""

from __future__ import annotations

import json
import subprocess
import zipfile
from pathlib import Path

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from bot.core.db import Database
from handlers.cli import app
from models import AuditEvent, Sample
from tests.bot.export.test_review_evidence import _python
from tests.bot.sampling.sampling_support import build

runner = CliRunner()


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Database:
    url = f"sqlite:///{tmp_path}/cli.db"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("SOC2BOT_EVIDENCE_URL", f"file://{tmp_path}/evidence")
    monkeypatch.setenv("SOC2BOT_SIGNING_KEY", "11" * 32)
    database = Database(url)
    database.upgrade()
    build(database)
    return database


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def test_draw_show_and_add_from_the_command_line(db: Database) -> None:
    window = ("--from", "2026-01-01", "--to", "2026-06-30")
    code, out = run("sample", "--control", "CC7.1-VS", *window, "--seed", "fy26")
    assert code == 0, out
    assert "Sample 1: CC7.1-VS, 2026-01-01 to 2026-06-30" in out and "Seed fy26" in out
    assert "2 drawn from a population of 6, spread across it." in out
    assert "monthly control: 2" in out and "soc2bot sample add 1 5" in out
    again = run("sample", "--control", "CC7.1-VS", *window, "--seed", "fy26")[1]
    assert _items(again) == _items(out) and len(_items(out)) == 2  # same seed, same items
    code, out = run("sample", "add", "1", "3")
    assert code == 0 and "Added 3; the sample now holds 5 of 6." in out
    code, out = run("sample", "show", "1")
    assert code == 0 and out.count("added in round 1") == 3
    with db.session() as s:
        actions = [
            e.action for e in s.exec(select(AuditEvent)).all() if e.action.startswith("sample")
        ]
    assert actions == ["sample.drawn", "sample.drawn", "sample.extended"]


def _items(out: str) -> list[str]:
    return [line for line in out.splitlines() if line.startswith("• ")]


def test_a_campaign_and_its_follow_ups(db: Database) -> None:
    code, out = run("sample", "--campaign", "camp-1", "--size", "4")
    assert code == 0 and "Sample 1: camp-1 (Q2 GitHub review)" in out and "size 4 asked for" in out
    code, out = run("sample", "--follow-ups", "1")
    assert code == 0 and "camp-1 (Q2 GitHub review) follow-ups" in out and "Remove user-0" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("sample", "--control", "CC7.1-VS"), "needs the window"),
        (("sample", "--control", "CC7.1-VS", "--from", "2026-13-01", "--to", "2026-06-30"),
         "--from: ‘2026-13-01’ is not a real date."),
        (("sample", "--campaign", "camp-1", "--follow-ups", "camp-1"), "not both"),
        (("sample", "show", "9"), "There is no sample 9."),
        (("export", "--out", "x.zip"), "Give the window with --from and --to"),
        (("export", "--sample", "1", "--from", "2026-01-01", "--out", "x.zip"), "leave out"),
    ],
)  # fmt: skip
def test_mistakes_are_one_clear_line_and_record_nothing(
    db: Database, args: tuple[str, ...], message: str
) -> None:
    code, out = run(*args)
    assert code == 1 and message in out and "Traceback" not in out
    with db.session() as s:
        assert s.exec(select(Sample)).all() == []


def test_export_sample_writes_a_bundle_that_verifies_offline(db: Database, tmp_path: Path) -> None:
    assert (
        run("sample", "--control", "CC7.2-LOG", "--from", "2026-01-01", "--to", "2026-06-30")[0]
        == 0
    )
    code, out = run("export", "--sample", "1", "--out", str(tmp_path / "s1.zip"))
    assert code == 0, out
    assert "Sample 1: 25 items, 0 evidence records, 0 files" in out and "SHA-256: " in out
    folder = tmp_path / "auditor"
    with zipfile.ZipFile(tmp_path / "s1.zip") as z:
        z.extractall(folder)
    done = subprocess.run([_python(), "-I", "-S", "verify.py"], cwd=folder, capture_output=True,
                          text=True, timeout=300, env={})  # fmt: skip
    assert done.returncode == 0 and done.stdout.startswith("OK: "), done.stdout + done.stderr
    assert json.loads((folder / "sample.json").read_text())["population"]["size"] == 181
