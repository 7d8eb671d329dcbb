"""Signed download links for chat exports: exact file, unexpired, untampered, ours only."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from bot.errors import NotFound
from bot.export_links import LINK_LIFETIME, export_link, resolve_export_link

KEY = b"k" * 32
NOW = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC)
NAME = "soc2-evidence_2026-01-01_2026-06-30_20261130T120000Z.zip"


def parts(link: str) -> tuple[str, int, str]:
    url = urlsplit(link)
    query = parse_qs(url.query)
    return unquote(url.path.rsplit("/", 1)[1]), int(query["expires"][0]), query["sig"][0]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / NAME).write_bytes(b"PK\x05\x06" + b"\0" * 18)
    return tmp_path


def test_a_fresh_link_opens_exactly_its_bundle(folder: Path) -> None:
    link = export_link(base_url="https://soc2.acme.test/", key=KEY, name=NAME, now=NOW)
    assert link.startswith("https://soc2.acme.test/exports/soc2-evidence_")
    name, expires, sig = parts(link)
    path = resolve_export_link(
        folder=folder, key=KEY, name=name, expires=expires, signature=sig, now=NOW
    )
    assert path == folder / NAME


@pytest.mark.parametrize(
    "change",
    [
        lambda n, e, s: (n, e, s[:-1] + ("0" if s[-1] != "0" else "1")),  # tampered signature
        lambda n, e, s: (n, e + 3600, s),  # lifetime stretched
        lambda n, e, s: (n.replace("2026-06-30", "2026-12-31"), e, s),  # another bundle
        lambda n, e, s: ("../../etc/passwd", e, s),  # not a bundle name at all
    ],
)
def test_an_altered_link_is_refused(folder: Path, change: object) -> None:
    link = export_link(base_url="https://x.test", key=KEY, name=NAME, now=NOW)
    name, expires, sig = change(*parts(link))  # type: ignore[operator]
    with pytest.raises(NotFound, match="not valid"):
        resolve_export_link(
            folder=folder, key=KEY, name=name, expires=expires, signature=sig, now=NOW
        )


def test_a_link_expires_after_a_day(folder: Path) -> None:
    name, expires, sig = parts(export_link(base_url="https://x.test", key=KEY, name=NAME, now=NOW))
    later = NOW + LINK_LIFETIME + dt.timedelta(seconds=1)
    with pytest.raises(NotFound):
        resolve_export_link(
            folder=folder, key=KEY, name=name, expires=expires, signature=sig, now=later
        )


def test_another_servers_key_does_not_open_it(folder: Path) -> None:
    name, expires, sig = parts(export_link(base_url="https://x.test", key=KEY, name=NAME, now=NOW))
    with pytest.raises(NotFound):
        resolve_export_link(
            folder=folder, key=b"o" * 32, name=name, expires=expires, signature=sig, now=NOW
        )
