"""Malicious files, end to end through Slack and Teams: each one refused or neutralised.

Path traversal and NUL bytes in names, 10,000-character names, zip bombs declared as CSV,
an HTML sign-in page instead of the file, and content types that lie (a program named .pdf).
Refused files leave no evidence row and no stored object; accepted ones keep a clean name
and live only at their content address inside the evidence store.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from bot.core.errors import InvalidInput
from bot.directory.hr_csv import parse_directory_csv
from bot.reviews.csv_files import parse_accounts_csv
from models import Campaign, Evidence
from tests.handlers.slack.signing import view_submission_payload
from tests.handlers.teams.activities import message_activity
from tests.reliability.world import PEOPLE, World, changed

PDF = b"%PDF-1.7\n" + b"quarterly restore test: passed\n" * 30


def zip_bomb(inner: int = 200 * 1024 * 1024) -> bytes:
    """A zip of `inner` zero bytes (a few hundred KB compressed): a classic decompression bomb."""
    out = io.BytesIO()
    chunk = b"\0" * (1024 * 1024)
    with (
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open("accounts.csv", "w", force_zip64=True) as member,
    ):
        for _ in range(inner // len(chunk)):
            member.write(chunk)
    return out.getvalue()


BOMB = zip_bomb()


def evidence_rows(world: World) -> list[Evidence]:
    with world.db.session() as session:
        return list(session.exec(select(Evidence).where(Evidence.kind == "file")))


def stored_objects(world: World) -> list[Path]:
    root = Path(world.store.root)
    return [p for p in root.rglob("*") if p.is_file() and "tmp" not in p.relative_to(root).parts]


def slack_dm_file(world: World, content: bytes, name: str, mimetype: str, ref: int) -> str:
    """Raj sends a file to the bot with the task's reference; returns what the bot answered."""
    file = world.fake.add_file(content, name=name, mimetype=mimetype, user="URAJ")
    event = {"type": "message", "subtype": "file_share", "user": "URAJ", "channel": "DURAJ",
             "channel_type": "im", "text": f"#{ref}", "ts": f"{time.time():.6f}",
             "files": [file]}  # fmt: skip
    world.fake.clear()
    assert world.slack.event(event, event_id=f"EvFile{time.monotonic_ns()}").status_code == 200
    [reply] = world.slack.wait_for("chat.postMessage")
    return str(reply.args["text"])


def teams_file(world: World, content: bytes, name: str, file_type: str, ref: int) -> str:
    who = PEOPLE["owner"]
    attachment = world.connector.add_file(content, name=name, file_type=file_type)
    activity = message_activity(
        f"#{ref}", service_url=world.connector.service_url, user_id=who.teams_id,
        aad_object_id=who.aad, name=who.name, conversation_id="a:personal-raj",
        attachments=[attachment],
    )  # fmt: skip
    world.connector.clear()
    assert world.teams_post(activity).status_code in (200, 201)
    return world.teams_texts()


def send(world: World, platform: str, content: bytes, name: str, mimetype: str, ref: int) -> str:
    if platform == "slack":
        return slack_dm_file(world, content, name, mimetype, ref)
    return teams_file(world, content, name, name.rpartition(".")[2] or "bin", ref)


NAMES = {
    "path traversal": "../../../../etc/cron.d/evil.pdf",
    "windows traversal": "..\\..\\Windows\\System32\\evil.pdf",
    "absolute path": "/var/lib/soc2bot/evidence/sha256/aa/bb/evil.pdf",
    "NUL byte": "report.pdf\x00.exe",
    "NUL in the middle": "rep\x00ort.pdf",
    "bidi override": "invoice\u202efdp.exe",  # shows as invoiceexe.pdf
    "control characters": "a\r\nb\tc\x1b[31m.pdf",
    "10,000 characters": "A" * 9996 + ".pdf",
    "10,000 multibyte characters": "é" * 9996 + ".pdf",
    "only dots": "....pdf",
    "reserved characters": 'con<>:"|?*.pdf',
}


