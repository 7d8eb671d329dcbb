"""Gallery kinds of policies (issue 17): the owner's review, the approvers' turns, the registry.

The policies are registered by the catalog sync (the demo's own catalog plus `policies:`),
once, the first time a kind needs them; then, through the services, the information security
policy's new version is approved by both approvers and published (its acknowledgement round
starts, and some accept), the acceptable use policy's new version waits for its first approver,
and the access control policy's review waits for its owner.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

import yaml
from sqlmodel import col, select

from bot.catalog.bootstrap import apply_catalog
from bot.catalog.validate import validate_catalog_text
from bot.core.actor import Actor
from bot.core.payload import message_from_payload
from bot.demo.company import DOMAIN, demo_catalog, email
from bot.demo.replay import HORIZON_DAYS
from bot.policies.approvals import decide_version
from bot.policies.messages import APPROVE_ACTION, CHANGES_SUBMIT_ACTION
from bot.policies.notices import queue_policy_reviews
from bot.policies.services import submit_version
from docs.gallery.world import Shown, World
from models import CampaignItem, OutboxMessage, PolicyVersion

# id, title, owner, approvers in order, the control it supports, the catalog's version (the
# demo's hand-started rounds are of these versions: the registry takes them as its own).
POLICIES = (
    ("information-security", "Information Security Policy", "Marcus Chen",
     ("Priya Raman", "Elena Morales"), "CC5.3-ISP", "3.1"),
    ("acceptable-use", "Acceptable Use Policy", "Oliver Hughes",
     ("David Okafor", "Priya Raman"), "CC5.3-AUP", "2026.1"),
    ("access-control", "Access Control Policy", "Aisha Patel", ("Marcus Chen",),
     "CC6.1-ACCESSPOL", "1.2"),
)  # fmt: skip
REGISTERED = 60  # days ago: when the catalog's policies were registered
ACCEPTING = 13  # people who accepted the published information security policy
NOTE = "Adds the rules for AI assistants and for personal devices."
CHANGES = "Section 4 still allows personal USB drives; the laptop standard forbids them."


@dataclass(frozen=True)
class Policies:
    """What the policy kinds name: the version in approval, and who decides it."""

    submitted: int  # the acceptable use policy's new version, awaiting David then Priya
    first: str  # its approvers' handles, in order
    second: str


def _handle(name: str) -> str:
    return email(name).split("@", 1)[0]


def _document(key: str, version: str) -> dict[str, str]:
    digest = hashlib.sha256(f"{key} {version}".encode()).hexdigest()
    return {"link": f"https://intranet.{DOMAIN}/policies/{key}", "sha256": digest}


def _catalog(world: World) -> dict[str, Any]:
    """The demo's catalog, as it was loaded, with the policies it lacks."""
    data = demo_catalog(world.now)
    data["policies"] = [
        {"id": key, "title": title, "owner": email(owner), "approvers": [email(a) for a in ok],
         "document": _document(key, version), "version": version, "audience": "all",
         "controls": [control]}
        for key, title, owner, ok, control, version in POLICIES
    ]  # fmt: skip
    return data


def _days_ago(world: World, days: int) -> dt.datetime:
    return world.now - dt.timedelta(days=days)


