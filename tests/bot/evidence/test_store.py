"""The local and S3 evidence stores behave the same: write-once, deduplicated, validated."""

from __future__ import annotations

import hashlib
import os
import time
import tracemalloc
from typing import Any

import pytest

from bot.core.errors import InvalidInput, NotFound
from bot.evidence.store import (
    CHUNK_SIZE,
    EvidenceRejected,
    EvidenceStore,
    StoredFile,
    check_size,
    content_key,
    resolve_media_type,
    sanitize_filename,
)
from tests.bot.evidence.store_support import MB, PDF, Backend, GeneratedStream, S3Backend, as_stream


def test_identical_content_is_stored_once(backend: Backend) -> None:
    store = backend.make()
    first = store.put(as_stream(PDF + b"same"), original_name="a.pdf")
    second = store.put(
        as_stream(PDF + b"same"), original_name="b.pdf", media_type="application/pdf"
    )
    assert first.key == second.key
    assert (first.deduplicated, second.deduplicated) == (False, True)
    assert second.original_name == "b.pdf"
    assert backend.objects() == [first.key]
    assert backend.leftovers() == []


def test_a_second_put_never_rewrites_the_object(backend: Backend) -> None:
    store = backend.make()
    stored = store.put(as_stream(PDF + b"original"), original_name="a.pdf")
    before = backend.stamp(stored.key)
    time.sleep(0.01)
    assert store.put(as_stream(PDF + b"original"), original_name="a.pdf").deduplicated
    assert backend.stamp(stored.key) == before


def test_an_object_that_appears_meanwhile_is_kept_not_overwritten(backend: Backend) -> None:
    store = backend.make()
    data = PDF + b"racing upload"
    key = content_key(hashlib.sha256(data).hexdigest())
    backend.plant(key, b"already there")
    stored = store.put(as_stream(data), original_name="a.pdf")
    assert stored.key == key and stored.deduplicated
    assert backend.raw(key) == b"already there"
    assert backend.leftovers() == []


def test_oversize_stream_is_cut_short_and_leaves_nothing(backend: Backend) -> None:
    store = backend.make(max_bytes=3 * MB)
    stream = GeneratedStream(40 * MB)
    with pytest.raises(EvidenceRejected, match=r"^big\.pdf is over the 3\.0 MB limit$"):
        store.put(as_stream(stream), original_name="big.pdf", media_type="application/pdf")
    assert stream.consumed <= 3 * MB + CHUNK_SIZE
    assert backend.objects() == []
    assert backend.leftovers() == []


@pytest.mark.parametrize(
    ("name", "declared", "body", "message"),
    [
        ("evidence.exe", None, b"MZ\x90\x00", "evidence.exe: files of type .* are not accepted"),
        ("evidence.pdf", "application/pdf", b"MZ\x90\x00", "evidence.pdf is a program"),
        ("tool.pdf", "application/pdf", b"\x7fELF\x02\x01", "tool.pdf is a program"),
        ("scan.pdf", "application/pdf", b"\n <!DOCTYPE html><html>", "scan.pdf is a web page"),
        ("scan.png", "image/png", b"<HTML><head>" + b" " * 600, "scan.png is a web page"),
        ("page.html", "text/html", b"<p>hi</p>", r"text/html are not accepted \(allowed: PDF, PNG"),
        ("empty.pdf", "application/pdf", b"", "empty.pdf is empty"),
    ],
)
def test_refused_content_leaves_nothing(
    backend: Backend, name: str, declared: str | None, body: bytes, message: str
) -> None:
    store = backend.make()
    with pytest.raises(EvidenceRejected, match=message) as caught:
        store.put(as_stream(body), original_name=name, media_type=declared)
    assert isinstance(caught.value, InvalidInput)
    assert backend.objects() == []
    assert backend.leftovers() == []


class BrokenStream(GeneratedStream):
    """A download that drops after a few megabytes."""

    def readinto(self, buffer: Any) -> int:
        if self.consumed >= 2 * MB:
            raise ConnectionResetError(104, "Connection reset by peer")
        return super().readinto(buffer)


