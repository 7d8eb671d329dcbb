"""The evidence store on the local filesystem: content-addressed, write-once files."""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import BinaryIO

from bot.core.errors import NotFound
from bot.evidence.store import (
    CHUNK_SIZE,
    EvidenceStoreUnavailable,
    StoredFile,
    UploadPolicy,
    is_valid_key,
)

ORPHAN_AGE_SECONDS = 3600


class LocalEvidenceStore:
    """Content-addressed, write-once files under `root`; temp files live in `root/tmp`."""

    def __init__(self, root: Path, *, max_bytes: int, allowed_types: Sequence[str]) -> None:
        self.root = root
        self.policy = UploadPolicy(max_bytes, tuple(allowed_types))
        self._tmp = root / "tmp"
        try:
            self._tmp.mkdir(parents=True, exist_ok=True)
            # Temp files of uploads cut short by a crash; recent ones may be live uploads.
            cutoff = time.time() - ORPHAN_AGE_SECONDS
            for entry in self._tmp.iterdir():
                if entry.is_file() and entry.stat().st_mtime < cutoff:
                    entry.unlink(missing_ok=True)
        except OSError as exc:
            raise _unavailable(exc) from exc

    def describe(self) -> str:
        return f"local evidence store at {self.root}"

    def put(
        self, stream: BinaryIO, *, original_name: str, media_type: str | None = None
    ) -> StoredFile:
        try:
            fd, tmp_name = tempfile.mkstemp(prefix="upload-", suffix=".part", dir=self._tmp)
        except OSError as exc:
            raise _unavailable(exc) from exc
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as sink:
                stored = self.policy.receive(
                    stream, sink, original_name=original_name, media_type=media_type
                )
                sink.flush()
                os.fsync(sink.fileno())
            tmp.chmod(0o444)
            final = self.root / stored.key
            final.parent.mkdir(parents=True, exist_ok=True)
            try:
                # A hard link fails if the name exists, so a stored object is never replaced.
                os.link(tmp, final)
            except FileExistsError:
                return replace(stored, deduplicated=True)
            _fsync_dir(final.parent)
            return stored
        except OSError as exc:
            raise _unavailable(exc) from exc
        finally:
            # If even this fails, the orphan is swept on the next start.
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)

    def open(self, key: str) -> Iterator[bytes]:
        if not self.exists(key):
            raise NotFound(f"No evidence file with key {key}")
        return self._read(self.root / key)

    def _read(self, path: Path) -> Iterator[bytes]:
        # Opened lazily so an abandoned iterator leaks no file handle.
        try:
            with path.open("rb") as fh:
                yield from iter(lambda: fh.read(CHUNK_SIZE), b"")
        except OSError as exc:
            raise _unavailable(exc) from exc

    def exists(self, key: str) -> bool:
        return is_valid_key(key) and (self.root / key).is_file()


def _fsync_dir(path: Path) -> None:
    # Makes the new directory entry durable, not just the file's bytes.
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _unavailable(exc: OSError) -> EvidenceStoreUnavailable:
    # The path stays out of the user-facing message; the chained OSError carries it for logs.
    reason = exc.strerror or type(exc).__name__
    return EvidenceStoreUnavailable(
        f"Evidence storage is unavailable ({reason}); nothing was stored or changed. "
        "Please try again later or ask an administrator to check the evidence disk."
    )
