"""Catalog sync of `policies:`: the registry rows and each policy's review task."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from sqlmodel import Session, col, select

from bot.catalog.policies import review_months, review_task_key
from bot.catalog.schema import PolicySpec, TaskSpec
from models import Control, Person, Policy, Task, utcnow

# A review cycle that is a shorthand keeps the shorthand's calendar-aligned periods and keys.
_SHORTHANDS = {12: "annual", 6: "semiannual", 3: "quarterly", 1: "monthly"}
REVIEW_DUE = "30d"


class SyncContext(Protocol):
    """The part of the catalog sync's context a policy needs."""

    session: Session

    def log(self, action: str, subject_type: str, subject_id: str, **details: Any) -> None: ...


Ctx = TypeVar("Ctx", bound=SyncContext)


def review_schedule(cycle: str) -> str:
    """The review task's schedule for a cycle: `12m` → `annual`, `18m` → a monthly RRULE."""
    months = review_months(cycle)
    return _SHORTHANDS.get(months) or f"RRULE:FREQ=MONTHLY;INTERVAL={months};BYMONTHDAY=1"


def sync_policies(
    ctx: Ctx, specs: list[PolicySpec], sync_task: Callable[[Ctx, Control, TaskSpec], None]
) -> set[str]:
    """Upsert every policy and its review task (through the catalog's `sync_task`); retire
    the policies the catalog no longer names. Returns the review tasks' keys.

    The documents' versions are registered next (`policy_versions`), with the evidence store.
    """
    for spec in specs:
        _sync_policy(ctx, spec, sync_task)
    keys = {spec.id.lower() for spec in specs}
    active = ctx.session.exec(select(Policy).where(col(Policy.retired_at).is_(None))).all()
    for policy in active:
        if policy.key not in keys:
            # Its versions and approvals stay; the review task is retired with the tasks.
            policy.retired_at = utcnow()
            ctx.log("policy.retired", "policy", policy.key, reason="removed from catalog")
    return {review_task_key(spec.id) for spec in specs}


def _sync_policy(
    ctx: Ctx, spec: PolicySpec, sync_task: Callable[[Ctx, Control, TaskSpec], None]
) -> None:
    session, key = ctx.session, spec.id.lower()
    control = session.exec(select(Control).where(Control.key == spec.controls[0].upper())).one()
    sync_task(ctx, control, _review_task(spec))
    task = session.exec(select(Task).where(Task.key == review_task_key(key))).one()
    ids = _person_ids(session, [spec.owner, *spec.approvers])
    wanted: dict[str, Any] = {
        "title": spec.title,
        "owner_id": ids[spec.owner],
        "approver_ids": [ids[email] for email in spec.approvers],
        "review_cycle": f"{review_months(spec.review)}m",
        "audience": spec.audience,
        "control_keys": [c.upper() for c in spec.controls],
        "task_id": task.id,
        "retired_at": None,
    }
    policy = session.exec(select(Policy).where(Policy.key == key)).first()
    if policy is None:
        policy = Policy(key=key, **wanted)
        session.add(policy)
        session.flush()
        shown = _shown(session, wanted)
        ctx.log("policy.registered", "policy", key, **shown, review_task=task.key)
    elif changes := _apply(session, policy, wanted):
        policy.updated_at = utcnow()
        ctx.log("policy.updated", "policy", key, changes=changes)


def _review_task(spec: PolicySpec) -> TaskSpec:
    return TaskSpec(
        id=review_task_key(spec.id),
        title=f"Review {spec.title}"[:200],
        kind="policy_review",
        schedule=review_schedule(spec.review),
        due=REVIEW_DUE,
        evidence="any",
        assignee=spec.owner,
    )


def _person_ids(session: Session, emails: list[str]) -> dict[str, int]:
    people = session.exec(select(Person).where(col(Person.email).in_(emails))).all()
    return {p.email: p.id for p in people if p.id is not None}


def _emails(session: Session, ids: list[int]) -> list[str]:
    people = session.exec(select(Person).where(col(Person.id).in_(ids))).all()
    email = {p.id: p.email for p in people}
    return [email.get(i, f"#{i}") for i in ids]


def _shown(session: Session, fields: dict[str, Any]) -> dict[str, Any]:
    """Fields as an auditor reads them: people by email, not by row id."""
    hidden = ("owner_id", "approver_ids", "task_id", "retired_at")
    shown = {k: v for k, v in fields.items() if k not in hidden}
    shown["owner"] = _emails(session, [fields["owner_id"]])[0]
    shown["approvers"] = _emails(session, fields["approver_ids"])
    return shown


def _apply(session: Session, policy: Policy, wanted: dict[str, Any]) -> dict[str, list[Any]]:
    changes: dict[str, list[Any]] = {}
    for name, value in wanted.items():
        old = getattr(policy, name)
        if old == value:
            continue
        setattr(policy, name, value)
        if name == "owner_id":
            changes["owner"] = [*_emails(session, [old]), *_emails(session, [value])]
        elif name == "approver_ids":
            changes["approvers"] = [_emails(session, old), _emails(session, value)]
        else:
            changes[name] = [_plain(old), _plain(value)]
    return changes


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.datetime) else value
