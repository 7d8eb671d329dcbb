"""A runtime on a real database, with one person and one open occurrence of theirs."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlmodel import select

from bot.chat.runtime import Runtime
from bot.core.actor import Actor
from bot.core.db import Database
from bot.core.settings import Settings
from bot.evidence.local import LocalEvidenceStore
from models import Occurrence
from tests.factories import generate, make_control, make_person, make_program, make_task

NOW = dt.datetime(2026, 5, 20, 14, 0, tzinfo=dt.UTC)


@dataclass(frozen=True)
class Work:
    actor: Actor
    occurrence_id: int


@pytest.fixture
def chat_runtime(db: Database, tmp_path: Path) -> Runtime:
    store = LocalEvidenceStore(tmp_path / "evidence", max_bytes=1 << 20, allowed_types=["*/*"])
    return Runtime(db=db, store=store, settings=Settings(), clock=lambda: NOW)


@pytest.fixture
def work(chat_runtime: Runtime) -> Work:
    with chat_runtime.db.transaction() as session:
        make_program(session)
        raj = make_person(session)
        make_task(session, make_control(session, owner=raj), assignee=raj)
        generate(session, now=NOW)
        occurrence = session.exec(select(Occurrence).order_by(Occurrence.id)).first()  # type: ignore[arg-type]
        assert occurrence is not None
        return Work(Actor.for_person(raj), occurrence.id or 0)