@pytest.fixture
def busy(make_world: Callable[..., World]) -> World:
    """A world where Raj has a dozen open tasks, one per file sent."""
    return make_world(extra_tasks=12)


@pytest.mark.parametrize("platform", ["slack", "teams"])
def test_hostile_file_names_are_neutralised_and_stay_inside_the_store(
    busy: World, platform: str
) -> None:
    world = busy
    root = Path(world.store.root).resolve()
    outside = {p for p in root.parent.rglob("*") if root not in p.resolve().parents}
    refs = world.open_occurrences("owner")
    problems, stored = [], set()
    for n, (case, name) in enumerate(NAMES.items()):
        content = PDF + case.encode()
        said = send(world, platform, content, name, "application/pdf", refs[n])
        if hashlib.sha256(content).hexdigest() in said:
            stored.add(case)
        elif "not accepted" not in said or "something went wrong" in said:
            problems.append(f"{case}: neither stored nor refused with a reason ({said[-200:]!r})")
    assert not problems, "\n".join(problems)
    # Names whose last part is a PDF are kept under their cleaned name, never refused for it;
    # the rest (whose real extension is .exe, or none) are refused by type.
    assert {"path traversal", "windows traversal", "absolute path", "10,000 characters",
            "10,000 multibyte characters", "control characters"} <= stored, stored  # fmt: skip
    assert "NUL byte" not in stored and "bidi override" not in stored or platform == "slack"
    for row in evidence_rows(world):
        clean = row.original_name or ""
        assert "/" not in clean and "\\" not in clean and "\x00" not in clean, clean
        assert not clean.startswith("."), clean
        assert all(ord(c) >= 32 and c not in "\u202e\u202d\u200e\u200f" for c in clean), clean
        assert len(clean) <= 200 and len(clean.encode()) <= 255, len(clean)
        assert (root / str(row.storage_key)).resolve().is_file()
    # nothing was written anywhere but inside the store
    now_outside = {p for p in root.parent.rglob("*") if root not in p.resolve().parents}
    assert now_outside - outside <= {p for p in now_outside if p.suffix in (".db-wal", ".db-shm")}


EXE, ELF = b"MZ\x90\x00" + b"\x00" * 200, b"\x7fELF\x02\x01\x01" + b"\x00" * 200
LIES = {
    # case: (content, name, declared type)
    "a Windows program named .pdf": (EXE, "invoice.pdf", "application/pdf"),
    "a Linux program named .png": (ELF, "chart.png", "image/png"),
    "a program declared as a program": (EXE, "setup.exe",
                                        "application/x-msdownload"),
    "an HTML page named .pdf": (b"<!DOCTYPE html><html><body>Sign in</body></html>",
                                "report.pdf", "application/pdf"),
    "an HTML page with a BOM": (b"\xef\xbb\xbf  <html><script>alert(1)</script></html>",
                                "notes.txt", "text/plain"),
    "a zip bomb declared as CSV": (BOMB, "accounts.csv", "text/csv"),
    "binary declared as text": (b"\x00\x01\x02 not text", "log.txt", "text/plain"),
    "an SVG (scriptable) image": (b'<svg xmlns="http://www.w3.org/2000/svg"><script/></svg>',
                                  "logo.svg", "image/svg+xml"),
    "an empty file": (b"", "empty.pdf", "application/pdf"),
}  # fmt: skip


@pytest.mark.parametrize("platform", ["slack", "teams"])
def test_files_whose_content_type_lies_are_refused_and_leave_nothing(
    busy: World, platform: str
) -> None:
    world = busy
    refs = world.open_occurrences("owner")
    before = world.fingerprint()
    problems = []
    for n, (case, (content, name, declared)) in enumerate(LIES.items()):
        said = send(world, platform, content, name, declared, refs[n])
        if hashlib.sha256(content).hexdigest() in said or "SHA-256" in said:
            problems.append(f"{case}: stored ({said[-200:]!r})")
        if "something went wrong" in said:
            problems.append(f"{case}: unexpected error ({said[-200:]!r})")
    assert not problems, "\n".join(problems)
    assert changed(before, world.fingerprint()) == []
    assert stored_objects(world) == []


