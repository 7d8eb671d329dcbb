"""Access control, table-driven: every subcommand and every button, by every role, on both
platforms. Only spec §7 passes; refusals are friendly and change nothing in the database.

The tables below are the spec's permission matrix written out per command and button. Each
test walks its table in one running app (refused attempts first, then allowed ones, each on
fresh work where it changes something), collects every mismatch, and reports them together.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from sqlmodel import select

from bot.campaigns.rounds import start_policy_campaign, start_training_round
from bot.catalog.controls import assign_owner
from bot.core.actor import Actor
from bot.reviews.csv_files import parse_accounts_csv
from bot.reviews.services import decide_review_item, start_access_review
from models import CampaignItem, FollowUp, Person, Platform, utcnow
from tests.handlers.slack.signing import block_action_payload, view_submission_payload
from tests.reliability.world import PEOPLE, ROLES, World, changed

ALL = frozenset(ROLES)
NOT_AUDITOR = ALL - {"auditor"}
ADMIN_OR_OWNER = frozenset({"admin", "owner"})
REFUSED = "Sorry, "  # every PermissionDenied of bot/core/permissions.py starts so
WENT_WRONG = "something went wrong"


@dataclass
class Fixture:
    """Ids the tables need: fresh occurrences of Raj's, review items, rounds, follow-ups."""

    world: World
    fresh: list[int]
    review_items: list[int]  # assigned to Eve
    review_campaign: int
    follow_ups: list[int]  # assigned to Raj (system owner of revoked accounts)
    policy_items: dict[str, dict[str, int]]  # platform -> role -> item
    training_items: dict[str, dict[str, int]]

    def take(self) -> int:
        return self.fresh.pop(0)

    def any_open(self) -> int:
        return self.fresh[-1]  # never taken by an allowed case before the end


def actor_of(world: World, role: str) -> Actor:
    with world.db.session() as session:
        person = session.exec(select(Person).where(Person.email == PEOPLE[role].email)).one()
        return Actor.for_person(person, platform=Platform.CLI)


def seed(world: World) -> Fixture:
    """Campaigns and follow-ups made through the services, as an admin would."""
    admin, now, store = actor_of(world, "admin"), utcnow(), world.store
    accounts = "account,email,system,system_owner\n" + "".join(
        f"svc-{n},,prod,raj@acme.test\n" for n in range(8)
    )
    with world.db.transaction() as s:
        eve = s.exec(select(Person).where(Person.email == "eve@acme.test")).one()
        review = start_access_review(
            session=s, actor=admin, name="Prod access", rows=parse_accounts_csv(accounts.encode()),
            reviewer=eve, channel="C1", now=now,
        )  # fmt: skip
        done = start_access_review(
            session=s, actor=admin, name="Old access",
            rows=parse_accounts_csv(accounts.replace("svc-", "old-").encode()[:200]),
            reviewer=eve, channel="C1", now=now,
        )  # fmt: skip
        rounds = {}
        for platform in ("slack", "teams"):
            policy = start_policy_campaign(
                session=s, actor=admin, title=f"Acceptable use {platform}", version="1",
                now=now, link="https://intranet.acme.test/aup",
            )  # fmt: skip
            training = start_training_round(
                session=s, actor=admin, title=f"Security training {platform}", now=now
            )
            rounds[platform] = (policy.campaign.id, training.campaign.id)
        review_id, done_id = review.id or 0, done.id or 0
    eve_actor = actor_of(world, "member")
    with world.db.session() as s:
        old_items = s.exec(select(CampaignItem.id).where(CampaignItem.campaign_id == done_id))
        old_items = [int(i or 0) for i in old_items]
    for item in old_items:  # every old account revoked: one follow-up each, for Raj
        with world.db.transaction() as s:
            decide_review_item(
                session=s, actor=eve_actor, item_id=item, decision="revoke", now=now, store=store
            )
    with world.db.session() as s:
        items = s.exec(select(CampaignItem.id).where(CampaignItem.campaign_id == review_id))
        follow_ups = s.exec(select(FollowUp.id).order_by(FollowUp.id))  # type: ignore[arg-type]
        fixture = Fixture(
            world, world.open_occurrences("owner"), [int(i or 0) for i in items], review_id,
            [int(f or 0) for f in follow_ups], {}, {},
        )  # fmt: skip
        for platform, (policy_id, training_id) in rounds.items():
            for target, campaign_id in (
                (fixture.policy_items, policy_id),
                (fixture.training_items, training_id),
            ):
                rows = s.exec(select(CampaignItem).where(CampaignItem.campaign_id == campaign_id))
                by_person = {r.person_id: int(r.id or 0) for r in rows}
                target[platform] = {
                    role: by_person[world.person_id(role)]
                    for role in ROLES
                    if world.person_id(role) in by_person
                }
    assert len(fixture.fresh) >= 14 and len(fixture.follow_ups) >= 4, fixture
    world.fake.clear()
    world.connector.clear()
    return fixture


