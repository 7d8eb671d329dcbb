"""The local and S3 evidence stores behave the same: write-once, deduplicated, validated."""

from __future__ import annotations

import errno
import hashlib
import io
import os
import socket
import subprocess
import sys
import tempfile
import time
import tracemalloc
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, BinaryIO, cast

import boto3
import pytest
from moto.server import ThreadedMotoServer

from bot.core.errors import InvalidInput, NotFound
from bot.core.settings import DEFAULT_ALLOWED_TYPES, Settings
from bot.evidence.local import LocalEvidenceStore
from bot.evidence.s3 import S3EvidenceStore
from bot.evidence.store import (
    CHUNK_SIZE,
    EvidenceRejected,
    EvidenceStore,
    EvidenceStoreUnavailable,
    StoredFile,
    check_size,
    content_key,
    resolve_media_type,
    sanitize_filename,
)
from bot.evidence.stores import open_evidence_store

MB = 1024 * 1024
BUCKET = "soc2bot-evidence-test"
CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing-secret"}
PDF = b"%PDF-1.7\n"


class GeneratedStream(io.RawIOBase):
    """`total` bytes made on demand, never held at once; counts what was consumed."""

    def __init__(self, total: int, header: bytes = PDF) -> None:
        self.digest = hashlib.sha256()
        self.consumed = 0
        self._pieces = self._generate(total, header)
        self._pending = b""

    def _generate(self, total: int, header: bytes) -> Iterator[bytes]:
        sent, index = 0, 0
        while sent < total:
            piece = header if index == 0 else hashlib.sha256(b"%d" % index).digest() * 2048
            piece = piece[: total - sent]
            self.digest.update(piece)
            sent, index = sent + len(piece), index + 1
            yield piece

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if not self._pending:
            self._pending = next(self._pieces, b"")
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        self.consumed += size
        return size


def as_stream(data: bytes | io.RawIOBase) -> BinaryIO:
    return cast(BinaryIO, io.BytesIO(data) if isinstance(data, bytes) else data)


class Backend:
    """Builds stores of one kind and looks at what they left behind."""

    kind = ""

    def make(self, *, max_bytes: int = 5 * MB, types: Sequence[str] = DEFAULT_ALLOWED_TYPES) -> Any:
        raise NotImplementedError

    def objects(self) -> list[str]:
        """Store keys of every stored object."""
        raise NotImplementedError

    def leftovers(self) -> list[str]:
        """Anything half-written: temp files, unfinished uploads."""
        raise NotImplementedError

    def plant(self, key: str, data: bytes) -> None:
        raise NotImplementedError

    def raw(self, key: str) -> bytes:
        raise NotImplementedError

    def stamp(self, key: str) -> object:
        """Changes whenever the stored object is rewritten."""
        raise NotImplementedError


class LocalBackend(Backend):
    kind = "local"

    def __init__(self, root: Path) -> None:
        self.root = root

    def make(self, *, max_bytes: int = 5 * MB, types: Sequence[str] = DEFAULT_ALLOWED_TYPES) -> Any:
        return LocalEvidenceStore(self.root, max_bytes=max_bytes, allowed_types=types)

    def objects(self) -> list[str]:
        base = self.root / "sha256"
        return sorted(str(p.relative_to(self.root)) for p in base.rglob("*") if p.is_file())

    def leftovers(self) -> list[str]:
        return sorted(p.name for p in (self.root / "tmp").iterdir())

    def plant(self, key: str, data: bytes) -> None:
        (self.root / key).parent.mkdir(parents=True, exist_ok=True)
        (self.root / key).write_bytes(data)

    def raw(self, key: str) -> bytes:
        return (self.root / key).read_bytes()

    def stamp(self, key: str) -> object:
        info = (self.root / key).stat()
        return info.st_ino, info.st_mtime_ns, info.st_mode


