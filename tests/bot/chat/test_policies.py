"""`policies`, `policy <id>` and the typed forms of owners and approvers, parsed and answered."""

from __future__ import annotations

import hashlib

import pytest

from bot.chat.commands import parse_command
from bot.chat.dispatch import CommandContext, run_command
from bot.chat.policies import PolicyCommand
from bot.chat.refs import UsageError
from bot.core.db import Database
from bot.core.errors import Conflict, InvalidInput, PermissionDenied
from bot.core.plain import render_plain
from models import VersionStatus
from tests.bot.policies.policy_support import (
    KEY,
    NOW,
    People,
    actor,
    build_world,
    state,
    versions,
)

LINK, SHA = "https://intranet.acme.test/acp-1.1", hashlib.sha256(b"1.1").hexdigest()


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("policies", PolicyCommand("list")),
        ("policy", PolicyCommand("list")),
        ("policy Access-Control", PolicyCommand("show", "access-control")),
        ("policy submit access-control 1.1", PolicyCommand("submit", KEY, version="1.1")),
        (f"policy submit access-control 1.1 link <{LINK}|acp> sha256 {SHA}",
         PolicyCommand("submit", KEY, version="1.1", link=LINK, sha256=SHA)),
        ("policy approve access-control", PolicyCommand("approve", KEY)),
        ("policy approve access-control looks good", PolicyCommand("approve", KEY,
                                                                   comment="looks good")),
        ("policy changes access-control Name the break-glass account",
         PolicyCommand("changes", KEY, comment="Name the break-glass account")),
    ],
)  # fmt: skip
def test_policy_commands_parse(text: str, intent: PolicyCommand) -> None:
    assert parse_command(text) == intent


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("policy a b", "I didn't expect"),
        ("policy changes access-control", "Say what should change"),
        ("policy submit access-control", "Name the policy and the new version"),
        (f"policy submit access-control 1.1 link {LINK}", "needs both"),
        ("policy submit access-control 1.1 note x", "I didn't expect"),
        ("policy approve", "Which policy?"),
        ("policy ../etc", "not a policy id"),
    ],
)
def test_bad_policy_commands_say_what_is_wrong_with_the_usage(text: str, says: str) -> None:
    with pytest.raises(UsageError) as raised:
        parse_command(text)
    assert says in raised.value.message and raised.value.usage is not None
    assert raised.value.usage.startswith("policy [id]")


@pytest.fixture
def people(db: Database) -> People:
    return build_world(db)


def ask(db: Database, person_id: int, text: str) -> str:
    context = CommandContext(db=db, actor=actor(db, person_id), now=NOW)
    return render_plain(run_command(parse_command(text), context))


def test_everyone_reads_the_list_and_a_policy_in_full(db: Database, people: People) -> None:
    listed = ask(db, people.auditor, "policies")
    assert "Access Control Policy — version 1.0 · in review, due Sat 31 Jan 2026" in listed
    assert "no acknowledgement round yet" in listed
    detail = ask(db, people.members[0], "policy access-control")
    assert "Approvers: 1. Eve Park · 2. Sam Lee" in detail
    assert "Version 1.0 — published" in detail and "registered from the catalog" in detail
    with pytest.raises(Exception, match="There is no policy ‘nope’"):
        ask(db, people.admin, "policy nope")


def test_owner_submits_a_linked_version_and_approvers_answer_in_words(
    db: Database, people: People
) -> None:
    with pytest.raises(InvalidInput, match="Attach the document"):
        ask(db, people.owner, "policy submit access-control 1.1")
    said = ask(db, people.owner, f"policy submit access-control 1.1 link {LINK} sha256 {SHA}")
    assert "waiting for approval" in said and "Sent to Eve Park (step 1 of 2)" in said
    before = state(db)
    with pytest.raises(PermissionDenied, match="not your turn"):
        ask(db, people.second, "policy approve access-control")
    assert state(db) == before
    assert "Next: Sam Lee" in ask(db, people.first, "policy approve access-control fine")
    said = ask(db, people.second, "policy changes access-control Date the review")
    assert "Changes requested" in said
    assert versions(db)[-1].status is VersionStatus.CHANGES_REQUESTED


def test_no_version_in_approval_is_said_plainly(db: Database, people: People) -> None:
    with pytest.raises(Conflict, match="No version of Access Control Policy is waiting"):
        ask(db, people.first, "policy approve access-control")
