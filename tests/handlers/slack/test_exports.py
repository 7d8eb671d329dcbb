"""Exports in Slack: "on its way" where asked, then the bundle (file and link) in a DM only."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import re
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlmodel import select

from bot.chat import exports as export_jobs
from bot.export import verify_bundle
from models import AuditEvent
from tests.handlers.slack.conftest import SlackScenario
from tests.handlers.slack.fake_slack import Call
from tests.handlers.slack.signing import block_action_payload
from tests.handlers.slack.test_actions import db_of
from tests.reliability.world import changed, fingerprint

TODAY = dt.date.today()
WINDOW = f"{TODAY - dt.timedelta(days=90)} {TODAY}"
DM = "D0AUDREY1"  # what conversations.open answers: unlike any user id, so it must be used
LINKS = {"public_url": "https://soc2.acme.test", "secret_key": "s" * 40}


def auditor_dm(slack: SlackScenario, dm: str = DM) -> None:
    slack.fake.respond(
        "conversations.open", lambda call: {"ok": True, "channel": {"id": dm, "is_im": True}}
    )


def uploaded_zip(slack: SlackScenario, channel: str = DM) -> bytes:
    [complete] = slack.wait_for("files.completeUploadExternal", timeout=30)
    assert complete.args["channel_id"] == channel
    found = slack.fake.file(complete.args["files"][0]["id"])
    assert found is not None
    return found[1]


def linked(slack: SlackScenario, user: str) -> dict[str, str]:
    """The state once `user` has talked to the bot (first contact links them), to compare to."""
    assert slack.command("whoami", user=user).status_code == 200
    return fingerprint(db_of(slack))


def said_outside(slack: SlackScenario, dm: str = DM) -> str:
    """Everything the app told Slack anywhere but in the DM (channels, response_url)."""
    private = ("conversations.open", "files.getUploadURLExternal", "files.completeUploadExternal")

    def elsewhere(call: Call) -> bool:
        return call.method not in private and call.args.get("channel") != dm

    return json.dumps([c.args for c in slack.fake.calls if elsewhere(c)])


def dm_summary(slack: SlackScenario) -> str:
    """The summary posted in the DM (text and blocks), with Slack's `&amp;` read back as `&`."""
    posts = [json.dumps(c.args) for c in slack.fake.calls_to("chat.postMessage")]
    assert {c.args["channel"] for c in slack.fake.calls_to("chat.postMessage")} == {DM}
    return next(p for p in posts if "Evidence bundle ready" in p).replace("&amp;", "&")


def test_asked_in_a_channel_the_channel_hears_only_that_the_bundle_comes_by_dm(
    make_scenario: Callable[..., SlackScenario], tmp_path: Path
) -> None:
    slack = make_scenario(export_dir=tmp_path / "exports", **LINKS)
    auditor_dm(slack)
    answer = slack.command(f"export {WINDOW}", user="UAUD", channel="C1").json()
    assert answer["response_type"] == "ephemeral" and "direct message" in answer["text"]
    data = uploaded_zip(slack)
    assert slack.fake.last("conversations.open").args["users"] == "UAUD"
    summary = dm_summary(slack)
    [link] = set(re.findall(r"https://soc2\.acme\.test/exports/[^\s\"|>]+", summary))
    assert "/exports/" not in json.dumps(answer) + said_outside(slack)
    assert "soc2-evidence" not in json.dumps(answer) + said_outside(slack)
    assert zipfile.ZipFile(io.BytesIO(data)).testzip() is None
    [bundle] = (tmp_path / "exports").glob("*.zip")
    assert bundle.read_bytes() == data and verify_bundle(bundle).ok
    fetched = slack.client.get(link.removeprefix("https://soc2.acme.test"))
    assert fetched.status_code == 200 and fetched.content == data
    with db_of(slack).session() as session:
        logged = session.exec(select(AuditEvent).where(AuditEvent.action == "export.created"))
        assert logged.one().actor == "audrey@audit.test"


def _mention(slack: SlackScenario) -> Any:
    text = f"<@UBOT> export {WINDOW}"
    event = {"type": "app_mention", "user": "UAUD", "channel": "C1", "text": text, "ts": "1.2"}
    return slack.event(event, event_id="EvExport")


def _more_button(slack: SlackScenario) -> Any:
    value = json.dumps({"t": f"export {WINDOW}", "p": 0})
    payload = block_action_payload(action_id="page_more", value=value, user_id="UAUD")
    return slack.interact(payload)


def _dm_text(slack: SlackScenario) -> Any:
    text = f"export {WINDOW}"
    event = {"type": "message", "channel_type": "im", "channel": DM, "user": "UAUD", "text": text}
    return slack.event({**event, "ts": "1.3"}, event_id="EvExportDm")


@pytest.mark.parametrize("ask", [_mention, _more_button, _dm_text])
def test_every_text_path_builds_in_the_export_folder_and_delivers_in_the_dm(
    make_scenario: Callable[..., SlackScenario], tmp_path: Path, ask: Callable[..., Any]
) -> None:
    slack = make_scenario(export_dir=tmp_path / "exports", **LINKS)
    auditor_dm(slack)
    assert ask(slack).status_code == 200
    data = uploaded_zip(slack)
    [bundle] = (tmp_path / "exports").glob("*.zip")  # not the shared system temp folder
    assert bundle.read_bytes() == data
    assert "Evidence bundle ready" in dm_summary(slack)
    outside = said_outside(slack)
    assert "/exports/" not in outside and "soc2-evidence" not in outside
    assert "Evidence bundle ready" not in outside
    if ask is not _dm_text:  # where it was asked, the person is told where it will go
        assert "direct message" in outside


