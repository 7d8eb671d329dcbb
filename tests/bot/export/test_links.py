"""Signed export links: exact file, unexpired, untampered; GET /exports/… safe and never logged."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from fastapi.testclient import TestClient

from bot.app import create_app
from bot.core.errors import NotFound
from bot.export.folder import prepare_folder
from bot.export.links import LINK_LIFETIME, export_link, resolve_export_link
from models import utcnow
from tests.bot.test_app import make_settings

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


# --- GET /exports/… through the service ---------------------------------------------------

SECRET = "s" * 40
ODD_QUERIES = [
    "expires={e}&sig=é",  # non-ASCII: once a 500 (compare_digest refuses it)
    "expires={e}&sig=%FF%FE",  # not even UTF-8
    "expires={e}&sig={S}",  # upper-case hex is not what we sign
    "expires={e}&sig={s}00",  # too long
    "expires=abc&sig={s}",  # once a 422
    "expires=%EF%BC%99%EF%BC%99&sig={s}",  # full-width digits: int() would take them
    "expires=99999999999999999999&sig={s}",
    "expires=-1&sig={s}",
    "sig={s}",  # no expiry
    "expires={e}",  # no signature
    "",
]


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, Path]]:
    tmp = tmp_path_factory.mktemp("downloads")
    folder = prepare_folder(tmp / "exports")
    settings = make_settings(
        tmp, public_url="https://soc2.acme.test", secret_key=SECRET, export_dir=folder
    )
    with TestClient(create_app(settings)) as client:
        yield client, folder


def bundle_url(folder: Path, name: str, content: bytes = b"PK\x05\x06" + b"\0" * 18) -> str:
    (folder / name).write_bytes(content)
    link = export_link(
        base_url="https://soc2.acme.test", key=SECRET.encode(), name=name, now=utcnow()
    )
    return link.removeprefix("https://soc2.acme.test")


def test_a_download_never_logs_its_signature(
    service: tuple[TestClient, Path], caplog: pytest.LogCaptureFixture
) -> None:
    client, folder = service
    url = bundle_url(folder, NAME, b"PK-the-bundle")
    sig = parse_qs(urlsplit(url).query)["sig"][0]
    caplog.set_level(logging.DEBUG)
    fetched = client.get(url)
    assert fetched.status_code == 200 and fetched.content == b"PK-the-bundle"
    assert fetched.headers["content-type"] == "application/zip"
    assert client.get(url.replace("sig=", "sig=0")).status_code == 404
    # The test's own HTTP client logs the URL it fetched; the service's lines are what count.
    ours = [r for r in caplog.records if not r.name.startswith("httpx")]
    assert any("downloaded by link" in r.getMessage() for r in ours)
    assert not [r.getMessage() for r in ours if sig in r.getMessage()]


@pytest.mark.parametrize("query", ODD_QUERIES)
def test_a_malformed_link_to_a_real_bundle_is_a_plain_404(
    service: tuple[TestClient, Path], query: str
) -> None:
    client, folder = service
    url = bundle_url(folder, NAME)
    good = parse_qs(urlsplit(url).query)
    e, s = good["expires"][0], good["sig"][0]
    path = urlsplit(url).path
    answer = client.get(f"{path}?{query.format(e=e, s=s, S=s.upper())}")
    assert answer.status_code == 404, answer.text
    assert "not valid" in answer.json()["error"]


def test_a_link_planted_under_a_bundle_name_is_not_followed(
    service: tuple[TestClient, Path], tmp_path: Path
) -> None:
    client, folder = service
    secret = tmp_path / "elsewhere.txt"
    secret.write_text("not a bundle: someone else's file")
    name = "soc2-evidence_2026-01-01_2026-06-30_20261130T120001Z.zip"
    url = bundle_url(folder, name)
    (folder / name).unlink()
    (folder / name).symlink_to(secret)
    answer = client.get(url)
    assert answer.status_code == 404 and "someone else" not in answer.text


def test_nothing_is_served_from_a_folder_others_can_enter(
    service: tuple[TestClient, Path],
) -> None:
    client, folder = service
    url = bundle_url(folder, "soc2-evidence_2026-01-01_2026-06-30_20261130T120002Z.zip")
    folder.chmod(0o755)
    try:
        assert client.get(url).status_code == 404
    finally:
        folder.chmod(0o700)
    assert client.get(url).status_code == 200
