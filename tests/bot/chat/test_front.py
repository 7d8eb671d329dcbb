"""What chat front ends ask the core besides buttons: typed commands, evidence, task cards."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import pytest
from sqlmodel import select

from bot.chat import front
from bot.chat.commands import parse_command
from bot.chat.presses import Ask
from bot.chat.runtime import Runtime
from bot.core.actor import Actor, ChatAccount
from bot.core.db import Database
from bot.core.errors import PermissionDenied
from bot.core.settings import Settings
from bot.evidence.local import LocalEvidenceStore
from bot.people.linking import link_actor
from models import ChatMessage, Occurrence, OccurrenceStatus, Person, Platform, Task
from tests.factories import generate, make_control, make_person, make_program, make_task
from tests.reliability.world import changed, fingerprint

NOW = dt.datetime(2026, 5, 20, 14, 0, tzinfo=dt.UTC)


@pytest.fixture
def runtime(db: Database, tmp_path: Path) -> Runtime:
    with db.transaction() as s:
        make_program(s)
        raj = make_person(s, "raj@acme.test")
        make_person(s, "eve@acme.test")
        make_task(s, make_control(s, owner=raj), assignee=raj)
        generate(s, now=NOW)
    store = LocalEvidenceStore(tmp_path / "evidence", max_bytes=1 << 20, allowed_types=["*/*"])
    return Runtime(db=db, store=store, settings=Settings(), clock=lambda: NOW)


def _link(db: Database, email: str, user_id: str) -> Actor:
    return link_actor(db, ChatAccount(Platform.SLACK, user_id, email, home=True))


def _open_work(db: Database, email: str) -> int:
    with db.session() as s:
        person = s.exec(select(Person).where(Person.email == email)).one()
        occ = s.exec(
            select(Occurrence)
            .join(Task)
            .where(Occurrence.assignee_id == person.id)
            .where(Occurrence.status == OccurrenceStatus.PENDING, Occurrence.period_start <= NOW)
        ).first()
    assert occ is not None and occ.id is not None
    return occ.id


def test_a_linked_user_is_answered_and_a_new_one_is_not(runtime: Runtime) -> None:
    _link(runtime.db, "raj@acme.test", "U1")

    def answer(user_id: str) -> object:
        return front.answer_if_linked(
            runtime, platform=Platform.SLACK, external_id=user_id, text="whoami"
        )

    said = answer("U1")
    assert said is not None and "raj@acme.test" in str(said)
    assert answer("U2") is None  # not linked: the adapter links them by asking the platform
    again = asyncio.run(
        front.answer_linked(runtime, platform=Platform.SLACK, external_id="U1", text="whoami")
    )
    assert again == said


def test_run_intent_runs_a_parsed_command_as_the_actor(runtime: Runtime) -> None:
    raj = _link(runtime.db, "raj@acme.test", "U1")
    said = asyncio.run(front.run_intent(runtime, raj, parse_command("whoami")))
    assert "raj@acme.test" in str(said)


def test_evidence_asks_for_the_dialog_about_the_owners_work(runtime: Runtime) -> None:
    raj, ref = _link(runtime.db, "raj@acme.test", "U1"), _open_work(runtime.db, "raj@acme.test")
    outcome = asyncio.run(front.ask_evidence(runtime, raj, ref))
    assert outcome.ask is Ask.EVIDENCE_FILE and outcome.ref == ref
    assert outcome.subject.occurrence_id == ref


def test_evidence_for_someone_elses_work_is_refused_and_records_nothing(runtime: Runtime) -> None:
    eve, ref = _link(runtime.db, "eve@acme.test", "U3"), _open_work(runtime.db, "raj@acme.test")
    before = fingerprint(runtime.db)
    with pytest.raises(PermissionDenied):
        asyncio.run(front.ask_evidence(runtime, eve, ref))
    assert changed(before, fingerprint(runtime.db)) == []


def test_a_task_card_is_drawn_and_remembered_once_posted(runtime: Runtime) -> None:
    ref = _open_work(runtime.db, "raj@acme.test")
    card = asyncio.run(front.task_card(runtime, ref))
    assert card is not None and f"#{ref}" in str(card)
    assert asyncio.run(front.task_card(runtime, 999_999)) is None
    asyncio.run(front.remember_task_card(runtime, (Platform.SLACK, "D1", "171.1"), ref))
    with runtime.db.session() as s:
        [row] = s.exec(select(ChatMessage)).all()
    assert (row.platform, row.channel, row.message_id) == ("slack", "D1", "171.1")
    assert (row.kind, row.occurrence_id) == ("task", ref)
