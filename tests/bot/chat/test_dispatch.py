"""The command language end to end: parse → one service call → neutral message."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import select

from bot.catalog.bootstrap import apply_catalog
from bot.catalog.validate import validate_catalog_text
from bot.chat.commands import parse_command
from bot.chat.dispatch import CommandContext, run_command
from bot.core.actor import Actor, ChatAccount
from bot.core.db import Database
from bot.core.errors import NotFound, PermissionDenied, SoC2BotError
from bot.core.plain import render_plain
from bot.people.services import link_chat_identity
from models import Occurrence, OccurrenceStatus, Person, Platform, Role, Task
from tests.catalog_text import as_yaml, catalog

NOW = dt.datetime(2026, 5, 20, 14, 0, tzinfo=dt.UTC)


@pytest.fixture
def people(sqlite_db: Database) -> dict[str, Actor]:
    data = catalog()
    data["people"].append({"email": "audrey@audit.test", "name": "Audrey", "role": "auditor"})  # type: ignore[attr-defined]
    spec = validate_catalog_text(as_yaml(data))
    apply_catalog(sqlite_db, spec, actor=Actor.cli(), now=NOW, horizon_days=60, accept_overdue=True)
    with sqlite_db.session() as s:
        return {p.email.split("@")[0]: Actor.for_person(p) for p in s.exec(select(Person)).all()}


def ask(db: Database, actor: Actor, text: str) -> str:
    return render_plain(
        run_command(parse_command(text), CommandContext(db=db, actor=actor, now=NOW))
    )


def first_backup_test(db: Database) -> int:
    with db.session() as s:
        occ = s.exec(
            select(Occurrence)
            .join(Task)
            .where(Task.key == "backup-restore", Occurrence.period_key == "2026-01-01")
        ).one()
    return occ.id or 0


def test_help_lists_every_command(sqlite_db: Database, people: dict[str, Actor]) -> None:
    out = ask(sqlite_db, people["raj"], "help")
    for word in ("status", "mine", "controls", "assign", "audit", "export", "whoami"):
        assert f"\n{word}" in out  # each command starts a line of its group


def test_mine_shows_the_callers_work_with_actions(
    sqlite_db: Database, people: dict[str, Actor]
) -> None:
    out = ask(sqlite_db, people["raj"], "mine")
    assert "CC6.1-AR" in out and "[Attach evidence]" in out and "A1.2-BACKUP" not in out


def test_auditor_cannot_have_work_but_can_read(
    sqlite_db: Database, people: dict[str, Actor]
) -> None:
    with pytest.raises(PermissionDenied, match="read-only"):
        ask(sqlite_db, people["audrey"], "mine")
    assert "Readiness" in ask(sqlite_db, people["audrey"], "status")
    assert "Audit trail of control CC6.1-AR" in ask(sqlite_db, people["audrey"], "audit CC6.1-AR")


def test_done_then_audit_shows_who_did_it(sqlite_db: Database, people: dict[str, Actor]) -> None:
    ref = first_backup_test(sqlite_db)
    out = ask(sqlite_db, people["ana"], f"done #{ref} restored db to staging")
    assert "Recorded your confirmation" in out
    trail = ask(sqlite_db, people["audrey"], f"audit {ref}")
    assert f"Ana Ruiz completed #{ref}" in trail and f"Ana Ruiz attested #{ref}" in trail


def test_member_cannot_complete_someone_elses_work(
    sqlite_db: Database, people: dict[str, Actor]
) -> None:
    ref = first_backup_test(sqlite_db)
    with pytest.raises(PermissionDenied):
        ask(sqlite_db, people["raj"], f"done {ref}")
    with sqlite_db.session() as s:
        occ = s.get(Occurrence, ref)
    assert occ is not None and occ.status is OccurrenceStatus.PENDING


def test_skip_needs_an_admin(sqlite_db: Database, people: dict[str, Actor]) -> None:
    ref = first_backup_test(sqlite_db)
    with pytest.raises(PermissionDenied):
        ask(sqlite_db, people["raj"], f"skip {ref} not needed")
    assert "skipped: not needed" in ask(sqlite_db, people["ana"], f"skip {ref} not needed")


def test_assign_by_email_and_by_linked_slack_mention(
    sqlite_db: Database, people: dict[str, Actor]
) -> None:
    assert "Ana Ruiz now owns CC6.1-AR" in ask(
        sqlite_db, people["ana"], "assign CC6.1-AR ana@acme.test"
    )
    with sqlite_db.transaction() as s:
        account = ChatAccount(Platform.SLACK, "U0RAJ", "raj@acme.test", home=True)
        link_chat_identity(session=s, account=account)
    assert "Raj Iyer now owns CC6.1-AR" in ask(
        sqlite_db, people["ana"], "assign CC6.1-AR <@U0RAJ|raj>"
    )
    with pytest.raises(NotFound, match="I don't know"):
        ask(sqlite_db, people["ana"], "assign CC6.1-AR <@U0NOBODY>")
    with pytest.raises(PermissionDenied):
        ask(sqlite_db, people["raj"], "assign CC6.1-AR raj@acme.test")


def test_whoami_and_evidence_instructions(sqlite_db: Database, people: dict[str, Actor]) -> None:
    out = ask(sqlite_db, people["raj"], "whoami")
    assert "raj@acme.test" in out and "member" in out
    ref = first_backup_test(sqlite_db)
    assert f"Evidence for #{ref}" in ask(sqlite_db, people["ana"], f"evidence {ref}")
    assert "cli (role admin)" in ask(sqlite_db, Actor.cli(), "whoami")


@pytest.mark.parametrize("text", ["control NOPE-1", "audit 999999", "done 999999", "controls zzz"])
def test_bad_ids_get_friendly_answers(
    sqlite_db: Database, people: dict[str, Actor], text: str
) -> None:
    try:
        out = ask(sqlite_db, people["ana"], text)
    except SoC2BotError as exc:
        assert "#999999" in exc.message or "no control" in exc.message
    else:
        assert "No controls matching" in out


def test_training_without_an_open_round_says_there_is_nothing_to_do(
    sqlite_db: Database, people: dict[str, Actor]
) -> None:
    out = ask(sqlite_db, people["ana"], "training")
    assert "You have no training rounds. Nothing to do." in out


def test_digest_is_for_leadership_and_admins(sqlite_db: Database, people: dict[str, Actor]) -> None:
    leader = Actor(label="lena@acme.test", role=Role.LEADERSHIP)
    for actor in (people["ana"], leader):
        message = run_command(
            parse_command("digest"), CommandContext(db=sqlite_db, actor=actor, now=NOW)
        )
        assert message.title == "Weekly SOC 2 digest — Acme SOC 2, week 2026-W21"
        assert [i.data[:8] for i in message.images if i.data] == [b"\x89PNG\r\n\x1a\n"]
    for refused in (people["raj"], people["audrey"]):
        with pytest.raises(PermissionDenied, match="the digest is for leadership and admins"):
            ask(sqlite_db, refused, "digest")


def test_roles_come_from_the_catalog(people: dict[str, Actor]) -> None:
    assert people["ana"].role is Role.ADMIN and people["audrey"].role is Role.AUDITOR
