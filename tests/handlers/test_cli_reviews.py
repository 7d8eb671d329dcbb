"""`soc2bot review pull/start/verify` against a local fake GitHub organization."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from handlers.cli import app
from tests.bot.connectors.fake_github import FakeGitHub
from tests.catalog_text import as_yaml, catalog

runner = CliRunner()
TOKEN = "ghp_cli_secret_token"


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    with FakeGitHub(org="acme", token=TOKEN) as fake:
        yield fake


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, github: FakeGitHub) -> Iterator[sa.Engine]:
    db = tmp_path / "cli.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{db}")
    monkeypatch.setenv("SOC2BOT_EVIDENCE_URL", f"file://{tmp_path}/evidence")
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    review = {
        "source": {"type": "github", "org": "acme", "api_url": github.api_url},
        "channel": "C0REVIEWS",
        "reviewer": "ana@acme.test",
    }
    path = tmp_path / "catalog.yaml"
    path.write_text(as_yaml(catalog(controls__0__tasks__0__review=review)))
    code, out = run("catalog", "sync", str(path), "--accept-overdue")
    assert code == 0, out
    engine = sa.create_engine(f"sqlite:///{db}")
    yield engine
    engine.dispose()


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def scalar(engine: sa.Engine, sql: str) -> object:
    with engine.connect() as conn:
        return conn.execute(sa.text(sql)).scalar()


def test_pull_json_returns_every_member_across_13_pages(env: sa.Engine, github: FakeGitHub) -> None:
    for n in range(1234):
        github.add_member(f"dev{n:04d}", admin=n < 3, two_factor=n % 100 != 7)
    code, out = run("review", "pull", "prod-access-review", "--json")
    assert code == 0, out
    document = json.loads(out)
    assert document["count"] == 1234 and len(document["accounts"]) == 1234
    assert len({a["id"] for a in document["accounts"]}) == 1234
    assert document["source"] == "GitHub organization acme"
    members = [r for r in github.requests if r.path.endswith("/members")]
    assert len([r for r in members if not {"role", "filter"} & r.query.keys()]) == 13
    flagged = [a for a in document["accounts"] if a["flags"]]
    # Nobody maps to a person: every account is an orphan, listed first anyway.
    assert all("orphan" in a["flags"] for a in flagged) and len(flagged) == 1234
    assert sum("privileged" in a["flags"] for a in document["accounts"]) == 3
    assert sum("no_mfa" in a["flags"] for a in document["accounts"]) == 13
    assert scalar(env, "select count(*) from campaign") == 0  # a preview starts nothing


def test_start_freezes_the_snapshot_and_queues_the_prompt_once(
    env: sa.Engine, github: FakeGitHub
) -> None:
    github.add_member("raj", admin=True)
    github.add_member("ghost", two_factor=False)
    code, out = run("review", "start", "prod-access-review")
    assert code == 0, out
    assert "Started camp-1: 2 accounts, 2 flagged; the prompt is queued." in out
    sha = scalar(env, "select sha256 from evidence where media_type = 'application/json'")
    assert isinstance(sha, str) and f"Snapshot sha256 {sha}." in out
    assert scalar(env, "select count(*) from outboxmessage where recipient = 'C0REVIEWS'") == 1
    events = scalar(env, "select count(*) from auditevent where action = 'review.snapshot_taken'")
    assert events == 1

    code, out = run("review", "start", "prod-access-review")
    assert code == 1 and "has started already (camp-1)" in out and "Traceback" not in out
    assert scalar(env, "select count(*) from campaign") == 1


def test_a_refused_token_starts_nothing_and_says_why(
    env: sa.Engine, github: FakeGitHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_expired_token_value")
    github.add_member("raj")
    code, out = run("review", "start", "prod-access-review")
    assert code == 1, out
    assert "Not started: GitHub: the credentials were refused (401)" in out
    assert "ghp_expired_token_value" not in out
    assert scalar(env, "select count(*) from campaign") == 0
    # The control's owner hears why (in the compliance channel while nobody is linked).
    notice = scalar(env, "select payload from outboxmessage where idempotency_key like "
                    "'review-pull-failed:%'")  # fmt: skip
    assert notice is not None and "ghp_expired_token_value" not in str(notice)


def test_verify_with_nothing_to_verify_says_so(env: sa.Engine) -> None:
    code, out = run("review", "verify")
    assert code == 0 and "No open follow-up of a pulled review to verify." in out


def test_validate_warns_when_the_token_is_not_set(
    env: sa.Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GITHUB_TOKEN")
    code, out = run("catalog", "validate", str(tmp_path / "catalog.yaml"))
    assert code == 0, out
    assert "Warning: control CC6.1-AR, task prod-access-review: github source: set " in out
    assert "GITHUB_TOKEN in the environment before the review starts" in out
