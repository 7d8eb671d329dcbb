"""Signed, expiring download links for evidence bundles built on request from chat."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO
from urllib.parse import quote, urlencode

from fastapi.responses import StreamingResponse

from bot.core.errors import NotFound
from bot.core.settings import Settings
from bot.export.folder import (
    BUNDLE_NAME,
    NOT_AVAILABLE,
    UnsafeExportFolder,
    check_folder,
    open_bundle,
)

log = logging.getLogger(__name__)

LINK_LIFETIME = dt.timedelta(hours=24)
# What a link we made carries; anything else (non-ASCII, too long, signs) is refused unread.
_EXPIRES = re.compile(r"[0-9]{1,12}")
_SIGNATURE = re.compile(r"[0-9a-f]{64}")
CHUNK = 256 * 1024


def _signature(key: bytes, name: str, expires: int) -> str:
    return hmac.new(key, f"{name}\n{expires}".encode(), hashlib.sha256).hexdigest()


def export_link(*, base_url: str, key: bytes, name: str, now: dt.datetime) -> str:
    """A link to `name` that works until `now + LINK_LIFETIME` and only for that file."""
    expires = int((now + LINK_LIFETIME).timestamp())
    query = urlencode({"expires": expires, "sig": _signature(key, name, expires)})
    return f"{base_url.rstrip('/')}/exports/{quote(name)}?{query}"


def resolve_export_link(
    *,
    folder: Path,
    key: bytes,
    name: str,
    expires: str | int | None,
    signature: str | None,
    now: dt.datetime,
) -> Path:
    """The bundle a link names, if its signature holds and it has not expired; else NotFound.

    Every refusal reads the same, so a link cannot be probed for which part was wrong; the
    shapes are checked first, so malformed input never reaches the arithmetic or the HMAC.
    """
    given = str(expires) if expires is not None else ""
    valid = bool(
        BUNDLE_NAME.fullmatch(name)
        and _EXPIRES.fullmatch(given)
        and signature is not None
        and _SIGNATURE.fullmatch(signature)
    )
    if valid:
        deadline = int(given)
        expected = _signature(key, name, deadline)
        valid = hmac.compare_digest(expected, str(signature)) and deadline >= now.timestamp()
    if not valid:
        raise NotFound(NOT_AVAILABLE)
    return folder / name


def bundle_link(settings: Settings, path: Path | None, now: dt.datetime) -> str | None:
    """The signed link to a bundle this server built, when links are enabled; else None."""
    links = settings.export_links
    if links is None or path is None:
        return None
    return export_link(base_url=links[0], key=links[1], name=path.name, now=now)


def download_response(
    settings: Settings, *, name: str, expires: str | None, signature: str | None, now: dt.datetime
) -> StreamingResponse:
    """The bundle a signed link names, streamed from a descriptor opened without following links.

    The query (and so the signature) is never logged: only the bundle's name.
    """
    links = settings.export_links
    if links is None:
        raise NotFound("Download links are not enabled on this server.")
    path = resolve_export_link(
        folder=settings.exports_folder,
        key=links[1],
        name=name,
        expires=expires,
        signature=signature,
        now=now,
    )
    try:
        check_folder(settings.exports_folder)
    except UnsafeExportFolder:  # already logged: an unsafe folder serves nothing
        raise NotFound(NOT_AVAILABLE) from None
    handle, size = open_bundle(path)
    log.info("Evidence bundle %s downloaded by link", path.name)
    return StreamingResponse(
        _chunks(handle),
        media_type="application/zip",
        headers={
            "Content-Length": str(size),
            "Content-Disposition": f'attachment; filename="{path.name}"',
            "Cache-Control": "no-store",
        },
    )


def _chunks(handle: BinaryIO) -> Iterator[bytes]:
    with handle:
        while chunk := handle.read(CHUNK):
            yield chunk
