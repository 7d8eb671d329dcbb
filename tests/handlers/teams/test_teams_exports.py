"""`export` in Teams: an immediate answer, then the bundle's summary posted when it is built."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from pathlib import Path

from bot.export import verify_bundle
from tests.handlers.teams.cardcheck import card_text
from tests.handlers.teams.conftest import TeamsScenario

TODAY = dt.date.today()
WINDOW = f"{TODAY - dt.timedelta(days=90)} {TODAY}"


def wait_for_card(teams: TeamsScenario, words: str, timeout: float = 30) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for activity in teams.sent():
            for attachment in activity.get("attachments") or []:
                text = card_text(attachment.get("content") or {})
                if words in text:
                    return text
        time.sleep(0.05)
    raise AssertionError(f"no card saying {words!r}")


def test_an_auditor_is_told_at_once_and_gets_the_summary_later(
    make_teams: Callable[..., TeamsScenario], tmp_path: Path
) -> None:
    teams = make_teams(export_dir=tmp_path / "exports")
    teams.say(f"export {WINDOW}", who="audrey")
    assert "Building the evidence bundle" in teams.last_text()
    summary = wait_for_card(teams, "Evidence bundle ready")
    [bundle] = (tmp_path / "exports").glob("*.zip")
    assert str(bundle) in summary and verify_bundle(bundle).ok


def test_a_member_is_refused_and_nothing_is_built(
    make_teams: Callable[..., TeamsScenario], tmp_path: Path
) -> None:
    teams = make_teams(export_dir=tmp_path / "exports")
    teams.say(f"export {WINDOW}", who="eve")
    assert "Building" not in teams.last_text()
    assert not (tmp_path / "exports").exists()


def test_with_links_enabled_the_summary_carries_a_download_link_that_serves_the_bundle(
    make_teams: Callable[..., TeamsScenario], tmp_path: Path
) -> None:
    teams = make_teams(
        export_dir=tmp_path / "exports",
        public_url="https://soc2.acme.test",
        secret_key="s" * 40,
    )
    teams.say(f"export {WINDOW}", who="audrey")
    summary = wait_for_card(teams, "Evidence bundle ready")
    [link] = [w for w in summary.split() if w.startswith("https://soc2.acme.test/exports/")]
    [bundle] = (tmp_path / "exports").glob("*.zip")
    path = link.removeprefix("https://soc2.acme.test")
    fetched = teams.client.get(path)
    assert fetched.status_code == 200 and fetched.content == bundle.read_bytes()
    assert fetched.headers["content-type"] == "application/zip"
    forged = teams.client.get(path.replace("sig=", "sig=0"))
    assert forged.status_code == 404 and "not valid" in forged.text
    assert teams.client.get(f"/exports/{bundle.name}?expires=1&sig=x").status_code == 404
