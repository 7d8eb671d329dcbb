"""Access control, table-driven: the seeded world, and one attempt sent and judged by §7."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import select

from bot.campaigns.rounds import start_policy_campaign, start_training_round
from bot.core.actor import Actor
from bot.reviews.csv_files import parse_accounts_csv
from bot.reviews.services import decide_review_item, start_access_review
from models import CampaignItem, FollowUp, Person, Platform, utcnow
from tests.handlers.slack.signing import view_submission_payload
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
    # platform -> policy button -> policy (or version) ids: tests/reliability/policy_matrix.py
    policies: dict[str, dict[str, list[int]]] = field(default_factory=dict)

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


def ordered(allowed: frozenset[str]) -> list[str]:
    """Refused roles first, so an allowed change can never be mistaken for a refused one's."""
    return sorted(ROLES, key=lambda r: (r in allowed, r))


# --- forms --------------------------------------------------------------------------------


def slack_snooze(world: World, occurrence: int, role: str) -> Any:
    values = {
        "snooze_days": {"days": {"type": "static_select", "selected_option": {"value": "3"}}},
        "snooze_reason": {"reason": {"type": "plain_text_input", "value": "waiting on vendor"}},
    }
    payload = view_submission_payload(
        callback_id="snooze_submit", values=values,
        private_metadata=json.dumps({"occ": occurrence}), user_id=PEOPLE[role].slack_id,
    )  # fmt: skip
    return world.slack.interact(payload)


def teams_snooze(world: World, occurrence: int, role: str) -> Any:
    data = {"action_id": f"occ_snooze_submit:{occurrence}", "snooze_days": "3",
            "snooze_reason": "waiting on vendor"}  # fmt: skip
    return world.teams_submit(data, role)


CSV = b"account,email,system,system_owner\nsvc-a,,prod,raj@acme.test\nsvc-b,,prod,\n"


def slack_review_start(world: World, role: str) -> Any:
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


def teams_review_start(world: World, role: str) -> Any:
    data = {"action_id": "review_start", "review_name": f"Review by {role}",
            "review_reviewer": "eve@acme.test", "review_control": "CC6.1-AR",
            "review_csv": CSV.decode()}  # fmt: skip
    return world.teams_submit(data, role)
