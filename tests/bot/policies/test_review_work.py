"""A policy's review as work: its reminders and card offer the owner's answers, and the generic
"done" or a loose file never bypasses the policy (refused with a pointer, nothing recorded)."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from sqlmodel import select

from bot.chat.actions import run_press
from bot.chat.commands import parse_command
from bot.chat.dispatch import CommandContext, run_command
from bot.chat.presses import Press
from bot.chat.runtime import Runtime
from bot.core.db import Database
from bot.core.errors import Conflict
from bot.core.settings import Settings
from bot.evidence.services import attach_file_evidence
from bot.outbox.inbound import remember_message
from bot.outbox.queue import Outgoing
from bot.policies.intake import awaited_policy, policy_under_message
from bot.policies.messages import review_card_view
from bot.policies.notices import review_request
from bot.reminders.services import decide_due_reminders
from bot.work.facts import PolicyRef
from bot.work.items import get_work_item
from bot.work.messages import task_card_view
from models import Occurrence, Person, Policy
from tests.bot.policies.policy_support import (
    KEY,
    NOW,
    PDF,
    People,
    actor,
    build_world,
    evidence_store,
    state,
)

UTC = dt.UTC


@pytest.fixture
def people(db: Database) -> People:
    found = build_world(db)
    with db.transaction() as session:  # Ana manages Raj, so his overdue work escalates to her
        raj = session.get_one(Person, found.owner)
        raj.manager_id = found.admin
        session.add(raj)
    return found


@pytest.fixture
def runtime(db: Database, tmp_path: Path) -> Runtime:
    store = evidence_store(tmp_path / "evidence")
    return Runtime(db=db, store=store, settings=Settings(), clock=lambda: NOW)


def review(db: Database) -> tuple[Policy, Occurrence]:
    with db.session() as session:
        policy = session.exec(select(Policy)).one()
        occurrence = session.exec(select(Occurrence)).one()
        return policy, occurrence


def reminders(db: Database) -> dict[str, Outgoing]:
    """Every reminder step of the 2026 review (due Sat 31 Jan), from 7 days before to escalation."""
    found: dict[str, Outgoing] = {}
    with db.session() as session:
        for day in range(20, 20 + 28):  # 20 January to 16 February, at 10:00 UTC
            now = dt.datetime(2026, 1, 1, 10, tzinfo=UTC) + dt.timedelta(days=day - 1)
            found |= {m.key: m for m in decide_due_reminders(session=session, now=now)}
    return found


def test_reminders_offer_the_owners_answers_and_escalations_only_inform(
    db: Database, people: People
) -> None:
    policy, occurrence = review(db)
    sent = list(reminders(db).values())
    to_owner = [m for m in sent if (m.meta or {}).get("audience") == "assignee"]
    titles = {m.message.title or "" for m in to_owner}
    assert any(t.startswith("Reminder:") for t in titles)  # before and on the due day
    assert any(t.startswith("Overdue:") for t in titles)
    with db.session() as session:
        card = review_card_view(
            review_request(session=session, policy=policy, occurrence=occurrence)
        )
    for message in (m.message for m in to_owner):
        assert message.buttons[:2] == card.buttons  # the review card's very buttons
        assert [b.action_id for b in message.buttons] == [
            f"policy_no_changes:{policy.id}",
            f"policy_new_version:{policy.id}",
            f"occ_snooze:{occurrence.id}",
        ]
    escalations = [m for m in sent if (m.meta or {}).get("audience") in ("manager", "compliance")]
    assert {(m.meta or {}).get("audience") for m in escalations} == {"manager", "compliance"}
    assert all(m.message.buttons == () for m in escalations)


def test_the_task_card_offers_the_owners_answers(db: Database, people: People) -> None:
    policy, occurrence = review(db)
    with db.session() as session:
        item = get_work_item(session=session, occurrence_id=occurrence.id or 0, now=NOW)
    assert item is not None and item.policy == PolicyRef(policy.id or 0, KEY)
    labels = [b.label for b in task_card_view(item).buttons]
    assert labels == ["No changes", "New version"]


def test_mark_done_pressed_or_typed_is_refused_with_a_pointer(
    db: Database, people: People, runtime: Runtime
) -> None:
    _, occurrence = review(db)
    raj, before = actor(db, people.owner), state(db)
    with pytest.raises(Conflict) as pressed:
        run_press(runtime, raj, Press("occ_done", (occurrence.id or 0,)))
    context = CommandContext(db=db, actor=raj, now=NOW)
    with pytest.raises(Conflict) as typed:
        run_command(parse_command(f"done #{occurrence.id} all good"), context)
    for refused in (pressed.value, typed.value):
        assert "Answer the review with No changes or send the new version" in refused.message
        assert f"`policy {KEY}`" in refused.message
    assert state(db) == before  # no attestation, no "done", no audit event


def test_attach_evidence_on_the_review_asks_for_the_new_version(
    db: Database, people: People, runtime: Runtime
) -> None:
    _, occurrence = review(db)
    press = Press("occ_attach", (occurrence.id or 0,), conversation="DURAJ", files_in_chat=True)
    outcome = run_press(runtime, actor(db, people.owner), press)
    assert outcome.reply is not None and "new document of Access Control Policy" in (
        outcome.reply.text or ""
    )
    with db.session() as session:  # the next file Raj sends there is the policy's, no evidence
        found = awaited_policy(
            session=session, conversation="DURAJ", person_id=people.owner, now=NOW, take=False
        )
    assert found == KEY


def test_a_file_attached_the_generic_way_is_refused(
    db: Database, people: People, runtime: Runtime
) -> None:
    _, occurrence = review(db)
    before = state(db)
    with pytest.raises(Conflict) as refused, db.transaction() as session:
        attach_file_evidence(
            session=session, store=runtime.store, actor=actor(db, people.owner),
            occurrence_id=occurrence.id or 0, stream=io.BytesIO(PDF),
            original_name="access-control.pdf", media_type="application/pdf", now=NOW,
        )  # fmt: skip
    assert "send the new version" in refused.value.message
    assert state(db) == before


def test_a_file_in_the_thread_of_a_review_reminder_is_the_new_version(
    db: Database, people: People
) -> None:
    _, occurrence = review(db)
    with db.transaction() as session:  # as the outbox remembers a delivered reminder
        remember_message(
            session=session, platform="slack", channel="DURAJ", message_id="1700.1",
            kind="task", occurrence_id=occurrence.id,
        )  # fmt: skip
    with db.session() as session:
        under = policy_under_message(
            session=session, platform="slack", channel="DURAJ", message_id="1700.1"
        )
    assert under == KEY