def test_a_member_is_refused_at_once_and_nothing_is_built(
    make_scenario: Callable[..., SlackScenario], tmp_path: Path
) -> None:
    slack = make_scenario(export_dir=tmp_path / "exports")
    before = linked(slack, "UEVE")
    answer = slack.command(f"export {WINDOW}", user="UEVE").json()
    assert "Building" not in str(answer) and "only admins and auditors" in str(answer)
    assert not (tmp_path / "exports").exists()
    assert slack.fake.calls_to("files.getUploadURLExternal") == []
    assert changed(before, fingerprint(db_of(slack))) == []


def test_an_export_folder_others_can_enter_is_refused_and_nothing_is_built(
    make_scenario: Callable[..., SlackScenario], tmp_path: Path
) -> None:
    folder = tmp_path / "exports"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)  # whatever the umask: readable by everyone on the server
    slack = make_scenario(export_dir=folder)
    before = linked(slack, "UAUD")
    answer = slack.command(f"export {WINDOW}", user="UAUD").json()
    assert "SOC2BOT_EXPORT_DIR" in answer["text"] and "Building" not in answer["text"]
    time.sleep(0.3)
    assert list(folder.iterdir()) == [] and slack.fake.calls_to("conversations.open") == []
    assert changed(before, fingerprint(db_of(slack))) == []


def test_the_folder_is_created_private_and_expired_bundles_are_swept(
    make_scenario: Callable[..., SlackScenario], tmp_path: Path
) -> None:
    folder = tmp_path / "exports"
    slack = make_scenario(export_dir=folder)
    auditor_dm(slack)
    slack.command(f"export {WINDOW}", user="UAUD")
    uploaded_zip(slack)
    assert folder.stat().st_mode & 0o777 == 0o700
    old = folder / "soc2-evidence_2026-01-01_2026-03-31_20260101T000000Z.zip"
    old.write_bytes(b"PK")
    notes = folder / "notes.txt"  # not ours: never touched
    notes.write_text("x")
    day_ago = time.time() - 26 * 3600
    for path in (old, notes):
        os.utime(path, (day_ago, day_ago))
    slack.fake.clear()
    slack.command(f"export {WINDOW}", user="UAUD")
    uploaded_zip(slack)
    assert not old.exists() and notes.exists()
    assert len(list(folder.glob("*.zip"))) == 2  # the two fresh ones stay until they expire


def test_a_bundle_too_large_for_chat_is_left_on_the_server(
    make_scenario: Callable[..., SlackScenario], tmp_path: Path
) -> None:
    slack = make_scenario(export_dir=tmp_path / "exports", export_upload_max_bytes=100)
    auditor_dm(slack)
    slack.command(f"export {WINDOW}", user="UANA")
    posts = slack.wait_for("chat.postMessage", 2, timeout=30)
    assert {p.args["channel"] for p in posts} == {DM}
    text = posts[-1].args["text"]
    assert "stays on the server: it is at" in text and "(1 KB)" in text
    assert slack.fake.calls_to("files.getUploadURLExternal") == []
    assert len(list((tmp_path / "exports").glob("*.zip"))) == 1


def test_the_links_signature_is_in_no_log_line_even_at_debug(
    make_scenario: Callable[..., SlackScenario],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Slack's client logs what it posts at DEBUG (the link included): the service's log
    output (stderr, JSON) must still never hold the signature, nor must the download's lines."""
    slack = make_scenario(export_dir=tmp_path / "exports", log_level="DEBUG", **LINKS)
    auditor_dm(slack)
    slack.command(f"export {WINDOW}", user="UAUD")
    uploaded_zip(slack)
    [link] = set(re.findall(r"https://soc2\.acme\.test/exports/[^\s\"|>]+", dm_summary(slack)))
    sig = parse_qs(urlsplit(link).query)["sig"][0]
    assert slack.client.get(link.removeprefix("https://soc2.acme.test")).status_code == 200
    err = capsys.readouterr().err
    assert "downloaded by link" in err and "sig=[redacted]" in err
    assert sig not in err


def test_builds_beyond_the_limit_wait_their_turn_and_are_told_so(
    make_scenario: Callable[..., SlackScenario],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    running, peak = [0], [0]
    build = export_jobs.export_to_folder

    def slow_build(**kwargs: Any) -> Any:
        running[0] += 1
        peak[0] = max(peak[0], running[0])
        try:
            time.sleep(0.5)  # long enough for the second request to arrive meanwhile
            return build(**kwargs)
        finally:
            running[0] -= 1

    monkeypatch.setattr(export_jobs, "export_to_folder", slow_build)
    slack = make_scenario(export_dir=tmp_path / "exports", export_max_concurrent=1)
    for user in ("UAUD", "UANA"):
        assert "direct message" in slack.command(f"export {WINDOW}", user=user).json()["text"]
    completed = slack.wait_for("files.completeUploadExternal", 2, timeout=30)
    assert peak[0] == 1 and len(list((tmp_path / "exports").glob("*.zip"))) == 2
    assert {c.args["channel_id"] for c in completed} == {"DUAUD", "DUANA"}
    waiting = [
        c for c in slack.fake.calls_to("chat.postMessage") if "built right now" in str(c.args)
    ]
    assert [c.args["channel"] for c in waiting] == ["DUANA"]