def test_a_broken_source_stream_is_rejected_and_leaves_nothing(backend: Backend) -> None:
    store = backend.make()
    with pytest.raises(EvidenceRejected, match="a.pdf could not be read in full"):
        store.put(as_stream(BrokenStream(4 * MB)), original_name="a.pdf")
    assert backend.objects() == []
    assert backend.leftovers() == []


def test_round_trip_returns_the_same_bytes(backend: Backend) -> None:
    store = backend.make()
    data = PDF + os.urandom(2 * MB + 123)  # spans several chunks
    stored = store.put(as_stream(data), original_name="report.PDF")
    sha = hashlib.sha256(data).hexdigest()
    assert stored == StoredFile(
        f"sha256/{sha[:2]}/{sha[2:4]}/{sha}", sha, len(data), "application/pdf", "report.PDF", False
    )
    chunks = list(store.open(stored.key))
    assert b"".join(chunks) == data and max(map(len, chunks)) <= CHUNK_SIZE
    assert store.exists(stored.key)
    assert backend.raw(stored.key) == data


@pytest.mark.parametrize("key", [content_key("0" * 64), "../../etc/passwd", "sha256/../x"])
def test_unknown_keys_are_not_found(backend: Backend, key: str) -> None:
    store = backend.make()
    assert not store.exists(key)
    with pytest.raises(NotFound):
        store.open(key)


def test_stored_names_are_sanitized(backend: Backend) -> None:
    store = backend.make()
    stored = store.put(
        as_stream(b"root:x:0:0"), original_name="../../etc/pass\x00wd\x1b", media_type="text/plain"
    )
    assert stored.original_name == "passwd"
    assert backend.objects() == [stored.key]


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\Windows\\win.ini", "win.ini"),
        ("re\x00port\x07\n.pdf", "report.pdf"),
        ("invoice\u202efdp.exe", "invoicefdp.exe"),
        (".hidden.pdf", "hidden.pdf"),
        ('a<b>c:d"e|f?g*.pdf', "a_b_c_d_e_f_g_.pdf"),
        ("report. . ", "report"),
        ("", "file"),
        ("...", "file"),
        ("dir/", "file"),
    ],
)
def test_sanitize_filename(raw: str, clean: str) -> None:
    assert sanitize_filename(raw) == clean


def test_long_names_keep_their_extension() -> None:
    assert sanitize_filename("a" * 300 + ".pdf") == "a" * 196 + ".pdf"
    wide = sanitize_filename("é" * 300 + ".xlsx")
    assert wide.endswith("é.xlsx") and len(wide.encode()) <= 255


@pytest.mark.parametrize(
    ("declared", "name", "expected"),
    [
        ("Application/PDF; charset=binary", "x.bin", "application/pdf"),
        (None, "notes.md", "text/markdown"),
        ("application/octet-stream", "shot.PNG", "image/png"),
        ("image/jpg", "x", "image/jpeg"),
        ("", "no-extension", "application/octet-stream"),
    ],
)
def test_resolve_media_type(declared: str | None, name: str, expected: str) -> None:
    assert resolve_media_type(declared, name) == expected


def test_check_size_names_both_sizes() -> None:
    check_size("ok.pdf", 25 * MB, 25 * MB)
    with pytest.raises(EvidenceRejected, match=r"^big\.pdf is 30\.0 MB; the limit is 25\.0 MB$"):
        check_size("big.pdf", 30 * MB, 25 * MB)


def test_large_stream_is_stored_in_bounded_memory(
    backend: Backend, request: pytest.FixtureRequest
) -> None:
    if isinstance(backend, S3Backend):
        # An in-process moto would count its own copy of the upload; use a separate process.
        backend = S3Backend(
            request.getfixturevalue("moto_process_endpoint"), backend.spool_dir, backend.monkeypatch
        )
    store: EvidenceStore = backend.make(max_bytes=64 * MB)
    stream = GeneratedStream(50 * MB)
    tracemalloc.start()
    try:
        stored = store.put(as_stream(stream), original_name="big.pdf")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 16 * MB, f"peak {peak / MB:.1f} MB"
    assert stored.size == 50 * MB and stored.sha256 == stream.digest.hexdigest()
    assert backend.objects() == [stored.key]
