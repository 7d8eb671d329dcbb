"""Evidence by files: the modal, a reply in a task's thread, a DM with the reference."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlmodel import select

from bot.core.db import Database
from models import ChatMessage, Evidence, Occurrence, OccurrenceStatus
from tests.handlers.slack.conftest import SlackScenario
from tests.handlers.slack.signing import view_submission_payload

CSV = b"account,decision\nalice,keep\n"


def db_of(slack: SlackScenario) -> Database:
    return slack.client.app.state.db  # type: ignore[attr-defined, no-any-return]


def my_refs(slack: SlackScenario, user: str, prefix: str = "occ_attach:") -> list[int]:
    blocks = slack.command("mine", user=user).json()["blocks"]
    return [
        int(e["value"])
        for b in blocks
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"].startswith(prefix)
    ]


def evidence_of(slack: SlackScenario, occurrence_id: int) -> list[Evidence]:
    with db_of(slack).session() as session:
        return list(session.exec(select(Evidence).where(Evidence.occurrence_id == occurrence_id)))


def status_of(slack: SlackScenario, occurrence_id: int) -> OccurrenceStatus:
    with db_of(slack).session() as session:
        occ = session.get(Occurrence, occurrence_id)
        assert occ is not None
        return occ.status


def dm_file(
    slack: SlackScenario,
    file: dict[str, Any],
    text: str,
    *,
    event_id: str,
    thread_ts: str | None = None,
    channel: str = "DRAJ",
    user: str = "URAJ",
) -> None:
    event = {
        "type": "message",
        "subtype": "file_share",
        "user": user,
        "channel": channel,
        "channel_type": "im",
        "text": text,
        "ts": f"17000001{len(event_id):02d}.000200",
        "files": [file],
    }
    if thread_ts:
        event["thread_ts"] = thread_ts
    assert slack.event(event, event_id=event_id).status_code == 200


def test_file_in_dm_with_a_reference_is_stored_and_the_hash_is_answered(
    slack: SlackScenario,
) -> None:
    ref = my_refs(slack, "URAJ")[0]
    file = slack.fake.add_file(CSV, name="review.csv", mimetype="text/csv")
    dm_file(slack, file, f"evidence for #{ref}", event_id="EvDm1")
    reply = slack.wait_for("chat.postMessage")[-1].args
    sha = hashlib.sha256(CSV).hexdigest()
    assert sha in reply["text"] and reply["thread_ts"]
    [ev] = evidence_of(slack, ref)
    assert ev.sha256 == sha and ev.original_name == "review.csv" and ev.platform == "slack"
    assert status_of(slack, ref) is OccurrenceStatus.DONE


def test_file_in_dm_without_a_reference_gets_a_question_not_a_guess(slack: SlackScenario) -> None:
    refs = my_refs(slack, "URAJ")
    file = slack.fake.add_file(CSV, name="review.csv", mimetype="text/csv")
    dm_file(slack, file, "here you go", event_id="EvDm2")
    assert "Which task is this file for?" in slack.wait_for("chat.postMessage")[-1].args["text"]
    dm_file(slack, file, f"#{refs[0]} or #{refs[0] + 1000}", event_id="EvDm3")
    assert "which one" in slack.wait_for("chat.postMessage", 2)[-1].args["text"]
    assert all(evidence_of(slack, r) == [] for r in refs)
    assert slack.fake.downloads == []


def test_file_replied_in_the_thread_of_a_task_card_counts_for_that_task(
    slack: SlackScenario,
) -> None:
    ref = my_refs(slack, "URAJ")[0]
    slack.command(f"evidence {ref}", user="URAJ")
    slack.wait_for("chat.postMessage")
    with db_of(slack).session() as session:
        card = session.exec(select(ChatMessage).where(ChatMessage.occurrence_id == ref)).one()
    file = slack.fake.add_file(b"%PDF-1.7 scan", name="scan.pdf", mimetype="application/pdf")
    dm_file(slack, file, "", event_id="EvThread", thread_ts=card.message_id, channel=card.channel)
    reply = slack.wait_for("chat.postMessage", 2)[-1].args
    assert hashlib.sha256(b"%PDF-1.7 scan").hexdigest() in reply["text"]
    assert [e.original_name for e in evidence_of(slack, ref)] == ["scan.pdf"]


def test_oversize_or_disallowed_files_are_refused_and_nothing_is_recorded(
    slack: SlackScenario,
) -> None:
    ref = my_refs(slack, "URAJ")[0]
    big = slack.fake.add_file(b"x" * (1024 * 1024 + 1), name="big.pdf", mimetype="application/pdf")
    dm_file(slack, big, f"#{ref}", event_id="EvBig")
    assert "limit" in slack.wait_for("chat.postMessage")[-1].args["text"]
    exe = slack.fake.add_file(b"MZ\x90\x00", name="tool.exe", mimetype="application/x-msdownload")
    dm_file(slack, exe, f"#{ref}", event_id="EvExe")
    assert "not accepted" in slack.wait_for("chat.postMessage", 2)[-1].args["text"]
    assert evidence_of(slack, ref) == [] and slack.fake.downloads == []


def test_modal_submission_stores_files_and_dms_the_hash(slack: SlackScenario) -> None:
    ref = my_refs(slack, "URAJ")[0]
    file = slack.fake.add_file(CSV, name="access.csv", mimetype="text/csv")
    values = {
        "evidence_files": {"files": {"type": "file_input", "files": [file]}},
        "evidence_note": {"note": {"type": "plain_text_input", "value": "Q review"}},
    }
    payload = view_submission_payload(
        callback_id="evidence_submit",
        values=values,
        private_metadata=json.dumps({"occurrence": ref}),
        user_id="URAJ",
    )
    assert slack.interact(payload).status_code == 200
    dm = slack.wait_for("chat.postMessage")[-1].args
    assert dm["channel"] == "URAJ" and hashlib.sha256(CSV).hexdigest() in dm["text"]
    [ev] = evidence_of(slack, ref)
    assert ev.note == "Q review"


def test_modal_submission_with_an_oversize_file_shows_the_error_in_the_modal(
    slack: SlackScenario,
) -> None:
    ref = my_refs(slack, "URAJ")[0]
    big = slack.fake.add_file(b"x" * (2 * 1024 * 1024), name="big.pdf", mimetype="application/pdf")
    values = {"evidence_files": {"files": {"type": "file_input", "files": [big]}}}
    payload = view_submission_payload(
        callback_id="evidence_submit",
        values=values,
        private_metadata=json.dumps({"occurrence": ref}),
        user_id="URAJ",
    )
    body = slack.interact(payload).json()
    assert body["response_action"] == "errors" and "limit" in body["errors"]["evidence_files"]
    assert evidence_of(slack, ref) == []


def test_an_html_sign_in_page_instead_of_the_file_is_refused(slack: SlackScenario) -> None:
    ref = my_refs(slack, "URAJ")[0]
    slack.fake.files_forbidden = True
    file = slack.fake.add_file(CSV, name="review.csv", mimetype="text/csv")
    dm_file(slack, file, f"#{ref}", event_id="EvHtml")
    reply = slack.wait_for("chat.postMessage")[-1].args["text"]
    assert "login page instead of the file" in reply and "files:read" in reply
    assert evidence_of(slack, ref) == []