@pytest.fixture
def fx(make_world: Callable[..., World]) -> Fixture:
    return seed(make_world(extra_tasks=12))


# --- running one attempt and judging it ------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    status: int
    said: str  # everything the bot told the person, as one string
    changes: list[str]  # state tables that changed


def attempt(
    world: World, send: Callable[..., Any], *args: Any, settle: Callable[[], bool] | None = None
) -> Outcome:
    """Send one request (`send(*args)`), wait for background work, and see what changed."""
    world.fake.clear()
    world.connector.clear()
    before = world.fingerprint()
    response = send(*args)
    body = response.text if hasattr(response, "text") else ""
    deadline = time.monotonic() + 5
    while settle is not None and not settle() and time.monotonic() < deadline:
        time.sleep(0.05)
    said = body + world.slack_texts() + world.teams_texts()
    return Outcome(response.status_code, said, changed(before, world.fingerprint()))


def judge(what: str, role: str, allowed: bool, changes: bool, out: Outcome) -> list[str]:
    """Mismatches between what happened and what the matrix says."""
    problems = []
    if out.status >= 500:
        problems.append(f"{what} by {role}: HTTP {out.status}")
    if WENT_WRONG in out.said:
        problems.append(f"{what} by {role}: an unexpected error reached the person")
    if allowed:
        if REFUSED in out.said:
            problems.append(f"{what} by {role}: refused but §7 allows it")
        if changes and not out.changes:
            problems.append(f"{what} by {role}: allowed, yet nothing was recorded")
        if not changes and out.changes:
            problems.append(f"{what} by {role}: a read-only action changed {out.changes}")
    else:
        if REFUSED not in out.said and "your own account" not in out.said:
            problems.append(f"{what} by {role}: no friendly refusal (said {out.said[-300:]!r})")
        if out.changes:
            problems.append(f"{what} by {role}: refused, yet {out.changes} changed")
    return problems


# --- subcommands -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Command:
    text: Callable[[Fixture, bool], str]  # (fixture, allowed) -> command text
    allowed: frozenset[str]
    changes: bool = False


def _fixed(text: str) -> Callable[[Fixture, bool], str]:
    return lambda fx, allowed: text


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
}


def test_the_command_table_names_every_subcommand() -> None:
    from bot.chat.usage import USAGE

    assert set(COMMANDS) == set(USAGE)


def _say(world: World, platform: str, text: str, role: str) -> Any:
    if platform == "slack":
        return world.slack.command(text, user=PEOPLE[role].slack_id)
    return world.teams_say(text, role)


def _ordered(allowed: frozenset[str]) -> list[str]:
    """Refused roles first, so an allowed change can never be mistaken for a refused one's."""
    return sorted(ROLES, key=lambda r: (r in allowed, r))


@pytest.mark.parametrize("platform", ["slack", "teams"])
def test_every_subcommand_by_every_role_follows_the_permission_matrix(
    fx: Fixture, platform: str
) -> None:
    world, problems, tried = fx.world, [], 0
    for name, command in COMMANDS.items():
        for role in _ordered(command.allowed):
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
    # Paging redraws the message: only the review's reviewer (Eve), its starter or an admin.
    "review_page": Button(lambda fx, r, ok: (f"{fx.review_campaign}:1", {}), REVIEW_PAGERS),
    "page_more": Button(_fixed_ref(""), ALL),
    "fu_done": Button(_follow_up, ADMIN_OR_OWNER, True),
    "camp_ack": Button(_rajs("policy"), frozenset({"owner"}), True),
    "camp_done": Button(_rajs("training"), frozenset({"owner"}), True),
    "camp_cert": Button(_rajs("training"), frozenset({"owner"})),
}
# Forms submitted from a button: Slack modals (view_submission), Teams Action.Submit cards.
FORMS = {
    "snooze": frozenset(ADMIN_OR_OWNER),
    # Start a campaign: admins, and the owner of the control it is for (Raj, CC6.1-AR).
    "review_start": frozenset(ADMIN_OR_OWNER),
}


