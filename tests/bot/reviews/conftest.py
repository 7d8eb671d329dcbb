"""Fixtures of the access-review tests: a local evidence store."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.settings import DEFAULT_ALLOWED_TYPES
from bot.evidence.local import LocalEvidenceStore


@pytest.fixture
def store(tmp_path: Path) -> LocalEvidenceStore:
    return LocalEvidenceStore(tmp_path / "ev", max_bytes=10**6, allowed_types=DEFAULT_ALLOWED_TYPES)
