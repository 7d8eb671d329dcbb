"""`soc2bot people sync`, run as an admin would: Slack over HTTP, an HR CSV, friendly errors."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from handlers.cli import app
from tests.catalog_text import as_yaml, catalog
from tests.handlers.slack.fake_slack import FakeSlack

TOKEN = "xoxb-test-token"
runner = CliRunner()
HR = (
    "\ufeffEMAIL,Name,Active,Manager_Email,Timezone,Department,Employee Id\n"
    "ana@acme.test,Ana Ruiz,true,,America/New_York,Security,1\n"
    "raj@acme.test,Raj Iyer,false,ana@acme.test,Asia/Kolkata,Platform,2\n"
    "eve@acme.test,Eve Park,true,ana@acme.test,Europe/Paris,Platform,3\n"
)


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A database holding the test catalog: Raj owns CC6.1-AR; the compliance channel is #soc2."""
    db = tmp_path / "cli.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{db}")
    monkeypatch.setenv("SOC2BOT_EVIDENCE_URL", f"file://{tmp_path}/evidence")
    path = tmp_path / "catalog.yaml"
    path.write_text(as_yaml(catalog()))
    assert run("catalog", "sync", str(path), "--accept-overdue")[0] == 0
    return db


@pytest.fixture
def slack(env: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeSlack]:
    with FakeSlack(token=TOKEN) as fake:
        monkeypatch.setenv("SLACK_BOT_TOKEN", TOKEN)
        monkeypatch.setenv("SLACK_SIGNING_SECRET", "secret")
        monkeypatch.setenv("SLACK_API_URL", fake.base_url)
        fake.add_user("UANA", "ana@acme.test", "Ana Ruiz")
        fake.add_user("URAJ", "raj@acme.test", "Raj Iyer", deleted=True)
        fake.add_user("UEVE", "eve@acme.test", "Eve Park", tz="Europe/Paris")
        yield fake


def scalar(db: Path, sql: str) -> object:
    with sa.create_engine(f"sqlite:///{db}").connect() as conn:
        return conn.execute(sa.text(sql)).scalar()


def test_with_no_flag_every_configured_platform_is_read(env: Path, slack: FakeSlack) -> None:
    code, out = run("people", "sync")
    assert code == 0, out
    assert "Slack (users.list): 3 member(s) read." in out
    assert "1 created, 2 updated, 1 deactivated, 0 reactivated, 3 linked" in out
    assert "Deactivated (1): raj@acme.test" in out
    assert "Needs a new owner — raj@acme.test: CC6.1-AR (owner)" in out
    assert "1 alert(s) queued for the compliance channel." in out
    key = scalar(env, "select idempotency_key from outboxmessage where kind = 'alert'")
    assert str(key).startswith("deactivated-owner:")
    code, out = run("status")
    assert "Needs a new owner" in out and "CC6.1-AR" in out
    code, out = run("people", "sync", "--slack")
    assert code == 0 and out.endswith("No changes.\n")


def test_an_hr_export_is_applied_and_a_second_run_changes_nothing(
    env: Path, tmp_path: Path
) -> None:
    people = tmp_path / "people.csv"
    people.write_text(HR, encoding="utf-8")
    code, out = run("people", "sync", "--csv", str(people))
    assert code == 0, out
    assert "CSV: 3 row(s) read from people.csv." in out
    assert "3 directory entries from csv: 1 created, 2 updated, 1 deactivated" in out
    events = scalar(env, "select count(*) from auditevent")
    code, out = run("people", "sync", "--csv", str(people))
    assert code == 0 and "No changes." in out
    assert scalar(env, "select count(*) from auditevent") == events
    assert scalar(env, "select department from person where email = 'eve@acme.test'") == "Platform"


def test_a_bad_csv_names_its_rows_and_changes_nothing(env: Path, tmp_path: Path) -> None:
    people = tmp_path / "people.csv"
    people.write_text(HR + "bob@acme.test,Bob,sometimes,,Mars/Olympus,,4\n", encoding="utf-8")
    before = scalar(env, "select count(*) from auditevent")
    code, out = run("people", "sync", "--csv", str(people))
    assert code == 1
    assert "People CSV rejected, nothing applied (2 error(s))" in out
    assert "row 5: active 'sometimes'" in out and "row 5: timezone 'Mars/Olympus'" in out
    assert scalar(env, "select count(*) from auditevent") == before
    assert scalar(env, "select count(*) from person where email = 'eve@acme.test'") == 0


def test_with_nothing_configured_it_says_what_to_do(env: Path) -> None:
    code, out = run("people", "sync")
    assert code == 1
    assert "No directory to read" in out and "--csv FILE" in out


def test_a_platform_that_is_not_configured_is_named(env: Path) -> None:
    code, out = run("people", "sync", "--slack")
    assert code == 1 and "--slack: Slack is not configured (set SLACK_BOT_TOKEN)." in out
    code, out = run("people", "sync", "--teams", "19:general@thread.tacv2")
    assert code == 1 and "--teams: Teams is not configured" in out
