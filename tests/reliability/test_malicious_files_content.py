"""Files disguised as another type, through Slack and Teams: refused by content, nothing kept.

Content must be what its type says (issue 12, point 3): HTML or SVG behind an image or PDF
name, scripts in text, and CSV that is not UTF-8 or carries script markup are refused, and
leave no evidence row and no stored object.
"""

from __future__ import annotations

import hashlib
import json

import pytest

from tests.handlers.slack.signing import view_submission_payload
from tests.handlers.teams.activities import message_activity
from tests.reliability.file_sending import send, stored_objects
from tests.reliability.world import PEOPLE, World, changed

HIDDEN_HTML = b"<!-- saved from the portal -->\n<html><body><script>steal()</script></body></html>"
DISGUISED = {
    # case: (content, name, declared type); each was stored as evidence before content sniffing
    "an HTML page named .pdf, a comment first": (HIDDEN_HTML, "report.pdf", "application/pdf"),
    "an SVG named .png": (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
                          "chart.png", "image/png"),
    "a PNG named .pdf": (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "scan.pdf", "application/pdf"),
    "a script deep in a text log": (b"backup ok\n" * 300 + b"<script>steal()</script>\n",
                                    "backup.txt", "text/plain"),
    "a javascript: link in Markdown": (b"# Restore\n\n[runbook](javascript:alert(1))\n",
                                       "restore.md", "text/markdown"),
    "Latin-1 text named .csv": ("account\nzoë\n".encode("latin-1"), "accounts.csv", "text/csv"),
    "text named .xlsx": (b"account,email\n", "accounts.xlsx",
                         "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}  # fmt: skip


@pytest.mark.parametrize("platform", ["slack", "teams"])
def test_files_disguised_as_another_type_are_refused_by_content_and_leave_nothing(
    busy: World, platform: str
) -> None:
    world = busy
    refs = world.open_occurrences("owner")
    before = world.fingerprint()
    problems = []
    for n, (case, (content, name, declared)) in enumerate(DISGUISED.items()):
        said = send(world, platform, content, name, declared, refs[n])
        if "SHA-256" in said or hashlib.sha256(content).hexdigest() in said:
            problems.append(f"{case}: stored ({said[-200:]!r})")
        elif not any(w in said for w in ("declared as", "web page", "SVG", "markup")):
            problems.append(f"{case}: refused without naming the type problem ({said[-200:]!r})")
    assert not problems, "\n".join(problems)
    assert changed(before, world.fingerprint()) == []
    assert stored_objects(world) == []


def test_a_signed_slack_modal_upload_of_html_named_report_pdf_is_refused_and_records_nothing(
    world: World,
) -> None:
    ref = world.open_occurrences("owner")[0]
    file = world.fake.add_file(HIDDEN_HTML, name="report.pdf", mimetype="application/pdf")
    values = {"evidence_files": {"files": {"type": "file_input", "files": [file]}}}
    payload = view_submission_payload(
        callback_id="evidence_submit", values=values,
        private_metadata=json.dumps({"occurrence": ref}), user_id="URAJ",
    )  # fmt: skip
    before = world.fingerprint()
    assert world.slack.interact(payload).status_code == 200
    [told] = world.slack.wait_for("chat.postMessage")
    text = str(told.args["text"])
    assert "report.pdf is a web page (declared as PDF)" in text and "SHA-256" not in text
    assert changed(before, world.fingerprint()) == [] and stored_objects(world) == []


@pytest.mark.parametrize(
    "content",
    [b"<body><script>steal()</script></body>", b'<svg onload="alert(1)"/>', b"just text"],
    ids=["HTML", "SVG", "text"],
)
def test_a_teams_pasted_image_that_is_not_an_image_is_refused_and_records_nothing(
    world: World, content: bytes
) -> None:
    world.connector.emulator = True  # serves pasted images without a token, like the Emulator
    ref = world.open_occurrences("owner")[0]
    who = PEOPLE["owner"]
    activity = message_activity(
        f"#{ref}", service_url=world.connector.service_url, user_id=who.teams_id,
        aad_object_id=who.aad, name=who.name, conversation_id="a:personal-raj",
        attachments=[world.connector.add_inline_image(content, "image/png")],
    )  # fmt: skip
    before = world.fingerprint()
    world.connector.clear()
    assert world.teams_post(activity).status_code in (200, 201)
    said = world.teams_texts()
    assert "SHA-256" not in said and "something went wrong" not in said
    assert any(w in said for w in ("web page", "SVG image", "declared as PNG")), said
    assert changed(before, world.fingerprint()) == [] and stored_objects(world) == []


SCRIPTED_CSV = "account,email,system\nsvc-ci,,AWS\n<script>steal()</script>,,Web\n"


@pytest.mark.parametrize("platform", ["slack", "teams"])
def test_a_review_csv_carrying_script_markup_is_refused_and_starts_nothing(
    world: World, platform: str
) -> None:
    before = world.fingerprint()
    if platform == "slack":
        file = world.fake.add_file(SCRIPTED_CSV.encode(), name="accounts.csv", mimetype="text/csv")
        values = {
            "review_name": {"name": {"type": "plain_text_input", "value": "Scripted"}},
            "review_channel": {"channel": {"type": "conversations_select",
                                           "selected_conversation": "C1"}},
            "review_reviewer": {"reviewer": {"type": "users_select", "selected_user": "UEVE"}},
            "review_csv": {"csv": {"type": "file_input", "files": [file]}},
        }  # fmt: skip
        payload = view_submission_payload(
            callback_id="review_start_submit", values=values, user_id="UANA"
        )
        said = json.dumps(world.slack.interact(payload).json())
    else:
        world.connector.clear()
        world.teams_submit({"action_id": "review_start", "review_name": "Scripted",
                            "review_reviewer": "eve@acme.test", "review_csv": SCRIPTED_CSV},
                           "admin")  # fmt: skip
        said = world.teams_texts()
    assert "script markup" in said and "<script" in said, said
    assert changed(before, world.fingerprint()) == []
