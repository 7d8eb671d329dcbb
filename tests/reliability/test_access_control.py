"""Access control: every subcommand and every button, by every role, on both platforms.

Only spec §7 passes; refusals are friendly and change nothing in the database. The tables
below are the spec's permission matrix written out per command and button. Each test walks
its table in one running app (refused attempts first, then allowed ones, each on fresh work
where it changes something), collects every mismatch, and reports them together. Forms and
forged button ids: test_access_control_forms.py.
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from bot.evidence.services import complete_by_attestation
from models import utcnow
from tests.handlers.slack.signing import block_action_payload
from tests.reliability.access_matrix import (
    ADMIN_OR_OWNER,
    ALL,
    NOT_AUDITOR,
    Fixture,
    actor_of,
    attempt,
    judge,
    ordered,
    slack_review_start,
    slack_snooze,
    teams_review_start,
    teams_snooze,
)
from tests.reliability.policy_matrix import changes_target, policy_target
from tests.reliability.world import PEOPLE, ROLES, World, changed

# --- subcommands -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Command:
    text: Callable[[Fixture, bool], str]  # (fixture, allowed) -> command text
    allowed: frozenset[str]
    changes: bool = False


def _fixed(text: str) -> Callable[[Fixture, bool], str]:
    return lambda fx, allowed: text


_evidence_of: list[tuple[Fixture, int]] = []  # evidence of a fresh occurrence (`expire`)
_expire_days = itertools.count(1)  # each allowed `expire` sets a new day, so it changes


def _expire(fx: Fixture, allowed: bool) -> str:
    """`expire` on one piece of evidence, made by an admin the first time an allowed role needs
    it (a refusal comes before any lookup, so refused roles may name any number)."""
    found = [ev for owner, ev in _evidence_of if owner is fx] or ([] if allowed else [1])
    if not found:
        with fx.world.db.transaction() as s:
            ev = complete_by_attestation(session=s, actor=actor_of(fx.world, "admin"),
                                         occurrence_id=fx.take(), now=utcnow())  # fmt: skip
            found = [ev.id or 0]
        _evidence_of.append((fx, found[0]))
    return f"expire {found[0]} 2027-01-{next(_expire_days) % 28 + 1:02d}"


COMMANDS: dict[str, Command] = {
    "help": Command(_fixed("help assign"), ALL),
    "status": Command(_fixed("status"), ALL),
    "controls": Command(_fixed("controls access"), ALL),
    "control": Command(_fixed("control CC6.1-AR"), ALL),
    "audit": Command(_fixed("audit CC6.1-AR"), ALL),
    "whoami": Command(_fixed("whoami"), ALL),
    "mine": Command(_fixed("mine"), NOT_AUDITOR),
    "ack": Command(_fixed("ack acceptable use"), NOT_AUDITOR),
    "training": Command(_fixed("training"), NOT_AUDITOR),
    "digest": Command(_fixed("digest"), frozenset({"admin", "leadership"})),
    "export": Command(
        _fixed("export 2026-01-01 2026-12-31"), frozenset({"admin", "auditor"}), True
    ),
    "sample": Command(
        _fixed("sample CC6.1-AR 2020-01-01 2030-12-31"), frozenset({"admin", "auditor"}), True
    ),
    "assign": Command(_fixed("assign CC7.1-VULN eve@acme.test"), frozenset({"admin"}), True),
    "evidence": Command(lambda fx, ok: f"evidence #{fx.any_open()}", ADMIN_OR_OWNER),
    "done": Command(
        lambda fx, ok: f"done #{fx.take() if ok else fx.any_open()} checked", ADMIN_OR_OWNER, True
    ),
    "skip": Command(
        lambda fx, ok: f"skip #{fx.take() if ok else fx.any_open()} host retired",
        frozenset({"admin"}),
        True,
    ),
    # Opening the form changes nothing for anyone; the start itself is checked at submission
    # (the `review_start` button tables below).
    "review": Command(_fixed('review start "Q4 access"'), ALL),
    "policy": Command(_fixed("policies"), ALL),
    "expire": Command(_expire, frozenset({"admin"}), True),
}


def test_the_command_table_names_every_subcommand() -> None:
    from bot.chat.usage import USAGE

    assert set(COMMANDS) == set(USAGE)


def _say(world: World, platform: str, text: str, role: str) -> Any:
    if platform == "slack":
        return world.slack.command(text, user=PEOPLE[role].slack_id)
    return world.teams_say(text, role)


@pytest.mark.parametrize("platform", ["slack", "teams"])
def test_every_subcommand_by_every_role_follows_the_permission_matrix(
    fx: Fixture, platform: str
) -> None:
    world, problems, tried = fx.world, [], 0
    for name, command in COMMANDS.items():
        for role in ordered(command.allowed):
            allowed = role in command.allowed
            text = command.text(fx, allowed)
            settle = None
            if name == "export" and allowed:
                events = world.fingerprint()["auditevent"]
                settle = lambda e=events: world.fingerprint()["auditevent"] != e  # noqa: E731
            out = attempt(world, _say, world, platform, text, role, settle=settle)
            problems += judge(
                f"{platform} `{text}`", role, allowed, command.changes and allowed, out
            )
            tried += 1
    assert tried == len(COMMANDS) * len(ROLES)
    assert not problems, "\n".join(problems)


# --- buttons ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Button:
    """A button (or form) and who may press it; `target(fx, role, allowed)` -> (id, extra)."""

    target: Callable[[Fixture, str, bool], tuple[str, dict[str, Any]]]
    allowed: frozenset[str]
    changes: bool = False


def _occ(fresh: bool) -> Callable[[Fixture, str, bool], tuple[str, dict[str, Any]]]:
    return lambda fx, role, ok: (str(fx.take() if ok and fresh else fx.any_open()), {})


def _review_item(fx: Fixture, role: str, ok: bool) -> tuple[str, dict[str, Any]]:
    return str(fx.review_items.pop(0) if ok else fx.review_items[-1]), {}


def _review_page_items(fx: Fixture, role: str, ok: bool) -> tuple[str, dict[str, Any]]:
    """The first page of the review, with the items it showed (the button's value)."""
    return f"{fx.review_campaign}:0", {"value": ",".join(map(str, fx.review_items))}


def _follow_up(fx: Fixture, role: str, ok: bool) -> tuple[str, dict[str, Any]]:
    return str(fx.follow_ups.pop(0) if ok else fx.follow_ups[-1]), {}


def _rajs(kind: str) -> Callable[[Fixture, str, bool], tuple[str, dict[str, Any]]]:
    """Raj's own policy/training item: only Raj may answer it, whoever else presses."""

    def target(fx: Fixture, role: str, ok: bool) -> tuple[str, dict[str, Any]]:
        items = fx.policy_items if kind == "policy" else fx.training_items
        return str(items[fx.platform]["owner"]), {}  # type: ignore[attr-defined]

    return target


def _fixed_ref(ref: str) -> Callable[[Fixture, str, bool], tuple[str, dict[str, Any]]]:
    return lambda fx, role, ok: (ref, {})


# Reviews: only the assigned reviewer (Eve, a member) decides; §7 "only if assigned" applies
# to admins too, and auditors never decide. Follow-ups are the system owner's (Raj) or an
# admin's. Policy and training items are their person's own.
EVE_ONLY = frozenset({"member"})
REVIEW_PAGERS = frozenset({"member", "admin"})  # Eve reviews; Ana (admin) started it
BUTTONS: dict[str, Button] = {
    "occ_done": Button(_occ(fresh=True), ADMIN_OR_OWNER, True),
    "occ_attach": Button(_occ(fresh=False), ADMIN_OR_OWNER),
    "occ_snooze": Button(_occ(fresh=False), ADMIN_OR_OWNER),
    "review_keep": Button(_review_item, EVE_ONLY, True),
    "review_revoke": Button(_review_item, EVE_ONLY, True),
    # Keep all remaining on a page: what is still pending of it and the presser's (Eve's).
    "review_keep_page": Button(_review_page_items, EVE_ONLY, True),
    # Paging shows a private page: only the review's reviewer (Eve), its starter or an admin.
    "review_page": Button(lambda fx, r, ok: (f"{fx.review_campaign}:1", {}), REVIEW_PAGERS),
    "review_pending": Button(lambda fx, r, ok: (f"{fx.review_campaign}:0", {}), REVIEW_PAGERS),
    "page_more": Button(_fixed_ref(""), ALL),
    "open_link": Button(_fixed_ref(""), ALL),  # a link button's click: acknowledged, no-op
    "fu_done": Button(_follow_up, ADMIN_OR_OWNER, True),
    "camp_ack": Button(_rajs("policy"), frozenset({"owner"}), True),
    "camp_done": Button(_rajs("training"), frozenset({"owner"}), True),
    "camp_cert": Button(_rajs("training"), frozenset({"owner"})),
    "digest_details": Button(_fixed_ref(""), frozenset({"admin", "leadership"})),  # as `digest`
    # Policies (Raj's): he answers a review (an admin may, for him); Eve approves first.
    "policy_no_changes": Button(policy_target("policy_no_changes"), ADMIN_OR_OWNER, True),
    "policy_new_version": Button(policy_target("policy_new_version"), frozenset({"owner"}), True),
    "policy_approve": Button(policy_target("policy_approve"), EVE_ONLY, True),
    "policy_changes": Button(changes_target, EVE_ONLY),  # opens the comment form
}


def test_one_core_table_names_every_button_both_platforms_show() -> None:
    from bot.chat.buttons import BUTTONS as TABLE

    # Every button tested here is in the table, and every row of the table is a button tested
    # here or a form's submission: the snooze form (tested with FORMS), the comment of a
    # request for changes (tests/handlers/*/test_*policy_flow.py).
    assert set(TABLE) - {"occ_snooze_submit", "policy_changes_submit"} == set(BUTTONS)


def _slack_press(world: World, name: str, ref: str, role: str, value: str | None = None) -> Any:
    action_id = f"{name}:{ref}" if ref else name
    value = json.dumps({"t": "status", "p": 1}) if name == "page_more" else value or ref
    payload = block_action_payload(
        action_id=action_id, value=value, user_id=PEOPLE[role].slack_id, channel_id="C1"
    )
    return world.slack.interact(payload)


def _teams_press(world: World, name: str, ref: str, role: str, value: str | None = None) -> Any:
    data: dict[str, Any] = {"action_id": f"{name}:{ref}" if ref else name}
    if value:
        data["value"] = value
    if name == "page_more":
        data.update(value="status", page=1)
    return world.teams_submit(data, role)


@pytest.mark.parametrize("platform", ["slack", "teams"])
def test_every_button_by_every_role_follows_the_permission_matrix(
    fx: Fixture, platform: str
) -> None:
    world, problems = fx.world, []
    fx.platform = platform  # type: ignore[attr-defined]
    press = _slack_press if platform == "slack" else _teams_press
    for name, button in BUTTONS.items():
        for role in ordered(button.allowed):
            allowed = role in button.allowed
            ref, extra = button.target(fx, role, allowed)
            out = attempt(world, press, world, name, ref, role, extra.get("value"))
            changes = button.changes and allowed
            if name in ("occ_attach", "camp_cert") and platform == "teams" and allowed:
                changes = True  # Teams remembers that it awaits a file in this chat
            problems += judge(f"{platform} button {name}:{ref}", role, allowed, changes, out)
    assert not problems, "\n".join(problems)


# --- auditors --------------------------------------------------------------------------------


def test_an_auditor_changes_nothing_whatever_they_send(fx: Fixture) -> None:
    """Every command and button, typed and pressed by the auditor on both platforms."""
    world = fx.world
    before = world.fingerprint()
    for text in [c.text(fx, False) for c in COMMANDS.values() if c.allowed != ALL]:
        if text.startswith(("export", "sample")):
            continue  # exports and samples are the auditor's right, and are themselves recorded
        world.slack.command(text, user="UAUD")
        world.teams_say(text, "auditor")
    for platform, press in (("slack", _slack_press), ("teams", _teams_press)):
        fx.platform = platform  # type: ignore[attr-defined]
        for name, button in BUTTONS.items():
            ref, extra = button.target(fx, "auditor", False)
            press(world, name, ref, "auditor", extra.get("value"))
    slack_snooze(world, fx.any_open(), "auditor")
    teams_snooze(world, fx.any_open(), "auditor")
    slack_review_start(world, "auditor")
    teams_review_start(world, "auditor")
    time.sleep(0.3)
    assert changed(before, world.fingerprint()) == []
