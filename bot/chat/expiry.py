"""`expire <evidence> <date|never>` in chat and `soc2bot ask`: admins set when evidence expires."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Protocol

from bot.chat.refs import Args, UsageError, parse_iso_date, shown
from bot.core.actor import Actor
from bot.core.db import Database
from bot.core.messages import Message
from bot.core.program import get_program_or_raise, program_today
from bot.evidence.expiry import set_evidence_expiry
from bot.evidence.messages import expiry_set_view

_EVIDENCE = re.compile(r"(?:ev(?:idence)?-?)?([0-9]{1,18})", re.I | re.A)
_NEVER = ("never", "none", "clear")


@dataclass(frozen=True)
class Expire:
    """`expire <evidence> <YYYY-MM-DD | never>`: the last day it counts, or no expiry."""

    evidence_id: int
    expires_on: dt.date | None


def parse_evidence_ref(token: str) -> int:
    """An evidence number from `57`, `ev-57` or `evidence-57` (any case)."""
    text = token.strip()
    m = _EVIDENCE.fullmatch(text)
    if m is not None and int(m.group(1)):
        return int(m.group(1))
    hint = " (#… names work, not evidence)" if text.startswith("#") else ""
    raise UsageError(
        f"{shown(token)} is not an evidence number{hint} — use the number `status` and "
        "`control` show, as in “evidence 57”."
    )


def parse_expire(args: Args) -> Expire:
    """`expire 57 2027-01-31`, `expire evidence 57 never`."""
    missing = ["the evidence number", "the last day it counts (YYYY-MM-DD), or never"]
    evidence, day = args.without(0, "evidence").exactly(2, missing)
    expires_on = None if day.casefold() in _NEVER else parse_iso_date(day)
    return Expire(parse_evidence_ref(evidence), expires_on)


class Context(Protocol):
    """What `expire` needs of the dispatcher's command context."""

    @property
    def db(self) -> Database: ...
    @property
    def actor(self) -> Actor: ...
    @property
    def now(self) -> dt.datetime: ...


def answer_expire(intent: Expire, ctx: Context) -> Message:
    """Set or clear the expiry in one transaction (a refusal records nothing)."""
    with ctx.db.transaction() as session:
        evidence = set_evidence_expiry(
            session=session, actor=ctx.actor, evidence_id=intent.evidence_id,
            expires_on=intent.expires_on, now=ctx.now,
        )  # fmt: skip
        today = program_today(get_program_or_raise(session=session), ctx.now)
    return expiry_set_view(evidence, intent.expires_on, today=today)
