"""The one button dispatcher: action ids parsed strictly, permission first, one service call."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlmodel import select

from bot.catalog.bootstrap import apply_catalog
from bot.catalog.validate import validate_catalog_text
from bot.chat.actions import parse_press, run_press
from bot.chat.buttons import BUTTONS
from bot.chat.presses import Ask, Press, Redraw
from bot.chat.refs import STALE_BUTTON
from bot.chat.runtime import Runtime
from bot.core.actor import Actor
from bot.core.db import Database
from bot.core.errors import InvalidInput, PermissionDenied
from bot.core.settings import Settings
from bot.evidence.local import LocalEvidenceStore
from models import Occurrence, OccurrenceStatus, Person, Task
from tests.catalog_text import as_yaml, catalog
from tests.reliability.world import changed, fingerprint

NOW = dt.datetime(2026, 5, 20, 14, 0, tzinfo=dt.UTC)


@pytest.fixture
def runtime(sqlite_db: Database, tmp_path: Path) -> Runtime:
    data = catalog(controls__0__tasks__0__evidence="any")  # attestations accepted
    data["people"].extend(  # type: ignore[attr-defined]
        [
            {"email": "audrey@audit.test", "name": "Audrey", "role": "auditor"},
            {"email": "eve@acme.test", "name": "Eve Stone"},
        ]
    )
    spec = validate_catalog_text(as_yaml(data))
    apply_catalog(sqlite_db, spec, actor=Actor.cli(), now=NOW, horizon_days=60, accept_overdue=True)
    store = LocalEvidenceStore(tmp_path / "evidence", max_bytes=1 << 20, allowed_types=["*/*"])
    return Runtime(db=sqlite_db, store=store, settings=Settings(), clock=lambda: NOW)


def _actor(db: Database, name: str) -> Actor:
    with db.session() as s:
        return Actor.for_person(s.exec(select(Person).where(Person.email.startswith(name))).one())  # type: ignore[attr-defined]


def _occurrence(db: Database, owner: str) -> Occurrence:
    with db.session() as s:
        person = s.exec(select(Person).where(Person.email.startswith(owner))).one()  # type: ignore[attr-defined]
        return s.exec(
            select(Occurrence)
            .join(Task)
            .where(Occurrence.assignee_id == person.id)
            .where(Occurrence.status == OccurrenceStatus.PENDING, Occurrence.period_start <= NOW)
            .order_by(Occurrence.due_at)  # type: ignore[arg-type]
        ).first() or pytest.fail(f"{owner} has no open work")


@pytest.mark.parametrize(
    "action_id",
    [
        "",
        "occ_done",  # the id is missing
        "occ_done:12:3",  # one number too many
        "occ_done:x",
        "occ_done:1234567890123456789",  # 19 digits: no BIGINT
        "no_such_button:1",
        "occ_done:1;drop",
        "OCC_DONE:1",
    ],
)
def test_a_stale_forged_or_mangled_action_id_is_refused_as_stale(action_id: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_press(action_id)
    assert refused.value.message == STALE_BUTTON


def test_an_action_id_parses_into_its_name_and_numbers_with_the_suffix_ignored() -> None:
    assert parse_press("occ_done:12#3") == Press("occ_done", (12,))
    assert parse_press("review_page:7:2").ids == (7, 2)
    assert parse_press("page_more", value="status", page=2) == Press("page_more", (), "status", 2)


def test_every_row_names_a_permission_and_a_call() -> None:
    assert BUTTONS
    for name, entry in BUTTONS.items():
        assert name.islower() and entry.ids in (0, 1, 2)
        assert callable(entry.run)


def test_mark_done_records_the_evidence_and_asks_for_the_work_list_anew(runtime: Runtime) -> None:
    raj, occ = _actor(runtime.db, "raj"), _occurrence(runtime.db, "raj")
    outcome = run_press(runtime, raj, parse_press(f"occ_done:{occ.id}"))
    assert outcome.redraw is Redraw.MINE
    assert outcome.reply is not None and f"#{occ.id}" in (outcome.reply.text or "")
    with runtime.db.session() as s:
        assert s.get(Occurrence, occ.id).status is OccurrenceStatus.DONE  # type: ignore[union-attr]


def test_a_refusal_by_the_table_or_the_service_records_nothing(runtime: Runtime) -> None:
    occ = _occurrence(runtime.db, "raj")
    before = fingerprint(runtime.db)
    for who in ("audrey", "eve"):  # an auditor (the table's permission); not the owner (service)
        with pytest.raises(PermissionDenied):
            run_press(runtime, _actor(runtime.db, who), parse_press(f"occ_done:{occ.id}"))
    assert changed(before, fingerprint(runtime.db)) == []


def test_attach_opens_a_dialog_or_awaits_the_file_in_chat_by_platform(runtime: Runtime) -> None:
    raj, occ = _actor(runtime.db, "raj"), _occurrence(runtime.db, "raj")
    dialog = run_press(runtime, raj, parse_press(f"occ_attach:{occ.id}"))
    assert dialog.ask is Ask.EVIDENCE_FILE and dialog.subject.occurrence_id == occ.id
    in_chat = run_press(
        runtime, raj, parse_press(f"occ_attach:{occ.id}", conversation="a:1", files_in_chat=True)
    )
    assert in_chat.ask is None and "here in this chat" in (in_chat.reply.text or "")  # type: ignore[union-attr]


def test_more_asks_for_the_command_again_at_its_page(runtime: Runtime) -> None:
    audrey = _actor(runtime.db, "audrey")
    outcome = run_press(runtime, audrey, parse_press("page_more", value="controls", page=2))
    assert (outcome.redraw, outcome.text, outcome.page) == (Redraw.COMMAND, "controls", 2)
    with pytest.raises(InvalidInput):
        run_press(runtime, audrey, parse_press("page_more", value="", page=2))
