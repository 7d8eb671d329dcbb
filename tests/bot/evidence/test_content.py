"""The content sniffer: each allowed type is accepted by its leading bytes, lies are refused."""

from __future__ import annotations

import io
import zipfile

import pytest

from bot.core.settings import DEFAULT_ALLOWED_TYPES
from bot.evidence.content import ContentScan, EvidenceRejected, looks_like, script_marker
from bot.evidence.local import LocalEvidenceStore

OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504


def office_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
    return out.getvalue()


GOOD = {
    "application/pdf": b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n",
    "image/png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
    "image/jpeg": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00",
    "image/gif": b"GIF89a\x01\x00\x01\x00",
    "image/webp": b"RIFF\x24\x00\x00\x00WEBPVP8 ",
    "application/zip": office_zip(),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": office_zip(),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": office_zip(),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": office_zip(),
    "application/vnd.ms-excel": OLE2,
    "application/msword": OLE2,
    "text/plain": "Restore test passed — 12 tables, 0 errors.\n".encode(),
    "text/csv": "account,email\nzoë,zoe@acme.test\n".encode(),
    "text/markdown": b"# Restore test\n\n- [runbook](https://wiki.acme.test/restore)\n",
    "application/json": b'{"scan": "passed", "findings": []}',
}


def scan(media_type: str, data: bytes, chunk: int = 1 << 20) -> None:
    check = ContentScan("evidence", media_type, data[:512])
    for start in range(0, len(data), chunk):
        check.feed(data[start : start + chunk])
    check.finish()


def test_every_default_allowed_type_has_a_good_sample() -> None:
    assert set(GOOD) == set(DEFAULT_ALLOWED_TYPES)


@pytest.mark.parametrize("media_type", sorted(GOOD))
def test_each_allowed_type_is_accepted_by_its_content(media_type: str) -> None:
    scan(media_type, GOOD[media_type])


GIF87 = b"GIF87a\x01\x00"


@pytest.mark.parametrize(
    ("media_type", "data"),
    [("image/gif", GIF87), ("text/csv", b"\xef\xbb\xbfaccount\nsvc\n"), ("text/plain", b"x")],
    ids=["GIF87a", "CSV with a BOM", "one byte of text"],
)
def test_variants_of_allowed_types_are_accepted(media_type: str, data: bytes) -> None:
    scan(media_type, data)


HTML = b"<!-- saved from the portal -->\n<html><body>Sign in</body></html>"
SVG = b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'
MISMATCHES = {
    # case: (declared type, content, what the refusal says)
    "a PNG declared as PDF": ("application/pdf", GOOD["image/png"], "content is a PNG image"),
    "a PDF declared as JPEG": ("image/jpeg", GOOD["application/pdf"], "content is a PDF"),
    "text declared as PNG": ("image/png", b"just some text", "content is text"),
    "a GIF declared as WebP": ("image/webp", GIF87, "content is a GIF image"),
    "a RIFF that is not WebP": ("image/webp", b"RIFF\x24\x00\x00\x00WAVEfmt ", "content is"),
    "text declared as .docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        b"meeting notes", r"declared as Word \(\.docx\)",
    ),
    "a zip declared as .xls": ("application/vnd.ms-excel", office_zip(), "content is a ZIP"),
    "an OLE2 file declared as .xlsx": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", OLE2,
        "content is a legacy Office document",
    ),
    "a PDF declared as CSV": ("text/csv", b"%PDF-1.7\n\x00\x01binary", "is not text"),
    "Latin-1 declared as CSV": ("text/csv", "account\nzoë\n".encode("latin-1"), "not UTF-8"),
    "UTF-16 declared as text": ("text/plain", "notes".encode("utf-16"), "is not text"),
    "a cut UTF-8 character": ("text/plain", "café".encode()[:-1], "not UTF-8"),
    "HTML declared as PDF": ("application/pdf", HTML, "is a web page"),
    "HTML declared as PNG": ("image/png", b"<body><script>x()</script></body>", "is a web page"),
    "HTML declared as text": ("text/plain", HTML, "is a web page"),
    "SVG declared as PNG": ("image/png", SVG, "is an SVG image"),
    "SVG declared as SVG": ("image/svg+xml", SVG, "can carry scripts"),
    "HTML declared as HTML": ("text/html", b"<p>hello</p>", "can carry scripts"),
    "a program declared as PDF": ("application/pdf", b"MZ\x90\x00" + b"\x00" * 60, "a program"),
    "an image type with no known signature": ("image/x-icon", b"\x00\x00\x01\x00", "content"),
}  # fmt: skip


@pytest.mark.parametrize(
    ("media_type", "data", "message"), MISMATCHES.values(), ids=list(MISMATCHES)
)
def test_content_that_is_not_its_declared_type_is_refused(
    media_type: str, data: bytes, message: str
) -> None:
    with pytest.raises(EvidenceRejected, match=message):
        scan(media_type, data)


TEXT_JSON = "application/json"
SCRIPTED = {
    "a script tag deep in a log": b"2026-01-01 ok\n" * 400 + b"payload <SCRIPT>alert(1)</script>",
    "a javascript: link in Markdown": b"# Notes\n\n[click](JavaScript:alert(document.cookie))\n",
    "an svg element in a CSV cell": b'account,note\nsvc,"<svg onload=alert(1)>"\n',
    "a doctype in JSON": b'{"page": "<!DOCTYPE HTML><p>x</p>"}',
    "an html tag in text": b"Export:\n<html><body>table</body></html>\n",
}


@pytest.mark.parametrize("data", SCRIPTED.values(), ids=list(SCRIPTED))
@pytest.mark.parametrize(
    "media_type", ["text/plain", "text/csv", "text/markdown", "application/json"]
)
def test_text_carrying_markup_or_scripts_is_refused_whatever_its_type(
    media_type: str, data: bytes
) -> None:
    with pytest.raises(EvidenceRejected, match="markup|web page"):
        scan(media_type, data)


@pytest.mark.parametrize("cut", range(1, len(b"javascript:")))
def test_a_marker_split_across_two_chunks_is_still_found(cut: int) -> None:
    data = b"a" * 1000 + b"javascript:alert(1)"
    chunk = 1000 + cut  # the marker starts at 1000 and is cut after `cut` characters
    with pytest.raises(EvidenceRejected, match="javascript:"):
        scan("text/plain", data, chunk=chunk)


def test_a_character_split_across_two_chunks_is_valid_utf8() -> None:
    data = "é".encode() * 3000
    scan("text/plain", data, chunk=1001)  # every chunk boundary cuts a two-byte character


def test_looks_like_and_script_marker_name_what_they_see() -> None:
    assert looks_like(b"%PDF-1.4") == "a PDF"
    assert looks_like(b"\x7fELF\x02") == "a program"
    assert looks_like(b"\xff\xfe\x00\x00") == "binary data"
    assert script_marker(b"see <IFrame src=x>") == "<iframe"
    assert script_marker(b"plain words, a < b > c") is None


def test_the_store_refuses_a_late_marker_and_keeps_nothing(tmp_path: object) -> None:
    from pathlib import Path

    root = Path(str(tmp_path)) / "store"
    store = LocalEvidenceStore(root, max_bytes=8 << 20, allowed_types=DEFAULT_ALLOWED_TYPES)
    data = b"line of a long log\n" * 200_000 + b"<script>steal()</script>\n"  # ~3.8 MB
    with pytest.raises(EvidenceRejected, match="<script"):
        store.put(io.BytesIO(data), original_name="build.log.txt", media_type="text/plain")
    assert [p for p in root.rglob("*") if p.is_file()] == []