def policies(world: World) -> Policies:
    """Register the policies and bring them where the kinds show them (once per world)."""
    made = world.made.get("policies")
    if isinstance(made, Policies):
        return made
    spec = validate_catalog_text(yaml.safe_dump(_catalog(world), sort_keys=False))
    apply_catalog(
        world.db, spec, actor=Actor.cli(), now=world.now, horizon_days=HORIZON_DAYS,
        accept_overdue=True, store=world.runtime.store,
    )  # fmt: skip
    with world.db.transaction() as session:
        # The sync stamps the versions it registers with the wall clock: pinned to a day
        # before the new versions came, the gallery comes out the same on every run.
        registered = select(PolicyVersion).where(col(PolicyVersion.submitted_by_id).is_(None))
        for row in session.exec(registered).all():
            row.submitted_at = row.published_at = _days_ago(world, REGISTERED)
            session.add(row)
    campaign = _publish(world, "information-security", "4.0", "Marcus Chen")
    with world.db.session() as session:
        asked = set(
            session.exec(select(CampaignItem.person_id).where(CampaignItem.campaign_id == campaign))
        )
    enrolled = [h for h, a in world.people.items() if a.person_id in asked and world.linked[h]]
    for handle in sorted(enrolled)[:ACCEPTING]:
        world.press(f"camp_ack:{world.item(campaign, handle)}", handle)
    submitted = _submit(world, "acceptable-use", "2026.2", "Oliver Hughes", 0, NOTE)
    _, _, _, approvers, _, _ = POLICIES[1]
    made = Policies(submitted, _handle(approvers[0]), _handle(approvers[1]))
    world.made["policies"] = made
    return made


def _submit(
    world: World, key: str, version: str, owner: str, days: int, note: str | None = None
) -> int:
    """The owner sends a new version (a link and its hash) `days` ago: to the first approver."""
    with world.db.transaction() as session:
        row = submit_version(
            session=session, actor=world.actor(_handle(owner)), policy_key=key, version=version,
            now=_days_ago(world, days), note=note, **_document(key, version),
        )  # fmt: skip
        return row.id or 0


def _publish(world: World, key: str, version: str, owner: str) -> int:
    """A new version sent 9 days ago, approved by each approver in turn a few days apart, and
    so published; its round's id."""
    version_id = _submit(world, key, version, owner, 9)
    approvers = next(ok for k, _, _, ok, _, _ in POLICIES if k == key)
    campaign = None
    for step, name in enumerate(approvers):
        with world.db.transaction() as session:
            decided = decide_version(
                session=session, actor=world.actor(_handle(name)), version_id=version_id,
                approve=True, now=_days_ago(world, 8 - 2 * step),
            )  # fmt: skip
            campaign = decided.campaign_id
    assert campaign is not None, f"{key} {version} was not published"
    return campaign


def _queued(world: World, key: str) -> Shown:
    """The newest DM queued under an outbox key starting with `key`, as the outbox sends it."""
    with world.db.session() as session:
        row = session.exec(
            select(OutboxMessage)
            .where(col(OutboxMessage.idempotency_key).startswith(key))
            .order_by(col(OutboxMessage.id).desc())
        ).first()
    assert row is not None, f"nothing queued under {key}"
    return Shown(message_from_payload(row.payload))


def approval_card(world: World) -> Shown:
    """The first approver's DM: the version, its document and hash, Approve / Request changes."""
    return _queued(world, f"policy:{policies(world).submitted}:step1:")


def review_card(world: World) -> Shown:
    """The owner's DM when the policy's yearly review opens: No changes, or New version."""
    policies(world)
    with world.db.transaction() as session:
        queue_policy_reviews(session=session, now=world.now)
    return _queued(world, "policy-review:")


def listed(world: World) -> Shown:
    """`policies`: every policy with its version, state and acceptance."""
    policies(world)
    return world.command("policies")


def detail(world: World) -> Shown:
    """`policy information-security`: document, versions with approvals, who has not accepted."""
    policies(world)
    return world.command("policy information-security")


def approved(world: World) -> Shown:
    """What the first approver is told after Approve."""
    made = policies(world)
    return world.reply(f"{APPROVE_ACTION}:{made.submitted}", made.first)


def changes_requested(world: World) -> Shown:
    """What the second approver is told after Request changes (their comment submitted)."""
    made = policies(world)
    approved(world)  # the second approver's turn comes after the first approved
    action = f"{CHANGES_SUBMIT_ACTION}:{made.submitted}"
    return world.reply(action, made.second, comment=CHANGES)


def changes_to_owner(world: World) -> Shown:
    """The owner's DM after an approver asked for changes, with their comment."""
    made = policies(world)
    changes_requested(world)
    return _queued(world, f"policy:{made.submitted}:changes:")
