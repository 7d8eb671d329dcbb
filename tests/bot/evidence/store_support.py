"""Evidence stores under test: streams made on demand, and a backend per kind of store."""

from __future__ import annotations

import hashlib
import io
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, BinaryIO, cast

import boto3
import pytest

from bot.core.settings import DEFAULT_ALLOWED_TYPES
from bot.evidence.local import LocalEvidenceStore
from bot.evidence.s3 import S3EvidenceStore

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
