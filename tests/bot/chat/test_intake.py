"""Files from chat are refused by what their platform says of them, before any download."""

from __future__ import annotations

import pytest

from bot.chat.intake import EvidenceRejected, check_declared
from bot.core.settings import Settings

SETTINGS = Settings(
    SOC2BOT_EVIDENCE_MAX_BYTES=1000, SOC2BOT_EVIDENCE_ALLOWED_TYPES="application/pdf,image/png"
)


def test_a_file_within_the_limits_passes() -> None:
    check_declared(SETTINGS, name="scan.pdf", size=1000, media_type="application/pdf")
    check_declared(SETTINGS, name="shot.png", size=10, media_type=None)  # typed by its name


def test_a_file_too_large_is_refused() -> None:
    with pytest.raises(EvidenceRejected, match="scan.pdf"):
        check_declared(SETTINGS, name="scan.pdf", size=1001, media_type="application/pdf")


def test_a_type_not_allowed_is_refused() -> None:
    with pytest.raises(EvidenceRejected, match="notes.txt"):
        check_declared(SETTINGS, name="notes.txt", size=10, media_type="text/plain")
