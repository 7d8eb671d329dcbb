"""Checks of the catalog's `policies:`: ids, owner and approvers (with SoD), cycle, audience."""

from __future__ import annotations

import re
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any

from bot.catalog.schema import EMAIL_PATTERN
from bot.catalog.source import Loc
from bot.core.errors import InvalidInput
from bot.core.recurrence import parse_duration

Problems = list[tuple[Loc, str]]
# A policy's review is the task `policy-<id>`, and a task key holds at most 64 characters.
TASK_PREFIX = "policy-"
MAX_POLICY_ID = 64 - len(TASK_PREFIX)
# The campaigns' --group grammar (bot.campaigns.groups), which sits above the catalog.
AUDIENCE_ROLES = ("admin", "member", "leadership")
_AUDIENCE_HINT = "use all, role:<role>, department:<name> or manager:<email> (their team)"


def review_task_key(policy_id: str) -> str:
    """The key of the task that carries a policy's periodic review."""
    return f"{TASK_PREFIX}{policy_id.lower()}"


def review_months(cycle: str) -> int:
    """The review cycle in whole months (`12m` → 12); `InvalidInput` for any other cycle."""
    duration = parse_duration(cycle)
    if duration.unit != "m" or duration.amount < 1:
        # A review falls in calendar periods; days or weeks would not map to one.
        raise InvalidInput(
            f"review cycle '{duration}' must be a whole number of months, e.g. 12m or 6m"
        )
    return duration.amount


def check_policies(
    data: dict[str, Any], emails: set[str], auditors: set[str], errors: Problems
) -> None:
    """Add the errors of every entry of `policies:` to `errors`."""
    controls = _list(data.get("controls"))
    control_ids = {str(c.get("id", "")).upper() for c in controls if isinstance(c, dict)}
    task_ids = {
        str(t.get("id", "")).lower()
        for c in controls
        if isinstance(c, dict)
        for t in _list(c.get("tasks"))
        if isinstance(t, dict)
    }
    seen: set[str] = set()
    for i, policy in enumerate(_list(data.get("policies"))):
        if isinstance(policy, dict):
            loc: Loc = ("policies", i)
            _check_id(policy.get("id"), (*loc, "id"), seen, task_ids, errors)
            _check_people(policy, loc, emails, auditors, errors)
            _check_cycle(policy.get("review"), (*loc, "review"), errors)
            _check_audience(policy.get("audience"), (*loc, "audience"), emails, errors)
            for j, control in enumerate(_list(policy.get("controls"))):
                if isinstance(control, str) and control.upper() not in control_ids:
                    problem = f"unknown control {control!r} (not in controls)"
                    errors.append(((*loc, "controls", j), problem))
            _check_document(policy.get("document"), (*loc, "document"), errors)


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _check_id(value: Any, loc: Loc, seen: set[str], task_ids: set[str], errors: Problems) -> None:
    if not isinstance(value, str):
        return  # the structural check reports a missing or mistyped id
    key = value.strip().lower()
    if key in seen:
        errors.append((loc, f"duplicate policy id {value!r}"))
    seen.add(key)
    if len(key) > MAX_POLICY_ID:
        problem = f"policy id {value!r} is longer than {MAX_POLICY_ID} characters"
        errors.append((loc, f"{problem} (its review task is {TASK_PREFIX}<id>)"))
    elif review_task_key(key) in task_ids:
        problem = f"a task already has the id {review_task_key(key)!r}, which this policy's review"
        errors.append((loc, f"{problem} task takes; rename that task"))


def _check_people(
    policy: dict[str, Any], loc: Loc, emails: set[str], auditors: set[str], errors: Problems
) -> None:
    raw = policy.get("owner")
    owner = raw.strip().lower() if isinstance(raw, str) else None
    if owner is not None and "@" in owner:
        if owner not in emails:
            errors.append(((*loc, "owner"), f"unknown owner email {owner} (not in people)"))
        elif owner in auditors:
            why = f"{owner} is an auditor (read-only); auditors cannot own policies"
            errors.append(((*loc, "owner"), why))
    seen: set[str] = set()
    for j, value in enumerate(_list(policy.get("approvers"))):
        if isinstance(value, str):
            email = value.strip().lower()
            if found := _approver_problem(email, owner, seen, emails, auditors):
                errors.append(((*loc, "approvers", j), found))
            seen.add(email)


def _approver_problem(
    email: str, owner: str | None, seen: set[str], emails: set[str], auditors: set[str]
) -> str | None:
    if re.fullmatch(EMAIL_PATTERN, email) is None:
        return f"{email!r} is not an email address"
    if email == owner:
        why = "a policy's owner does not approve it (segregation of duties)"
        return f"{email} owns this policy; {why}"
    if email in seen:
        return f"{email} is listed twice; each approver approves once"
    if email not in emails:
        return f"unknown approver email {email} (not in people)"
    if email in auditors:
        return f"{email} is an auditor (read-only); auditors cannot approve policies"
    return None


def _check_cycle(value: Any, loc: Loc, errors: Problems) -> None:
    if not isinstance(value, str):
        return
    try:
        review_months(value)
    except InvalidInput as exc:
        errors.append((loc, exc.message))


def _check_audience(value: Any, loc: Loc, emails: set[str], errors: Problems) -> None:
    if not isinstance(value, str):
        return
    kind, colon, rest = value.strip().partition(":")
    rest = rest.strip()
    if kind == "all" and not colon:
        return
    if kind == "role" and rest.lower() not in AUDIENCE_ROLES:
        roles = ", ".join(AUDIENCE_ROLES)
        errors.append((loc, f"unknown role {rest!r} in audience {value!r}: use {roles}"))
    elif kind == "department" and not rest:
        errors.append((loc, f"audience {value!r} names no department: {_AUDIENCE_HINT}"))
    elif kind == "manager" and re.fullmatch(EMAIL_PATTERN, rest) is None:
        errors.append((loc, f"audience {value!r} needs a manager's email: {_AUDIENCE_HINT}"))
    elif kind == "manager" and rest.lower() not in emails:
        errors.append((loc, f"unknown manager email {rest} in the audience (not in people)"))
    elif kind not in ("role", "department", "manager"):
        errors.append((loc, f"unknown audience {value!r}: {_AUDIENCE_HINT}"))


def _check_document(document: Any, loc: Loc, errors: Problems) -> None:
    path = document.get("file") if isinstance(document, dict) else None
    if not isinstance(path, str):
        return
    # Relative to the catalog file, so the catalog and its documents move together.
    if PurePosixPath(path).is_absolute() or PureWindowsPath(path).drive:
        problem = f"document file {path!r} must be a path relative to the catalog file"
        errors.append(((*loc, "file"), problem))
