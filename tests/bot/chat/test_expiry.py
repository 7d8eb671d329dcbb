"""`expire <evidence> <date|never>`: parsed, run as an admin, refused for everyone else."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
import sqlalchemy as sa
from sqlmodel import select

from bot.chat.commands import parse_command
from bot.chat.dispatch import CommandContext, run_command
from bot.chat.expiry import Expire
from bot.chat.refs import UsageError
from bot.core.actor import Actor
from bot.core.db import Database
from bot.core.errors import PermissionDenied
from models import AuditEvent, Evidence, Platform
from tests.bot.evidence.expiry_support import NOW, attest, seed
from tests.both_platforms import both


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("expire 57 2027-01-31", Expire(57, dt.date(2027, 1, 31))),
        ("expire ev-57 never", Expire(57, None)),
        ("expire evidence 57 2027-01-31", Expire(57, dt.date(2027, 1, 31))),
        ("EXPIRE Evidence-57 NEVER", Expire(57, None)),
    ],
)
def test_expire_is_parsed(text: str, intent: Expire) -> None:
    assert parse_command(text) == intent


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("expire", "Missing the evidence number"),
        ("expire 57", "Missing the last day it counts (YYYY-MM-DD), or never"),
        ("expire #57 2027-01-31", "(#… names work, not evidence)"),
        ("expire 57 tomorrow", "is not a date"),
        ("expire 57 2027-02-30", "is not a real date"),
        ("expire 57 2027-01-31 please", "I didn't expect"),
    ],
)
def test_a_mistyped_expire_says_what_is_wrong_and_shows_its_usage(text: str, said: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse_command(text)
    assert said in caught.value.message
    assert caught.value.usage is not None and caught.value.usage.startswith("expire <evidence>")


def ask(db: Database, actor: Actor, text: str) -> dict[str, str]:
    chat = replace(actor, platform=Platform.SLACK)
    return both(run_command(parse_command(text), CommandContext(db=db, actor=chat, now=NOW)))


def test_an_admin_sets_an_expiry_from_chat_and_clears_it(db: Database) -> None:
    w = seed(db)
    ev = attest(w, "2026-Q2", NOW)
    said = ask(db, w.ana, f"expire {ev} 2026-12-31")
    for text in said.values():
        assert f"Evidence {ev} (attestation, for #" in text and "through Thu 31 Dec 2026" in text
    past = ask(db, w.ana, f"expire ev-{ev} 2026-05-01")["teams"]
    assert "it has expired" in past
    assert "no longer expires" in ask(db, w.ana, f"expire {ev} never")["slack"]
    with db.session() as s:
        assert s.get(Evidence, ev).expires_at is None  # type: ignore[union-attr]
        logged = s.exec(select(AuditEvent).where(AuditEvent.action == "evidence.expiry_set"))
        assert [e.actor_platform for e in logged] == ["slack"] * 3


@pytest.mark.parametrize("who", ["raj", "eve", "audrey"])
def test_expire_is_refused_to_everyone_but_admins_and_records_nothing(
    db: Database, who: str
) -> None:
    w = seed(db)
    ev = attest(w, "2026-Q2", NOW)
    with db.session() as s:
        before = s.exec(select(sa.func.count()).select_from(AuditEvent)).one()
    with pytest.raises(PermissionDenied, match="Sorry, only an admin can set when evidence"):
        ask(db, getattr(w, who), f"expire {ev} 2026-12-31")
    with db.session() as s:
        assert s.exec(select(sa.func.count()).select_from(AuditEvent)).one() == before
        assert s.get(Evidence, ev).expires_at is None  # type: ignore[union-attr]
