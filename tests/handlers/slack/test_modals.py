"""Modal views: evidence upload and review start stay within limits; submissions parse."""

from __future__ import annotations

import json
from typing import Any

from handlers.slack.modals import (
    evidence_modal,
    parse_view_values,
    review_start_modal,
)
from tests.handlers.slack.blockkit import assert_modal_limits


def block(view: dict[str, Any], block_id: str) -> dict[str, Any]:
    return next(b for b in view["blocks"] if b.get("block_id") == block_id)


def slack_file(file_id: str, name: str, mimetype: str) -> dict[str, Any]:
    """A file object as Slack puts it in a submitted file_input's state."""
    return {
        "id": file_id,
        "created": 1732370000,
        "timestamp": 1732370000,
        "name": name,
        "title": name,
        "mimetype": mimetype,
        "filetype": name.rsplit(".", 1)[-1],
        "user": "URAJ",
        "size": 48213,
        "mode": "hosted",
        "is_external": False,
        "url_private": f"https://files.slack.com/files-pri/T1-{file_id}/{name}",
        "url_private_download": f"https://files.slack.com/files-pri/T1-{file_id}/download/{name}",
    }


def submitted(values: dict[str, Any], callback_id: str) -> dict[str, Any]:
    """The `view` of a view_submission payload, trimmed to what Slack always sends."""
    return {
        "id": "V0ABC123",
        "team_id": "T1",
        "type": "modal",
        "callback_id": callback_id,
        "private_metadata": "{}",
        "blocks": [],
        "state": {"values": values},
        "hash": "1732370000.abcd",
    }


def test_the_evidence_modal_passes_modal_limits_and_remembers_its_message() -> None:
    view = evidence_modal(
        occurrence_id=42,
        title="Quarterly access review",
        period="2025-Q2",
        requirement="file",
        channel_id="D123",
        message_ts="1732370000.000100",
    )
    assert_modal_limits(view)
    assert view["callback_id"] == "evidence_submit"
    assert view["title"]["text"] == "Attach evidence"
    assert (view["submit"]["text"], view["close"]["text"]) == ("Submit", "Cancel")
    meta = json.loads(view["private_metadata"])
    assert meta == {"occurrence": 42, "channel": "D123", "ts": "1732370000.000100"}


def test_the_evidence_modal_requires_files_and_takes_an_optional_note() -> None:
    view = evidence_modal(occurrence_id=7, title="T", period="2025-06", requirement="any")
    files, note = block(view, "evidence_files"), block(view, "evidence_note")
    assert files["optional"] is False
    assert files["element"] == {"type": "file_input", "action_id": "files", "max_files": 10}
    assert note["optional"] is True
    assert note["element"]["type"] == "plain_text_input"
    assert note["element"]["action_id"] == "note"
    assert note["element"]["multiline"] is True and note["element"]["max_length"] == 2000
    assert json.loads(view["private_metadata"]) == {"occurrence": 7, "channel": None, "ts": None}


def test_the_evidence_modal_explains_the_task_with_escaped_text() -> None:
    view = evidence_modal(
        occurrence_id=1, title="Backups <restore> & test", period="2025-Q1", requirement="file"
    )
    about = view["blocks"][0]["text"]["text"]
    assert "Backups &lt;restore&gt; &amp; test" in about
    assert "2025-Q1" in about and "file" in about


def test_a_very_long_task_title_keeps_the_evidence_modal_within_limits() -> None:
    view = evidence_modal(occurrence_id=1, title="x" * 5000, period="p" * 400, requirement="r")
    assert_modal_limits(view)


def test_the_review_modal_prefills_the_name_and_channel() -> None:
    view = review_start_modal(name="Q4 prod", channel_id="C9")
    assert_modal_limits(view)
    assert view["callback_id"] == "review_start_submit"
    assert block(view, "review_name")["element"]["initial_value"] == "Q4 prod"
    channel = block(view, "review_channel")["element"]
    assert channel["type"] == "conversations_select" and channel["action_id"] == "channel"
    assert channel["initial_conversation"] == "C9"
    assert channel["filter"] == {"include": ["public", "private"]}
    reviewer = block(view, "review_reviewer")["element"]
    assert reviewer == {"type": "users_select", "action_id": "reviewer"}


def test_the_review_modal_without_defaults_has_no_initial_values() -> None:
    view = review_start_modal()
    assert_modal_limits(view)
    assert "initial_value" not in block(view, "review_name")["element"]
    assert "initial_conversation" not in block(view, "review_channel")["element"]


def test_the_review_modal_takes_one_csv_and_describes_its_columns() -> None:
    view = review_start_modal()
    csv = block(view, "review_csv")
    assert csv["element"] == {
        "type": "file_input",
        "action_id": "csv",
        "filetypes": ["csv"],
        "max_files": 1,
    }
    hint = csv["hint"]["text"]
    for column in ("account", "email", "system", "system_owner", "self-review"):
        assert column in hint
    control = block(view, "review_control")
    assert control["optional"] is True
    assert control["element"]["placeholder"]["text"] == "CC6.1-AR"


def test_parse_view_values_reads_a_submitted_review_modal() -> None:
    csv = slack_file("F0CSV", "q4-prod.csv", "text/csv")
    values = {
        "review_name": {"name": {"type": "plain_text_input", "value": "Q4 prod"}},
        "review_channel": {
            "channel": {"type": "conversations_select", "selected_conversation": "C42"}
        },
        "review_reviewer": {"reviewer": {"type": "users_select", "selected_user": "URAJ"}},
        "review_control": {"control": {"type": "plain_text_input", "value": None}},
        "review_csv": {"csv": {"type": "file_input", "files": [csv]}},
    }
    assert parse_view_values(submitted(values, "review_start_submit")) == {
        "name": "Q4 prod",
        "channel": "C42",
        "reviewer": "URAJ",
        "control": None,
        "csv": [csv],
    }


def test_parse_view_values_reads_a_submitted_evidence_modal() -> None:
    files = [
        slack_file("F01", "access-review.pdf", "application/pdf"),
        slack_file("F02", "screenshot.png", "image/png"),
    ]
    values = {
        "evidence_files": {"files": {"type": "file_input", "files": files}},
        "evidence_note": {"note": {"type": "plain_text_input", "value": "Exported from Okta"}},
    }
    parsed = parse_view_values(submitted(values, "evidence_submit"))
    assert parsed == {"files": files, "note": "Exported from Okta"}


def test_parse_view_values_of_a_view_without_state_is_empty() -> None:
    assert parse_view_values({"type": "modal"}) == {}
    empty = {"evidence_files": {"files": {"type": "file_input"}}}
    assert parse_view_values(submitted(empty, "evidence_submit")) == {"files": []}