class S3Backend(Backend):
    kind = "s3"

    def __init__(self, endpoint: str, spool_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.endpoint = endpoint
        self.prefix = f"t-{uuid.uuid4().hex}"  # each test sees only its own objects
        self.spool_dir = spool_dir
        self.monkeypatch = monkeypatch
        self.client = boto3.client("s3", endpoint_url=endpoint, **CREDENTIALS)

    def make(self, *, max_bytes: int = 5 * MB, types: Sequence[str] = DEFAULT_ALLOWED_TYPES) -> Any:
        return S3EvidenceStore(
            BUCKET,
            self.prefix,
            max_bytes=max_bytes,
            allowed_types=types,
            endpoint_url=self.endpoint,
        )

    def objects(self) -> list[str]:
        listing = self.client.list_objects_v2(Bucket=BUCKET, Prefix=self.prefix + "/")
        return sorted(o["Key"].removeprefix(self.prefix + "/") for o in listing.get("Contents", []))

    def leftovers(self) -> list[str]:
        uploads = self.client.list_multipart_uploads(Bucket=BUCKET, Prefix=self.prefix + "/")
        spooled = [p.name for p in self.spool_dir.iterdir()]
        return sorted([u["Key"] for u in uploads.get("Uploads", [])] + spooled)

    def plant(self, key: str, data: bytes) -> None:
        self.client.put_object(Bucket=BUCKET, Key=f"{self.prefix}/{key}", Body=data)
        # Pretend the object appeared after the store's existence check (a racing upload).
        self.monkeypatch.setattr(S3EvidenceStore, "_object_exists", lambda self, key: False)

    def raw(self, key: str) -> bytes:
        body = self.client.get_object(Bucket=BUCKET, Key=f"{self.prefix}/{key}")["Body"]
        with body:
            return cast(bytes, body.read())

    def stamp(self, key: str) -> object:
        head = self.client.head_object(Bucket=BUCKET, Key=f"{self.prefix}/{key}")
        return head["ETag"], head["LastModified"]


@pytest.fixture(autouse=True)
def aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # Dummy credentials only; never the developer's real profile or config.
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", CREDENTIALS["aws_access_key_id"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", CREDENTIALS["aws_secret_access_key"])
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "SOC2BOT_S3_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", **CREDENTIALS).create_bucket(
        Bucket=BUCKET
    )
    yield endpoint
    server.stop()


