"""The digest's "Show details": for its audience only, private, and with the witness of
the digest it was pressed on (not a newer head), on both platforms' table of buttons."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlmodel import select

from bot.audit.witness import sign_head
from bot.chat.actions import parse_press, run_press
from bot.chat.buttons import BUTTONS
from bot.chat.runtime import Runtime
from bot.core.actor import Actor
from bot.core.db import Database
from bot.core.errors import PermissionDenied
from bot.core.payload import message_from_payload
from bot.core.plain import render_plain
from bot.core.settings import Settings
from bot.core.signing import Signer, service_signer
from bot.digest.messages import DETAILS_ACTION, digest_view
from bot.digest.services import compose_digest, compose_digest_details, queue_weekly_digest
from bot.evidence.local import LocalEvidenceStore
from handlers.slack.blocks import render_blocks
from handlers.teams.replies import card_activity
from models import OutboxMessage, Person
from tests.bot.digest.test_services import NOW, done, seed
from tests.handlers.teams.cardcheck import walk


@pytest.fixture
def runtime(sqlite_db: Database, tmp_path: Path) -> Runtime:
    seed(sqlite_db)
    with sqlite_db.transaction() as s:  # audit events: the chain has a head to witness
        done(s, "wk", "2026-W19", NOW - dt.timedelta(days=10))
    store = LocalEvidenceStore(tmp_path / "ev", max_bytes=1 << 20, allowed_types=["*/*"])
    return Runtime(db=sqlite_db, store=store, settings=Settings(), clock=lambda: NOW)


def who(db: Database, email: str) -> Actor:
    with db.session() as s:
        return Actor.for_person(s.exec(select(Person).where(Person.email == email)).one())


def test_show_details_is_a_read_for_the_digests_audience() -> None:
    entry = BUTTONS[DETAILS_ACTION]
    assert entry.writes is False and entry.ids == 0
    assert entry.permission.value == "digest"


def test_leadership_gets_the_details_privately_with_the_posted_witness(runtime: Runtime) -> None:
    with runtime.db.session() as s:
        posted = digest_view(compose_digest(session=s, now=NOW))
    [button] = posted.buttons
    with runtime.db.transaction() as s:  # the trail grows after the digest was posted
        done(s, "wk", "2026-W20", NOW)
    press = parse_press(button.action_id, value=button.value)
    outcome = run_press(runtime, who(runtime.db, "lena@acme.test"), press)
    assert outcome.card is None and outcome.redraw is None  # the shared message stays as is
    details = outcome.private_card
    assert details is not None and details.ephemeral
    text = render_plain(details, width=300)
    assert "Overdue by owner" in text and button.value in text.splitlines()


def test_a_member_is_refused_the_details(runtime: Runtime) -> None:
    press = parse_press(DETAILS_ACTION, value="")
    with pytest.raises(PermissionDenied, match="the digest is for leadership and admins"):
        run_press(runtime, who(runtime.db, "raj@acme.test"), press)


def test_a_value_not_signed_by_the_service_falls_back_to_the_head_signed_now(
    runtime: Runtime,
) -> None:
    with runtime.db.session() as s:
        theirs = sign_head(session=s, signer=Signer(Ed25519PrivateKey.generate()))
        assert theirs is not None
        for value in (theirs.line, "nonsense", "", theirs.line + "\n" + theirs.line):
            digest = compose_digest_details(session=s, now=NOW, posted=value)
            assert digest.witness is not None and digest.witness.line != theirs.line
            mine = sign_head(session=s, signer=service_signer())
            assert mine is not None and digest.witness.line == mine.line


def test_the_queued_weekly_digest_carries_chart_and_button_to_both_platforms(
    runtime: Runtime,
) -> None:
    with runtime.db.transaction() as s:
        assert queue_weekly_digest(session=s, now=NOW)
    with runtime.db.session() as s:
        message = message_from_payload(s.exec(select(OutboxMessage)).one().payload)
    [image] = message.images
    assert image.data and image.data.startswith(b"\x89PNG")  # Slack's port uploads these
    [button] = [n for n in walk(render_blocks(message)) if n.get("type") == "button"]
    assert button["action_id"] == DETAILS_ACTION and "soc2bot-head." in button["value"]
    card, picture = card_activity(message).attachments
    assert picture["contentUrl"].startswith("data:image/png;base64,")  # Teams inlines it
    [submit] = [a for a in walk(card["content"]) if a.get("title") == "Show details"]
    assert submit["data"] == {"action_id": DETAILS_ACTION, "value": button["value"]}
