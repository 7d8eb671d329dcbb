"""Malicious files, end to end through Slack and Teams: each one refused or neutralised.

Path traversal and NUL bytes in names, 10,000-character names, zip bombs declared as CSV,
an HTML sign-in page instead of the file, and content types that lie (a program named .pdf).
Refused files leave no evidence row and no stored object; accepted ones keep a clean name
and live only at their content address inside the evidence store. Content that is not what
its type says: test_malicious_files_content.py.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from bot.core.errors import InvalidInput
from bot.directory.hr_csv import parse_directory_csv
from bot.reviews.csv_files import parse_accounts_csv
from models import Campaign, Evidence
from tests.handlers.slack.signing import view_submission_payload
from tests.reliability.file_sending import PDF, send, slack_dm_file, stored_objects, teams_file
from tests.reliability.world import World, changed


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
