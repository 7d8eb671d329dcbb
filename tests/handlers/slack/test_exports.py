"""`/soc2 export` in Slack: an immediate answer, then the bundle as a file in a DM."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Callable
from pathlib import Path

from sqlmodel import select

from bot.export import verify_bundle
from models import AuditEvent
from tests.handlers.slack.conftest import SlackScenario
from tests.handlers.slack.test_actions import db_of

TODAY = dt.date.today()
WINDOW = f"{TODAY - dt.timedelta(days=90)} {TODAY}"


def uploaded_zip(slack: SlackScenario) -> bytes:
    [complete] = slack.wait_for("files.completeUploadExternal", timeout=30)
    found = slack.fake.file(complete.args["files"][0]["id"])
    assert found is not None
    return found[1]


def test_an_auditor_gets_the_bundle_as_a_file_that_verifies(
    make_scenario: Callable[..., SlackScenario], tmp_path: Path
) -> None:
    slack = make_scenario(export_dir=tmp_path / "exports")
    answer = slack.command(f"export {WINDOW}", user="UAUD").json()
    assert "Building the evidence bundle" in answer["text"]
    data = uploaded_zip(slack)
    summary = next(
        c.args for c in slack.fake.calls_to("chat.postMessage") if c.args["channel"] == "UAUD"
    )
    assert "Evidence bundle ready" in summary["text"]
    assert zipfile.ZipFile(io.BytesIO(data)).testzip() is None
    bundle = tmp_path / "received.zip"
    bundle.write_bytes(data)
    assert verify_bundle(bundle).ok
    with db_of(slack).session() as session:
        logged = session.exec(select(AuditEvent).where(AuditEvent.action == "export.created"))
        assert logged.one().actor == "audrey@audit.test"


def test_a_member_is_refused_at_once_and_nothing_is_built(
    make_scenario: Callable[..., SlackScenario], tmp_path: Path
) -> None:
    slack = make_scenario(export_dir=tmp_path / "exports")
    answer = slack.command(f"export {WINDOW}", user="UEVE").json()
    assert "Building" not in str(answer) and "export" in str(answer).lower()
    assert not (tmp_path / "exports").exists()
    assert slack.fake.calls_to("files.getUploadURLExternal") == []


def test_a_bundle_too_large_for_chat_is_left_on_the_server(
    make_scenario: Callable[..., SlackScenario], tmp_path: Path
) -> None:
    slack = make_scenario(export_dir=tmp_path / "exports", export_upload_max_bytes=100)
    slack.command(f"export {WINDOW}", user="UANA")
    posts = slack.wait_for("chat.postMessage", 2, timeout=30)
    text = posts[-1].args["text"]
    assert "stays on the server: it is at" in text and "(1 KB)" in text
    assert slack.fake.calls_to("files.getUploadURLExternal") == []
    assert len(list((tmp_path / "exports").glob("*.zip"))) == 1
