"""Policies for the access-control tables: per platform, reviews to answer, versions to decide.

Raj (the `owner` role) owns each policy; Eve (`member`) approves first, Lee (`leadership`)
second. Allowed presses take fresh ids; refused ones use the last (never taken before them).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from bot.core.actor import Actor
from bot.policies.services import submit_version
from models import utcnow
from tests.bot.policies.policy_support import open_review_now, register_policy
from tests.reliability.access_matrix import Fixture, actor_of

PLATFORMS = ("slack", "teams")
# Button → how many policies it needs per platform (allowed presses that change something).
_NEEDS = {"policy_no_changes": 2, "policy_new_version": 1, "policy_approve": 2}
Target = Callable[[Fixture, str, bool], tuple[str, dict[str, Any]]]


def seed_policies(fx: Fixture) -> None:
    """Register the policies the buttons' rows press, each with its review open."""
    world, now = fx.world, utcnow()
    raj = actor_of(world, "owner")
    eve, lee = world.person_id("member"), world.person_id("leadership")
    for platform in PLATFORMS:
        for button, count in _NEEDS.items():
            ids = []
            for n in range(count):
                key = f"{platform}-{button.removeprefix('policy_')}-{n}".replace("_", "-")
                with world.db.transaction() as session:
                    policy = register_policy(
                        session, owner=raj.person_id or 0, approvers=[eve, lee], key=key,
                        title=f"Policy {key}", control=f"POL-{key}".upper(),
                    )  # fmt: skip
                    open_review_now(session, policy, now)
                    ids.append(policy.id or 0)
                    if button == "policy_approve":  # a version waiting for Eve's approval
                        ids[-1] = _submitted(session, raj, key, now)
            fx.policies.setdefault(platform, {})[button] = ids
    world.fake.clear()
    world.connector.clear()


def _submitted(session: Any, owner: Actor, key: str, now: Any) -> int:
    row = submit_version(
        session=session, actor=owner, policy_key=key, version="1.1", now=now,
        link=f"https://intranet.acme.test/{key}", sha256=hashlib.sha256(key.encode()).hexdigest(),
    )  # fmt: skip
    return row.id or 0


def policy_target(button: str) -> Target:
    """A fresh policy (or version) for an allowed press, the last one for a refused press."""

    def target(fx: Fixture, role: str, ok: bool) -> tuple[str, dict[str, Any]]:
        ids = fx.policies[fx.platform][button]  # type: ignore[attr-defined]
        if ok and button in ("policy_no_changes", "policy_approve"):
            return str(ids.pop(0)), {}
        return str(ids[-1]), {}

    return target


def changes_target(fx: Fixture, role: str, ok: bool) -> tuple[str, dict[str, Any]]:
    """Request changes opens a form only: any version waiting for Eve will do."""
    return str(fx.policies[fx.platform]["policy_approve"][-1]), {}  # type: ignore[attr-defined]
