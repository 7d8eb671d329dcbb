"""A deterministic, streaming zip writer that hashes every entry as it writes it (export layer)."""

from __future__ import annotations

import contextlib
import hashlib
import io
import zipfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO, Any

# Fixed entry metadata: the same content gives the same bytes on any day, on any machine.
FIXED_TIME = (1980, 1, 1, 0, 0, 0)
_UNIX = 3
_FILE_MODE = 0o100644 << 16  # a regular file, rw-r--r--
_BUFFER = 256 * 1024


@dataclass(frozen=True)
class Digest:
    """SHA-256 (lowercase hex) and size in bytes of one file."""

    sha256: str
    size: int


class _HashingSink:
    """The zip's output: hashes and counts what passes; no `seek`, so zipfile streams forward.

    Without `seek`, zipfile writes sizes in data descriptors instead of going back to patch
    headers, so the bytes written once are the final bytes and the hash is taken on the fly.
    """

    def __init__(self, raw: IO[bytes]) -> None:
        self._raw: IO[bytes] = raw
        self._digest = hashlib.sha256()
        self.size = 0

    def write(self, data: Any) -> int:
        view = memoryview(data)
        self._digest.update(view)
        self.size += view.nbytes
        self._raw.write(view)
        return view.nbytes

    def flush(self) -> None:
        self._raw.flush()

    def discard(self) -> None:
        self._raw = io.BytesIO()  # the output may be closed already; nothing more reaches it

    def digest(self) -> Digest:
        return Digest(self._digest.hexdigest(), self.size)


class Entry:
    """One file being written into the bundle: buffered, hashed, counted."""

    def __init__(self, raw: IO[bytes]) -> None:
        self._raw = raw
        self._digest = hashlib.sha256()
        self._buffer = bytearray()
        self.size = 0

    def write(self, data: bytes) -> None:
        self._digest.update(data)
        self.size += len(data)
        if len(data) >= _BUFFER:  # large chunks (evidence files) go straight through
            self._drain()
            self._raw.write(data)
            return
        self._buffer += data
        if len(self._buffer) >= _BUFFER:
            self._drain()

    def write_text(self, text: str) -> int:
        """Write UTF-8 text (csv.writer and the HTML page call this)."""
        self.write(text.encode("utf-8"))
        return len(text)

    def _drain(self) -> None:
        if self._buffer:
            self._raw.write(bytes(self._buffer))
            self._buffer.clear()

    def finish(self) -> Digest:
        self._drain()
        return Digest(self._digest.hexdigest(), self.size)


class TextEntry:
    """A text view of an `Entry`, for writers that want `.write(str)` (csv)."""

    def __init__(self, entry: Entry) -> None:
        self.entry = entry

    def write(self, text: str) -> int:
        return self.entry.write_text(text)


class BundleZip:
    """Entries in the order written, with fixed timestamps and modes; digests kept per name."""

    def __init__(self, raw: IO[bytes]) -> None:
        self._sink = _HashingSink(raw)
        self._zip = zipfile.ZipFile(self._sink, "w", allowZip64=True)  # type: ignore[call-overload]
        self.digests: dict[str, Digest] = {}

    @contextmanager
    def entry(self, name: str, *, compress: bool = True) -> Iterator[Entry]:
        """Open `name` for writing; its digest is recorded when the block ends."""
        if name in self.digests:
            raise ValueError(f"duplicate bundle entry {name}")
        info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
        info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
        info.create_system = _UNIX
        info.external_attr = _FILE_MODE
        with self._zip.open(info, "w", force_zip64=True) as raw:
            entry = Entry(raw)
            yield entry
            self.digests[name] = entry.finish()

    def write_bytes(self, name: str, data: bytes, *, compress: bool = True) -> Digest:
        with self.entry(name, compress=compress) as entry:
            entry.write(data)
        return self.digests[name]

    def write_chunks(self, name: str, chunks: Iterable[bytes], *, compress: bool) -> Digest:
        with self.entry(name, compress=compress) as entry:
            for chunk in chunks:
                entry.write(chunk)
        return self.digests[name]

    def abort(self) -> None:
        """Give up after a failure: close without writing anything more to the output."""
        self._sink.discard()
        with contextlib.suppress(Exception):
            self._zip.close()

    def close(self) -> Digest:
        """Write the central directory; the digest of the whole zip file."""
        self._zip.close()
        self._sink.flush()
        return self._sink.digest()
