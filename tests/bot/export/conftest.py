"""Fixtures for the evidence-bundle tests: a seeded program and a local evidence store."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.db import Database
from tests.bot.export.bundle_support import Seeded, make_store, seed


@pytest.fixture
def seeded(db: Database, tmp_path: Path) -> Seeded:
    return seed(db, make_store(tmp_path / "evidence"))