def test_slack_sign_in_page_instead_of_the_file_is_refused_and_leaves_nothing(world: World) -> None:
    ref = world.open_occurrences("owner")[0]
    before = world.fingerprint()
    world.fake.files_forbidden = True  # Slack's answer without files:read: 200 + HTML
    said = slack_dm_file(world, PDF, "scan.pdf", "application/pdf", ref)
    assert "login page" in said and "SHA-256" not in said
    assert changed(before, world.fingerprint()) == [] and stored_objects(world) == []


def test_teams_html_instead_of_the_file_is_refused_and_leaves_nothing(world: World) -> None:
    """A downloadUrl that answers with a web page (an expired link, a proxy's sign-in)."""
    ref = world.open_occurrences("owner")[0]
    before = world.fingerprint()
    page = b"<!DOCTYPE html><html><head><title>Sign in to your account</title></head></html>"
    said = teams_file(world, page, "scan.pdf", "pdf", ref)
    assert "web page" in said and "SHA-256" not in said
    assert changed(before, world.fingerprint()) == [] and stored_objects(world) == []


def test_a_zip_bomb_as_the_access_review_csv_is_refused_without_inflating_it(
    world: World,
) -> None:
    file = world.fake.add_file(BOMB, name="accounts.csv", mimetype="text/csv", user="UANA")
    values = {
        "review_name": {"name": {"type": "plain_text_input", "value": "Bomb"}},
        "review_channel": {"channel": {"type": "conversations_select",
                                       "selected_conversation": "C1"}},
        "review_reviewer": {"reviewer": {"type": "users_select", "selected_user": "UEVE"}},
        "review_csv": {"csv": {"type": "file_input", "files": [file]}},
    }  # fmt: skip
    before = world.fingerprint()
    payload = view_submission_payload(callback_id="review_start_submit", values=values,
                                      user_id="UANA")  # fmt: skip
    response = world.slack.interact(payload)
    assert response.status_code == 200
    errors = json.dumps(response.json())
    assert "UTF-8" in errors or "not" in errors, errors
    assert changed(before, world.fingerprint()) == []
    with world.db.session() as session:
        assert session.exec(select(Campaign).where(Campaign.name == "Bomb")).first() is None


def test_a_csv_larger_than_the_review_limit_is_refused_before_download(world: World) -> None:
    big = b"account\n" + b"a" * (3 * 1024 * 1024)
    file = world.fake.add_file(big, name="accounts.csv", mimetype="text/csv", user="UANA")
    values = {
        "review_name": {"name": {"type": "plain_text_input", "value": "Huge"}},
        "review_channel": {"channel": {"type": "conversations_select",
                                       "selected_conversation": "C1"}},
        "review_reviewer": {"reviewer": {"type": "users_select", "selected_user": "UEVE"}},
        "review_csv": {"csv": {"type": "file_input", "files": [file]}},
    }  # fmt: skip
    response = world.slack.interact(
        view_submission_payload(callback_id="review_start_submit", values=values, user_id="UANA")
    )
    assert "larger than 2 MB" in json.dumps(response.json())
    assert world.fake.downloads == []


@pytest.mark.parametrize("parse", [parse_accounts_csv, parse_directory_csv])
@pytest.mark.parametrize(
    "data",
    [BOMB, b"PK\x03\x04" + os.urandom(2000), b"\xff\xfe" + "account\n".encode("utf-16-le"),
     b"account\n" + b"\x00" * 5000],
    ids=["zip bomb", "random zip", "UTF-16", "NUL bytes"],
)  # fmt: skip
def test_csv_parsers_refuse_archives_and_binary_as_bad_input(parse: Any, data: bytes) -> None:
    started = time.monotonic()
    with pytest.raises(InvalidInput):
        parse(data)
    assert time.monotonic() - started < 2  # refused on sight, never inflated


# --- content must be what its type says (issue 12, point 3) ------------------------------------

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
