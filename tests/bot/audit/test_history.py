"""Reading the trail through the commands: names, the reader's timezone, one event in full."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace

import pytest
from sqlmodel import col, select

from bot.audit.history import get_event, get_history
from bot.catalog.bootstrap import apply_catalog
from bot.catalog.validate import validate_catalog_text
from bot.chat.commands import parse_command
from bot.chat.dispatch import CommandContext, run_command
from bot.core.actor import Actor
from bot.core.db import Database
from bot.core.errors import NotFound
from bot.core.messages import Message
from bot.core.plain import render_plain
from models import AuditEvent, Person, Platform
from tests.both_platforms import both
from tests.catalog_text import as_yaml, catalog

NOW = dt.datetime(2026, 5, 20, 14, 0, tzinfo=dt.UTC)


@pytest.fixture
def ana(sqlite_db: Database) -> Actor:
    spec = validate_catalog_text(as_yaml(catalog()))
    apply_catalog(sqlite_db, spec, actor=Actor.cli(), now=NOW, horizon_days=60, accept_overdue=True)
    with sqlite_db.session() as s:
        person = s.exec(select(Person).where(Person.email == "ana@acme.test")).one()
        return Actor.for_person(person, platform=Platform.SLACK)


def ask(db: Database, actor: Actor, text: str) -> Message:
    return run_command(parse_command(text), CommandContext(db=db, actor=actor, now=NOW))


def test_the_trail_names_people_and_tells_times_in_the_readers_zone(
    sqlite_db: Database, ana: Actor
) -> None:
    ask(sqlite_db, ana, "assign CC6.1-AR ana@acme.test")
    in_rome = ask(sqlite_db, replace(ana, timezone="Europe/Rome"), "audit CC6.1-AR")
    first = in_rome.items[0]
    assert first.text == "Ana Ruiz made Ana Ruiz the owner of CC6.1-AR (was Raj Iyer)"
    # Stamped by the wall clock: Rome is CET or CEST, whatever the day the test runs.
    assert re.search(r"\d\d:\d\d CES?T · event \d+$", first.detail or ""), first.detail
    assert in_rome.footer is not None and "/soc2 audit event " in in_rome.footer
    # Without a zone of their own, the reader sees the program's (New York).
    in_program = ask(sqlite_db, ana, "audit CC6.1-AR")
    assert re.search(r"\d\d:\d\d E[SD]T · event", in_program.items[0].detail or "")
    assert "times in America/New_York" in (in_program.context or "")
    for shown in both(in_program).values():
        assert "An admin (CLI) created control CC6.1-AR" in shown
        assert "True" not in shown and "None" not in shown and "['" not in shown


def test_audit_event_shows_one_event_whole(sqlite_db: Database, ana: Actor) -> None:
    with sqlite_db.session() as s:
        last = s.exec(select(AuditEvent).order_by(col(AuditEvent.seq).desc())).first()
        assert last is not None
        seq, full = last.seq, last.hash
    message = ask(sqlite_db, replace(ana, platform=Platform.TEAMS), f"audit event {seq}")
    assert message.title == f"Audit event {seq}"
    fields = {f.label: f.value for f in message.fields}
    assert fields["Action"] == last.action
    assert (full, "this event's hash") in [(i.text, i.detail) for i in message.sections[0].items]
    assert full in render_plain(message)
    with pytest.raises(NotFound, match="There is no audit event 99999"):
        ask(sqlite_db, ana, "audit event 99999")


def test_names_come_from_actors_emails_and_person_ids(sqlite_db: Database, ana: Actor) -> None:
    ask(sqlite_db, ana, "assign CC6.1-AR ana@acme.test")
    with sqlite_db.session() as s:
        found = get_history(session=s, control_key="CC6.1-AR")
        one = get_event(session=s, seq=found.events[0].seq)
    assert found.names.of("ana@acme.test") == "Ana Ruiz" and found.names.of("cli")
    assert found.names.of("raj@acme.test") == "Raj Iyer" and one.names.of("raj@acme.test")
    assert found.names.of("nobody@acme.test") == "nobody@acme.test"


def test_the_control_view_tells_its_history_as_sentences(sqlite_db: Database, ana: Actor) -> None:
    message = ask(sqlite_db, replace(ana, timezone="Asia/Tokyo"), "control CC6.1-AR")
    (history,) = [s for s in message.sections if s.heading == "History"]
    assert history.items and all(" JST · event " in (i.detail or "") for i in history.items)
    assert any(i.text.startswith("An admin (CLI) created control CC6.1-AR") for i in history.items)
