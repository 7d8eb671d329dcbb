"""A built bundle handed over in chat: a note when it is too large, opened safely when not."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot.chat.exports import open_for_upload, too_large_to_upload
from bot.core.errors import NotFound
from bot.core.settings import Settings
from bot.export.facts import BundleSummary

KEY = "k" * 32


def _summary(size: int, path: Path | None = Path("/exports/b.zip")) -> BundleSummary:
    day = dt.date(2026, 1, 1)
    return BundleSummary(
        start=day, end=day, generated_at=dt.datetime(2026, 1, 2, tzinfo=dt.UTC), sha256="0" * 64,
        size=size, counts={}, coverage={}, head_seq=0, head_hash="0" * 64, path=path,
    )  # fmt: skip


def test_a_bundle_within_the_upload_limit_is_uploaded() -> None:
    settings = Settings(SOC2BOT_EXPORT_UPLOAD_MAX_BYTES=2048)
    assert too_large_to_upload(settings, _summary(2048)) is None


def test_a_larger_bundle_stays_on_the_server_and_says_where() -> None:
    settings = Settings(SOC2BOT_EXPORT_UPLOAD_MAX_BYTES=2048)
    note = too_large_to_upload(settings, _summary(3 * 2**20))
    assert note is not None and note.text == (
        "The bundle (3.0 MB) is larger than this server sends in chat (2 KB), "
        "so it stays on the server: it is at /exports/b.zip."
    )
    linked = Settings(
        SOC2BOT_EXPORT_UPLOAD_MAX_BYTES=2048,
        SOC2BOT_PUBLIC_URL="https://soc2.acme.test",
        SOC2BOT_SECRET_KEY=KEY,
    )
    note = too_large_to_upload(linked, _summary(4096))
    assert note is not None and note.text == (
        "The bundle (4 KB) is larger than this server sends in chat (2 KB), "
        "so it stays on the server: use the download link above."
    )


def test_a_bundle_is_opened_for_upload_but_never_through_a_link(tmp_path: Path) -> None:
    bundle = tmp_path / "soc2-evidence_2026.zip"
    bundle.write_bytes(b"PK")
    with open_for_upload(bundle) as handle:
        assert handle.read() == b"PK"
    planted = tmp_path / "soc2-evidence_planted.zip"
    planted.symlink_to(bundle)
    with pytest.raises(NotFound):
        open_for_upload(planted)
