"""`export` in Teams: "on its way" where asked, the summary and its link in a personal chat only."""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bot.export import verify_bundle
from tests.handlers.teams.cardcheck import card_text
from tests.handlers.teams.conftest import TeamsScenario
from tests.handlers.teams.fake_connector_http import Call
from tests.reliability.world import changed, fingerprint

TODAY = dt.date.today()
WINDOW = f"{TODAY - dt.timedelta(days=90)} {TODAY}"
LINKS = {"public_url": "https://soc2.acme.test", "secret_key": "s" * 40}
CHANNEL = "19:general@thread.tacv2;messageid=1700000000000"
IN_CHANNEL = {"conversation_id": CHANNEL, "conversation_type": "channel"}


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


def sent_to(teams: TeamsScenario, conversation: str) -> str:
    """Everything the bot posted or updated in one conversation, as JSON text."""

    def there(call: Call) -> bool:
        return call.path.startswith(f"/v3/conversations/{conversation}/activities")

    return json.dumps([c.body for c in teams.connector.calls if there(c) and c.body])


def link_in(text: str) -> str:
    [link] = set(re.findall(r"https://soc2\.acme\.test/exports/[^\s)\]\"]+", text))
    return link


def test_an_auditor_is_told_at_once_and_gets_the_summary_later(
    make_teams: Callable[..., TeamsScenario], tmp_path: Path
) -> None:
    teams = make_teams(export_dir=tmp_path / "exports")
    teams.say(f"export {WINDOW}", who="audrey")
    assert "Building the evidence bundle" in teams.last_text()
    summary = wait_for_card(teams, "Evidence bundle ready")
    [bundle] = (tmp_path / "exports").glob("*.zip")
    assert str(bundle) in summary and verify_bundle(bundle).ok
    assert "Evidence bundle ready" in sent_to(teams, "a:personal-audrey")


def test_a_member_is_refused_and_nothing_is_built(
    make_teams: Callable[..., TeamsScenario], tmp_path: Path
) -> None:
    teams = make_teams(export_dir=tmp_path / "exports")
    teams.say("whoami", who="eve")  # first contact links her: not what is under test
    before = fingerprint(teams.db)
    teams.say(f"export {WINDOW}", who="eve")
    assert "Building" not in teams.last_text()
    assert not (tmp_path / "exports").exists()
    assert changed(before, fingerprint(teams.db)) == []


def _mention(teams: TeamsScenario) -> Any:
    return teams.say(f"export {WINDOW}", who="audrey", mention_bot=True, **IN_CHANNEL)


def _more_button(teams: TeamsScenario) -> Any:
    data = {"action_id": "page_more", "value": f"export {WINDOW}", "page": 0}
    return teams.submit(data, who="audrey", **IN_CHANNEL)


@pytest.mark.parametrize("ask", [_mention, _more_button])
def test_asked_in_a_channel_the_link_goes_only_to_a_new_personal_chat(
    make_teams: Callable[..., TeamsScenario], tmp_path: Path, ask: Callable[..., Any]
) -> None:
    teams = make_teams(export_dir=tmp_path / "exports", **LINKS)
    assert ask(teams).status_code in (200, 201)
    summary = wait_for_card(teams, "Evidence bundle ready")
    [create] = [c for c in teams.connector.calls_to("POST") if c.path == "/v3/conversations"]
    assert create.body is not None and create.body["isGroup"] is False
    assert [m["id"] for m in create.body["members"]] == ["29:1aud"]
    assert create.body["channelData"]["tenant"]["id"] == "tenant-1"  # what Teams reads
    personal = sent_to(teams, "a:new-conversation-1")
    link = link_in(summary)
    assert link in personal.replace("\\u0026", "&") or link.replace("&", "\\u0026") in personal
    in_channel = sent_to(teams, CHANNEL)
    assert "personal chat" in in_channel  # told where it goes
    assert "/exports/" not in in_channel and "Evidence bundle ready" not in in_channel
    assert "soc2-evidence" not in in_channel
    [bundle] = (tmp_path / "exports").glob("*.zip")
    fetched = teams.client.get(link.removeprefix("https://soc2.acme.test"))
    assert fetched.status_code == 200 and fetched.content == bundle.read_bytes()


def test_a_personal_chat_the_person_already_has_is_used(
    make_teams: Callable[..., TeamsScenario], tmp_path: Path
) -> None:
    teams = make_teams(export_dir=tmp_path / "exports", **LINKS)
    teams.say("whoami", who="audrey")  # in her personal chat: its reference is remembered
    _mention(teams)
    wait_for_card(teams, "Evidence bundle ready")
    assert "/exports/" in sent_to(teams, "a:personal-audrey")
    assert "/exports/" not in sent_to(teams, CHANNEL)
    assert not [c for c in teams.connector.calls_to("POST") if c.path == "/v3/conversations"]


def test_when_teams_refuses_the_personal_chat_the_channel_is_told_without_the_link(
    make_teams: Callable[..., TeamsScenario], tmp_path: Path
) -> None:
    teams = make_teams(export_dir=tmp_path / "exports", **LINKS)
    _mention(teams)  # answered in the channel during the turn; the build takes longer
    teams.connector.fail_next("POST", "/v3/conversations", status=403)  # app not installed
    deadline = time.monotonic() + 30
    while "could not open a personal chat" not in sent_to(teams, CHANNEL):
        assert time.monotonic() < deadline, sent_to(teams, CHANNEL)
        time.sleep(0.05)
    everything = json.dumps(teams.sent())
    assert "/exports/" not in everything and "Evidence bundle ready" not in everything
