"""Signed, expiring download links for evidence bundles built on request from chat."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
from pathlib import Path
from urllib.parse import quote, urlencode

from bot.errors import NotFound
from bot.settings import Settings

LINK_LIFETIME = dt.timedelta(hours=24)
# Bundle names are ours (`soc2-evidence_<from>_<to>_<time>[-n].zip`): nothing else is served.
_BUNDLE_NAME = re.compile(r"^soc2-evidence_[0-9A-Za-z_-]{1,80}\.zip$")


def _signature(key: bytes, name: str, expires: int) -> str:
    return hmac.new(key, f"{name}\n{expires}".encode(), hashlib.sha256).hexdigest()


def export_link(*, base_url: str, key: bytes, name: str, now: dt.datetime) -> str:
    """A link to `name` that works until `now + LINK_LIFETIME` and only for that file."""
    expires = int((now + LINK_LIFETIME).timestamp())
    query = urlencode({"expires": expires, "sig": _signature(key, name, expires)})
    return f"{base_url.rstrip('/')}/exports/{quote(name)}?{query}"


def resolve_export_link(
    *, folder: Path, key: bytes, name: str, expires: int, signature: str, now: dt.datetime
) -> Path:
    """The bundle a link names, if its signature holds and it has not expired; else NotFound.

    Every refusal reads the same, so a link cannot be probed for which part was wrong.
    """
    expected = _signature(key, name, expires)
    valid = _BUNDLE_NAME.match(name) and hmac.compare_digest(expected, signature)
    path = folder / name
    if not valid or expires < now.timestamp() or not path.is_file():
        raise NotFound(
            "This download link is not valid (it may have expired); ask for a new export."
        )
    return path


def bundle_link(settings: Settings, path: Path | None, now: dt.datetime) -> str | None:
    """The signed link to a bundle this server built, when links are enabled; else None."""
    links = settings.export_links
    if links is None or path is None:
        return None
    return export_link(base_url=links[0], key=links[1], name=path.name, now=now)