def test_one_core_table_names_every_button_both_platforms_show() -> None:
    from bot.chat.buttons import BUTTONS as TABLE

    # Every button tested here is in the table, and every row of the table is a button tested
    # here or the snooze form's submission (tested with FORMS).
    assert set(TABLE) - {"occ_snooze_submit"} == set(BUTTONS)


def _slack_press(world: World, name: str, ref: str, role: str) -> Any:
    action_id = f"{name}:{ref}" if ref else name
    value = json.dumps({"t": "status", "p": 1}) if name == "page_more" else ref
    payload = block_action_payload(
        action_id=action_id, value=value, user_id=PEOPLE[role].slack_id, channel_id="C1"
    )
    return world.slack.interact(payload)


def _teams_press(world: World, name: str, ref: str, role: str) -> Any:
    data: dict[str, Any] = {"action_id": f"{name}:{ref}" if ref else name}
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
        for role in _ordered(button.allowed):
            allowed = role in button.allowed
            ref, _ = button.target(fx, role, allowed)
            out = attempt(world, press, world, name, ref, role)
            changes = button.changes and allowed
            if name in ("occ_attach", "camp_cert") and platform == "teams" and allowed:
                changes = True  # Teams remembers that it awaits a file in this chat
            problems += judge(f"{platform} button {name}:{ref}", role, allowed, changes, out)
    assert not problems, "\n".join(problems)


def _slack_snooze(world: World, occurrence: int, role: str) -> Any:
    values = {
        "snooze_days": {"days": {"type": "static_select", "selected_option": {"value": "3"}}},
        "snooze_reason": {"reason": {"type": "plain_text_input", "value": "waiting on vendor"}},
    }
    payload = view_submission_payload(
        callback_id="snooze_submit", values=values,
        private_metadata=json.dumps({"occ": occurrence}), user_id=PEOPLE[role].slack_id,
    )  # fmt: skip
    return world.slack.interact(payload)


def _teams_snooze(world: World, occurrence: int, role: str) -> Any:
    data = {"action_id": f"occ_snooze_submit:{occurrence}", "snooze_days": "3",
            "snooze_reason": "waiting on vendor"}  # fmt: skip
    return world.teams_submit(data, role)


CSV = b"account,email,system,system_owner\nsvc-a,,prod,raj@acme.test\nsvc-b,,prod,\n"


def _slack_review_start(world: World, role: str) -> Any:
    file = world.fake.add_file(CSV, name="accounts.csv", mimetype="text/csv")
    values = {
        "review_name": {"name": {"type": "plain_text_input", "value": f"Review by {role}"}},
        "review_channel": {"channel": {"type": "conversations_select",
                                       "selected_conversation": "C1"}},
        "review_reviewer": {"reviewer": {"type": "users_select", "selected_user": "UEVE"}},
        "review_control": {"control": {"type": "plain_text_input", "value": "CC6.1-AR"}},
        "review_csv": {"csv": {"type": "file_input", "files": [file]}},
    }  # fmt: skip
    payload = view_submission_payload(
        callback_id="review_start_submit", values=values, user_id=PEOPLE[role].slack_id
    )
    return world.slack.interact(payload)


def _teams_review_start(world: World, role: str) -> Any:
    data = {"action_id": "review_start", "review_name": f"Review by {role}",
            "review_reviewer": "eve@acme.test", "review_control": "CC6.1-AR",
            "review_csv": CSV.decode()}  # fmt: skip
    return world.teams_submit(data, role)


@pytest.mark.parametrize("platform", ["slack", "teams"])
def test_every_form_submission_by_every_role_follows_the_permission_matrix(
    fx: Fixture, platform: str
) -> None:
    world, problems = fx.world, []
    snooze = _slack_snooze if platform == "slack" else _teams_snooze
    start = _slack_review_start if platform == "slack" else _teams_review_start
    for role in _ordered(FORMS["snooze"]):
        allowed = role in FORMS["snooze"]
        occurrence = fx.take() if allowed else fx.any_open()
        out = attempt(world, snooze, world, occurrence, role)
        problems += judge(f"{platform} snooze form #{occurrence}", role, allowed, allowed, out)
    for role in _ordered(FORMS["review_start"]):
        allowed = role in FORMS["review_start"]
        out = attempt(world, start, world, role)
        problems += judge(f"{platform} review start form", role, allowed, allowed, out)
    assert not problems, "\n".join(problems)


