"""The weekly digest carries the signed audit head; a witness file is checked against the chain."""

from __future__ import annotations

import datetime as dt

from sqlmodel import select

from bot.audit.trail import record_event
from bot.audit.witness import check_witnesses, sign_head
from bot.audit.witness_line import format_witness, read_witnesses, witness_message, witness_signed
from bot.core.actor import Actor
from bot.core.db import Database
from bot.core.payload import message_from_payload
from bot.core.plain import render_plain
from bot.core.signing import service_signer
from bot.digest.services import queue_weekly_digest
from models import AuditChainHead, OutboxMessage
from tests.factories import generate, make_control, make_person, make_program, make_task

MONDAY_TEN = dt.datetime(2026, 5, 18, 14, 0, tzinfo=dt.UTC)  # 10:00 in New York


def seed(db: Database) -> None:
    with db.transaction() as s:
        program = make_program(s, timezone="America/New_York")
        program.leadership_channel = "#lead"
        raj = make_person(s, "raj@acme.test")
        make_task(s, make_control(s, "CC6.1-AR", owner=raj), "wk", schedule="weekly", due="2d")
        generate(s, now=MONDAY_TEN, horizon_days=30)


def test_the_weekly_digest_carries_the_signed_head_on_a_line_of_its_own(db: Database) -> None:
    seed(db)
    with db.transaction() as s:
        assert queue_weekly_digest(session=s, now=MONDAY_TEN)
    with db.session() as s:
        row = s.exec(select(OutboxMessage)).one()
        head = s.get(AuditChainHead, 1)
    assert head is not None and head.seq > 0
    message = message_from_payload(row.payload)
    assert message.footer is not None
    shown = message.footer.splitlines()[-1]
    assert shown.startswith(f"Audit trail head: event {head.seq} ({head.hash[:16]}…), signed: ")
    # The whole token stays in the posted message, carried by "Show details", whose private
    # answer shows it on a line of its own (the plain text shows the short form only).
    assert "soc2bot-head" not in render_plain(message)
    [witness], broken = read_witnesses(message.buttons[0].value)
    assert broken == [] and (witness.seq, witness.hash) == (head.seq, head.hash)
    assert witness_signed(witness, service_signer().public_key)


def test_a_witness_file_is_checked_line_by_line_against_the_stored_chain(db: Database) -> None:
    seed(db)
    signer = service_signer()
    with db.session() as s:
        first = sign_head(session=s, signer=signer)
    with db.transaction() as s:
        record_event(session=s, actor=Actor.cli(), action="test.later", subject_type="x",
                     subject_id=1)  # fmt: skip
    with db.session() as s:
        later = sign_head(session=s, signer=signer)
    assert first is not None and later is not None and later.seq == first.seq + 1
    ahead = later.line.replace(f"soc2bot-head.{later.seq}.", f"soc2bot-head.{later.seq + 5}.")
    gone = format_witness(99, later.hash, signer.sign(witness_message(99, later.hash)))
    text = f"week 20: {first.line}\n\nweek 21: {later.line}\n{ahead}\nsoc2bot-head.12.abc\n{gone}"
    with db.session() as s:
        checks, broken = check_witnesses(session=s, text=text, public_key=signer.public_key)
    assert [(c.witness.line, c.problem is None) for c in checks] == [
        (1, True), (3, True), (4, False), (6, False)
    ]  # fmt: skip
    assert "signature does not verify" in str(checks[2].problem)  # the seq is signed too
    assert "no longer holds event 99: events were deleted" in str(checks[3].problem)
    assert broken == ["witness line 5: not a whole soc2bot-head line; copy it exactly as the "
                      "digest shows it"]  # fmt: skip