@pytest.fixture(scope="session")
def moto_process_endpoint() -> Iterator[str]:
    """A moto server in its own process, so memory measured here is the store's alone."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("moto server did not start") from None
                time.sleep(0.1)
        endpoint = f"http://127.0.0.1:{port}"
        client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", **CREDENTIALS)
        client.create_bucket(Bucket=BUCKET)
        yield endpoint
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(params=["local", "s3"])
def backend(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Backend:
    if request.param == "local":
        return LocalBackend(tmp_path / "evidence")
    spool_dir = tmp_path / "spool"
    spool_dir.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spool_dir))
    return S3Backend(request.getfixturevalue("moto_endpoint"), spool_dir, monkeypatch)


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


def test_local_objects_are_read_only(tmp_path: Path) -> None:
    store = LocalEvidenceStore(tmp_path, max_bytes=MB, allowed_types=DEFAULT_ALLOWED_TYPES)
    stored = store.put(as_stream(PDF), original_name="a.pdf")
    assert (tmp_path / stored.key).stat().st_mode & 0o777 == 0o444


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


def test_root_that_is_a_file_is_unavailable(tmp_path: Path) -> None:
    root = tmp_path / "evidence"
    root.write_text("not a directory")
    with pytest.raises(EvidenceStoreUnavailable, match="Evidence storage is unavailable"):
        LocalEvidenceStore(root, max_bytes=MB, allowed_types=DEFAULT_ALLOWED_TYPES)


@pytest.mark.parametrize("blocked", ["tmp", "sha256"])
def test_unwritable_store_is_unavailable_and_keeps_nothing(tmp_path: Path, blocked: str) -> None:
    store = LocalEvidenceStore(tmp_path, max_bytes=MB, allowed_types=DEFAULT_ALLOWED_TYPES)
    # A file where a directory must be fails even for root, unlike chmod.
    if blocked == "tmp":
        (tmp_path / "tmp").rmdir()
    (tmp_path / blocked).write_text("in the way")
    with pytest.raises(EvidenceStoreUnavailable, match="nothing was stored"):
        store.put(as_stream(PDF), original_name="a.pdf")
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == [blocked]


def test_disk_full_is_unavailable_and_keeps_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = LocalEvidenceStore(tmp_path, max_bytes=MB, allowed_types=DEFAULT_ALLOWED_TYPES)

    def disk_full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(EvidenceStoreUnavailable, match="No space left on device"):
        store.put(as_stream(PDF), original_name="a.pdf")
    assert list((tmp_path / "tmp").iterdir()) == []
    assert not (tmp_path / "sha256").exists()


def test_s3_failures_are_unavailable_without_secrets(moto_endpoint: str) -> None:
    missing = S3EvidenceStore(
        "no-such-bucket",
        "p",
        max_bytes=MB,
        allowed_types=["application/pdf"],
        endpoint_url=moto_endpoint,
    )
    with pytest.raises(EvidenceStoreUnavailable, match="NoSuchBucket|404") as caught:
        missing.put(as_stream(PDF), original_name="a.pdf")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    unreachable = S3EvidenceStore(
        BUCKET, "p", max_bytes=MB, allowed_types=["application/pdf"], endpoint_url=closed
    )
    with pytest.raises(EvidenceStoreUnavailable, match="EndpointConnectionError") as refused:
        unreachable.put(as_stream(PDF), original_name="a.pdf")
    for error in (caught.value, refused.value):
        assert "testing" not in error.user_text()


def test_orphan_temp_files_older_than_an_hour_are_removed(tmp_path: Path) -> None:
    (tmp_path / "tmp").mkdir()
    old, new = tmp_path / "tmp" / "upload-old.part", tmp_path / "tmp" / "upload-new.part"
    old.write_bytes(b"crashed")
    new.write_bytes(b"in progress")
    two_hours_ago = time.time() - 7200
    os.utime(old, (two_hours_ago, two_hours_ago))
    LocalEvidenceStore(tmp_path, max_bytes=MB, allowed_types=DEFAULT_ALLOWED_TYPES)
    assert not old.exists() and new.exists()


def test_factory_builds_the_configured_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, moto_endpoint: str
) -> None:
    monkeypatch.chdir(tmp_path)
    relative = open_evidence_store(Settings(SOC2BOT_EVIDENCE_URL="file://./data/evidence"))
    assert isinstance(relative, LocalEvidenceStore)
    assert relative.root == tmp_path / "data" / "evidence" and relative.root.is_dir()
    absolute = open_evidence_store(Settings(SOC2BOT_EVIDENCE_URL=f"file://{tmp_path}/abs"))
    assert isinstance(absolute, LocalEvidenceStore) and absolute.root == tmp_path / "abs"
    monkeypatch.setenv("SOC2BOT_S3_ENDPOINT_URL", moto_endpoint)
    s3 = open_evidence_store(Settings(SOC2BOT_EVIDENCE_URL=f"s3://{BUCKET}/team/evidence/"))
    assert isinstance(s3, S3EvidenceStore)
    assert (s3.bucket, s3.prefix, s3.endpoint_url) == (BUCKET, "team/evidence", moto_endpoint)
    stored = s3.put(as_stream(PDF + b"factory"), original_name="a.pdf")
    assert b"".join(s3.open(stored.key)) == PDF + b"factory"
    with pytest.raises(InvalidInput, match="bucket"):
        open_evidence_store(Settings(SOC2BOT_EVIDENCE_URL="s3:///prefix"))


def test_describe_names_the_store_without_credentials(tmp_path: Path) -> None:
    local = LocalEvidenceStore(tmp_path, max_bytes=MB, allowed_types=DEFAULT_ALLOWED_TYPES)
    assert str(tmp_path) in local.describe()
    s3 = S3EvidenceStore(
        BUCKET,
        "p",
        max_bytes=MB,
        allowed_types=DEFAULT_ALLOWED_TYPES,
        endpoint_url="http://minio:hunter2@minio.internal:9000",
    )
    assert s3.describe() == f"S3 evidence store s3://{BUCKET}/p at http://minio.internal:9000"
