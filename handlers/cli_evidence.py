"""`soc2bot evidence …`: set (or clear) when one piece of evidence stops counting."""

from __future__ import annotations

from typing import Annotated

import typer

from bot.chat.expiry import parse_evidence_ref
from bot.chat.refs import parse_iso_date
from bot.core.actor import Actor
from bot.core.plain import render_plain
from bot.core.program import get_program_or_raise, program_today
from bot.evidence.expiry import set_evidence_expiry
from bot.evidence.messages import expiry_set_view
from handlers.cli_support import friendly, load_settings_or_exit, open_database, out
from models import utcnow

evidence_app = typer.Typer(help="Evidence: when it stops counting.", no_args_is_help=True)


@evidence_app.command("expire")
def evidence_expire(
    evidence: Annotated[str, typer.Argument(help="The evidence number, e.g. 57 or ev-57.")],
    day: Annotated[
        str, typer.Argument(help="The last day it counts (YYYY-MM-DD, program time), or never.")
    ],
) -> None:
    """Make the evidence count through the end of DAY, or for good with `never` (logged)."""
    settings = load_settings_or_exit()
    with friendly():
        evidence_id = parse_evidence_ref(evidence)
        expires_on = None if day.strip().casefold() == "never" else parse_iso_date(day)
        db = open_database(settings)
        now = utcnow()
        with db.transaction() as session:
            found = set_evidence_expiry(
                session=session, actor=Actor.cli(), evidence_id=evidence_id,
                expires_on=expires_on, now=now,
            )  # fmt: skip
            today = program_today(get_program_or_raise(session=session), now)
    out.print(render_plain(expiry_set_view(found, expires_on, today=today)), markup=False)
