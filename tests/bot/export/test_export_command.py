"""`export <from> <to>` typed in chat: admins and auditors get it privately, others a no."""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot.chat import commands as c
from bot.chat.commands import parse_command
from bot.chat.dispatch import CommandContext, run_command
from bot.chat.exports import ExportRequests
from bot.core.actor import Actor
from bot.core.db import Database
from bot.core.errors import InvalidInput, PermissionDenied
from bot.core.plain import render_plain
from models import AuditEvent, Role
from tests.bot.export.bundle_support import NOW, Seeded

COMMAND = "export 2026-01-01 2026-06-30"


class Recorder:
    """A front end's export requests, recorded instead of built."""

    def __init__(self) -> None:
        self.started: list[tuple[Actor, c.Export]] = []

    def requests(self) -> ExportRequests:
        return ExportRequests(
            start=lambda actor, intent: self.started.append((actor, intent)),
            where="in a direct message",
        )


def ask(db: Database, actor: Actor, exports: ExportRequests | None) -> str:
    ctx = CommandContext(db=db, actor=actor, now=NOW, exports=exports)
    return render_plain(run_command(parse_command(COMMAND), ctx))


def test_an_auditor_is_answered_with_where_it_goes_and_nothing_of_the_bundle(
    db: Database, seeded: Seeded
) -> None:
    recorder = Recorder()
    out = ask(db, seeded.audrey, recorder.requests())
    assert "Building the evidence bundle for 2026-01-01 to 2026-06-30" in out
    assert "in a direct message" in out and "never go to a channel" in out
    assert "soc2-evidence" not in out and "/exports/" not in out
    [(actor, intent)] = recorder.started
    assert actor == seeded.audrey
    assert str(intent.start) == "2026-01-01" and str(intent.end) == "2026-06-30"


@pytest.mark.parametrize("who", ["raj", "eve", "leadership"])
def test_members_and_leadership_cannot_export(db: Database, seeded: Seeded, who: str) -> None:
    actor = getattr(seeded, who, None) or Actor(label="lena@acme.test", role=Role.LEADERSHIP)
    recorder = Recorder()
    with pytest.raises(PermissionDenied, match="only admins and auditors can export evidence"):
        ask(db, actor, recorder.requests())
    assert recorder.started == []
    with db.session() as s:
        assert not s.exec(select(AuditEvent).where(AuditEvent.action == "export.created")).all()


def test_export_where_chat_delivery_is_not_offered_says_where_to_run_it(
    db: Database, seeded: Seeded
) -> None:
    with pytest.raises(InvalidInput, match="run `soc2bot export` on the server"):
        ask(db, seeded.audrey, None)
