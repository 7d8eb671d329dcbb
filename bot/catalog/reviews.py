"""Checks of an access-review task's `review:`: its source, its reviewer, its credentials."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.catalog.schema import CatalogSpec
from bot.catalog.source import Loc
from bot.connectors.registry import check_source

REVIEWER_WORDS = ("owner", "manager")


def check_review(
    task: dict[str, Any],
    loc: Loc,
    emails: set[str],
    auditors: set[str],
    errors: list[tuple[Loc, str]],
) -> None:
    """Add the errors of one task's `review:` (its source's type and settings, its reviewer)."""
    review = task.get("review")
    if not isinstance(review, dict):
        return
    where: Loc = (*loc, "review")
    if task.get("kind", "generic") != "access_review":
        errors.append((where, "only a task of kind access_review takes a review source"))
    source = review.get("source")
    if isinstance(source, dict):
        # Credentials are the environment's business: missing ones are warnings, not errors.
        found, _ = check_source(source, env={})
        errors += [((*where, "source"), problem) for problem in found]
    reviewer = review.get("reviewer", "owner")
    if not isinstance(reviewer, str) or reviewer.lower() in REVIEWER_WORDS:
        return
    reviewer = reviewer.lower()
    if "@" not in reviewer:
        errors.append(((*where, "reviewer"), "reviewer must be owner, manager or an email"))
    elif reviewer not in emails:
        errors.append(((*where, "reviewer"), f"unknown reviewer email {reviewer} (not in people)"))
    elif reviewer in auditors:
        problem = f"{reviewer} is an auditor (read-only); auditors never review access"
        errors.append(((*where, "reviewer"), problem))


def review_warnings(spec: CatalogSpec, env: Mapping[str, str]) -> list[str]:
    """What this environment lacks to pull each review source (set before the review starts)."""
    warnings = []
    for control in spec.controls:
        for task in control.tasks:
            if task.review is None:
                continue
            _, missing = check_source(task.review.source, env)
            where = f"control {control.id}, task {task.id}"
            warnings += [f"{where}: {problem}" for problem in missing]
    return warnings