def test_slack_evidence_modal_stores_files_only_for_admin_or_owner(fx: Fixture) -> None:
    world, problems = fx.world, []
    pdf = b"%PDF-1.7\n" + b"restore test passed\n" * 20
    for role in _ordered(ADMIN_OR_OWNER):
        allowed = role in ADMIN_OR_OWNER
        occurrence = fx.take() if allowed else fx.any_open()
        file = world.fake.add_file(pdf + role.encode(), name=f"{role}.pdf")
        values = {"evidence_files": {"files": {"type": "file_input", "files": [file]}}}
        payload = view_submission_payload(
            callback_id="evidence_submit", values=values,
            private_metadata=json.dumps({"occurrence": occurrence}),
            user_id=PEOPLE[role].slack_id,
        )  # fmt: skip
        settle = lambda: bool(world.fake.calls_to("chat.postMessage"))  # noqa: E731
        out = attempt(world, world.slack.interact, payload, settle=settle)
        problems += judge(f"slack evidence modal #{occurrence}", role, allowed, allowed, out)
        if not allowed and world.fake.downloads:
            problems.append(f"evidence modal by {role}: the file was downloaded before refusing")
    assert not problems, "\n".join(problems)


# --- ids in buttons are checked against the clicker, never trusted ----------------------------


def _eves_work(world: World) -> list[int]:
    with world.db.transaction() as s:
        eve = s.exec(select(Person).where(Person.email == "eve@acme.test")).one()
        assign_owner(session=s, actor=actor_of(world, "admin"), key="CC7.1-VULN", person=eve)
    return world.open_occurrences("member")


@pytest.mark.parametrize("platform", ["slack", "teams"])
def test_a_member_who_edits_a_button_to_point_at_someone_elses_work_is_refused(
    fx: Fixture, platform: str
) -> None:
    world = fx.world
    own, rajs = _eves_work(world)[0], fx.any_open()
    edits = [  # Eve's own button, with the occurrence id changed in every place it appears
        ("occ_done", rajs, own),
        ("occ_attach", rajs, own),
        ("occ_snooze", rajs, own),
        ("occ_done", rajs, rajs),
    ]
    for name, in_id, in_value in edits:
        if platform == "slack":
            payload = block_action_payload(
                action_id=f"{name}:{in_id}", value=str(in_value), user_id="UEVE"
            )
            out = attempt(world, world.slack.interact, payload)
        else:
            data = {"action_id": f"{name}:{in_id}", "value": str(in_value)}
            out = attempt(world, world.teams_submit, data, "member")
        assert not judge(f"{name}:{in_id}", "member", False, False, out), out
    # page_more runs its text as the clicker: a forged `skip` in it is still refused
    forged = f"skip #{rajs} forged by a button"
    if platform == "slack":
        payload = block_action_payload(
            action_id="page_more", value=json.dumps({"t": forged, "p": 0}), user_id="UEVE"
        )
        out = attempt(world, world.slack.interact, payload)
    else:
        data = {"action_id": "page_more", "value": forged, "page": 0}
        out = attempt(world, world.teams_submit, data, "member")
    assert not judge("page_more(skip)", "member", False, False, out), out
    # and the unedited button works for her (her task takes a file: Snooze opens its form)
    if platform == "slack":
        payload = block_action_payload(
            action_id=f"occ_snooze:{own}", value=str(own), user_id="UEVE"
        )
        out = attempt(world, world.slack.interact, payload)
        assert world.fake.calls_to("views.open"), out
    else:
        data = {"action_id": f"occ_snooze:{own}"}
        out = attempt(world, world.teams_submit, data, "member")
        assert "Snooze #" in out.said, out
    assert not judge(f"occ_snooze:{own}", "member", True, False, out), out


def test_an_auditor_changes_nothing_whatever_they_send(fx: Fixture) -> None:
    """Every command and button, typed and pressed by the auditor on both platforms."""
    world = fx.world
    before = world.fingerprint()
    for text in [c.text(fx, False) for c in COMMANDS.values() if c.allowed != ALL]:
        if text.startswith("export"):
            continue  # an export is the auditor's right, and is itself recorded
        world.slack.command(text, user="UAUD")
        world.teams_say(text, "auditor")
    for platform, press in (("slack", _slack_press), ("teams", _teams_press)):
        fx.platform = platform  # type: ignore[attr-defined]
        for name, button in BUTTONS.items():
            ref, _ = button.target(fx, "auditor", False)
            press(world, name, ref, "auditor")
    _slack_snooze(world, fx.any_open(), "auditor")
    _teams_snooze(world, fx.any_open(), "auditor")
    _slack_review_start(world, "auditor")
    _teams_review_start(world, "auditor")
    time.sleep(0.3)
    assert changed(before, world.fingerprint()) == []
