"""Evidence store interface and the upload validation every store shares."""

from __future__ import annotations

import hashlib
import itertools
import mimetypes
import os
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import IO, BinaryIO, Protocol

from bot.core.errors import SoC2BotError
from bot.evidence.content import ContentScan, type_label
from bot.evidence.content import EvidenceRejected as EvidenceRejected  # callers import it here

CHUNK_SIZE = 1024 * 1024
_SNIFF_BYTES = 512
# Bytes too: download names must fit common filesystems and, URL-quoted, S3 metadata (2 KB).
_MAX_NAME_CHARS, _MAX_NAME_BYTES = 200, 255
_KEY_RE = re.compile(r"sha256/[0-9a-f]{2}/[0-9a-f]{2}/[0-9a-f]{64}")
_WINDOWS_RESERVED_CHARS = re.compile(r'[<>:"|?*]')
# Types clients send when unsure (the name guides better then), and non-standard spellings.
_GENERIC_TYPES = {"", "application/octet-stream", "binary/octet-stream", "application/unknown"}
_TYPE_ALIASES = {"image/jpg": "image/jpeg", "text/x-markdown": "text/markdown"}
_TYPE_ALIASES["application/x-zip-compressed"] = "application/zip"
# mimetypes depends on the host's /etc/mime.types; pin the types whose acceptance matters.
_EXTENSION_TYPES = {".md": "text/markdown", ".markdown": "text/markdown", ".csv": "text/csv"}


class EvidenceStoreUnavailable(SoC2BotError):
    """The storage backend failed; nothing was stored."""


@dataclass(frozen=True)
class StoredFile:
    """Where an uploaded file lives and what it is."""

    key: str
    sha256: str
    size: int
    media_type: str
    original_name: str
    deduplicated: bool = False


class EvidenceStore(Protocol):
    """Write-once, content-addressed storage for evidence files."""

    def put(
        self, stream: BinaryIO, *, original_name: str, media_type: str | None = None
    ) -> StoredFile: ...
    def open(self, key: str) -> Iterator[bytes]: ...
    def exists(self, key: str) -> bool: ...
    def describe(self) -> str: ...


def sanitize_filename(name: str) -> str:
    """A display name safe to show and to offer as a download name."""
    name = unicodedata.normalize("NFC", name).replace("\\", "/").rsplit("/", 1)[-1]
    # Cc covers NUL and control characters; Cf covers bidi overrides that disguise extensions.
    name = "".join(c for c in name if unicodedata.category(c) not in ("Cc", "Cf"))
    name = _WINDOWS_RESERVED_CHARS.sub("_", name).strip().lstrip(".").rstrip(". ").strip()
    stem, ext = os.path.splitext(name)
    if len(ext) > 16:
        stem, ext = name, ""
    while stem and (
        len(stem) + len(ext) > _MAX_NAME_CHARS
        or len((stem + ext).encode("utf-8")) > _MAX_NAME_BYTES
    ):
        stem = stem[:-1]
    name = (stem.rstrip(". ") + ext) if stem else ext.lstrip(".")
    return name or "file"


def resolve_media_type(declared: str | None, filename: str) -> str:
    """The normalized media type: the declared one, else a guess from the name, else binary."""
    media_type = _normalize_type(declared or "")
    if media_type in _GENERIC_TYPES:
        ext = os.path.splitext(filename)[1].lower()
        guessed = _EXTENSION_TYPES.get(ext) or mimetypes.guess_type(filename, strict=False)[0]
        media_type = _normalize_type(guessed or "") or "application/octet-stream"
    return media_type


def _normalize_type(value: str) -> str:
    media_type = value.split(";", 1)[0].strip().lower()
    return _TYPE_ALIASES.get(media_type, media_type)


def check_allowed(name: str, media_type: str, allowed_types: Sequence[str]) -> None:
    """Raise `EvidenceRejected` unless `media_type` is one of `allowed_types`."""
    allowed = [_normalize_type(t) for t in allowed_types]
    if media_type not in allowed:
        labels = ", ".join(dict.fromkeys(type_label(t) for t in allowed))
        raise EvidenceRejected(
            f"{name}: files of type {media_type} are not accepted (allowed: {labels})"
        )


def check_size(name: str, size: int, max_bytes: int) -> None:
    """Raise `EvidenceRejected` when a known size is over the limit (e.g. before a download)."""
    if size > max_bytes:
        raise EvidenceRejected(f"{name} is {_mb(size)}; the limit is {_mb(max_bytes)}")


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def content_key(sha256_hex: str) -> str:
    return f"sha256/{sha256_hex[:2]}/{sha256_hex[2:4]}/{sha256_hex}"


def is_valid_key(key: str) -> bool:
    """True when `key` has the shape `content_key` produces (no traversal possible)."""
    return _KEY_RE.fullmatch(key) is not None


@dataclass(frozen=True)
class UploadPolicy:
    """The checks every upload passes, whichever store keeps it."""

    max_bytes: int
    allowed_types: tuple[str, ...]

    def receive(
        self, stream: BinaryIO, sink: IO[bytes], *, original_name: str, media_type: str | None
    ) -> StoredFile:
        """Copy `stream` to `sink` in chunks while hashing; raise `EvidenceRejected` early."""
        name = sanitize_filename(original_name)
        resolved = resolve_media_type(media_type, name)
        check_allowed(name, resolved, self.allowed_types)
        chunks, head = _chunks(stream, name), b""
        while len(head) < _SNIFF_BYTES and (more := next(chunks, b"")):
            head += more  # enough bytes to judge the content before anything is kept
        if not head:
            raise EvidenceRejected(f"{name} is empty")
        # The content must be what its type says; text is scanned as it streams past.
        scan = ContentScan(name, resolved, head)
        digest, size = hashlib.sha256(), 0
        for chunk in itertools.chain([head], chunks):
            size += len(chunk)
            if size > self.max_bytes:  # the rest is never read, so the real size is unknown
                raise EvidenceRejected(f"{name} is over the {_mb(self.max_bytes)} limit")
            scan.feed(chunk)
            digest.update(chunk)
            sink.write(chunk)
        scan.finish()
        sha = digest.hexdigest()
        return StoredFile(content_key(sha), sha, size, resolved, name)


def _chunks(stream: BinaryIO, name: str) -> Iterator[bytes]:
    try:
        while chunk := stream.read(CHUNK_SIZE):
            yield chunk
    except OSError as exc:  # the sender's stream broke (a dropped download), not the store
        raise EvidenceRejected(f"{name} could not be read in full; please send it again") from exc
