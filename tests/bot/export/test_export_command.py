"""`/soc2 export <from> <to>`: admins and auditors get a bundle; everyone else a friendly no."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import col, select

from bot.actor import Actor
from bot.commands import parse_command
from bot.db import Database
from bot.dispatch import CommandContext, run_command
from bot.errors import InvalidInput, PermissionDenied
from bot.export import verify_bundle
from bot.messages import render_plain
from models import AuditEvent, Role
from tests.bot.export.bundle_support import NOW, Seeded

COMMAND = "export 2026-01-01 2026-06-30"


def ask(db: Database, seeded: Seeded, actor: Actor, folder: Path, text: str = COMMAND) -> str:
    ctx = CommandContext(db=db, actor=actor, now=NOW, store=seeded.store, export_dir=folder)
    return render_plain(run_command(parse_command(text), ctx))


def test_auditor_exports_from_chat_and_the_export_is_logged(
    db: Database, seeded: Seeded, tmp_path: Path
) -> None:
    folder = tmp_path / "exports"
    out = ask(db, seeded, seeded.audrey, folder)
    assert "Evidence bundle ready: 2026-01-01 to 2026-06-30" in out
    assert "8 due in the window" in out and "python verify.py" in out
    (bundle,) = folder.iterdir()
    assert bundle.name == "soc2-evidence_2026-01-01_2026-06-30_20260520T140000Z.zip"
    assert str(bundle) in out and verify_bundle(bundle).ok
    with db.session() as s:
        event = s.exec(select(AuditEvent).order_by(col(AuditEvent.seq).desc())).first()
    assert event is not None and event.action == "export.created"
    assert event.actor == "audrey@audit.test" and event.details["file_name"] == bundle.name
    ask(db, seeded, seeded.ana, folder)  # same second: a second file, not an overwrite
    assert len(list(folder.iterdir())) == 2


@pytest.mark.parametrize("who", ["raj", "eve", "leadership"])
def test_members_and_leadership_cannot_export(
    db: Database, seeded: Seeded, tmp_path: Path, who: str
) -> None:
    actor = getattr(seeded, who, None) or Actor(label="lena@acme.test", role=Role.LEADERSHIP)
    with pytest.raises(PermissionDenied, match="only admins and auditors can export evidence"):
        ask(db, seeded, actor, tmp_path / "exports")
    assert not (tmp_path / "exports").exists()
    with db.session() as s:
        assert not s.exec(select(AuditEvent).where(AuditEvent.action == "export.created")).all()


def test_export_without_an_evidence_store_says_where_to_run_it(
    db: Database, seeded: Seeded
) -> None:
    ctx = CommandContext(db=db, actor=seeded.audrey, now=NOW)
    with pytest.raises(InvalidInput, match="run `soc2bot export` on the server"):
        run_command(parse_command(COMMAND), ctx)
