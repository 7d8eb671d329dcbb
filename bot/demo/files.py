"""Small, plausible evidence files for the demo's work: CSV exports, JSON reports, notes."""

from __future__ import annotations

import datetime as dt
import json
import random
from collections.abc import Sequence

from models import Person, Task

SYSTEMS = ["AWS", "GitHub", "Okta", "Google Workspace", "Snowflake", "Datadog", "Jira"]
_LISTS = ("access_review", "offboarding", "onboarding", "training", "policy_review")
_REPORTS = ("monitoring_review", "backup_test", "change_review")


def evidence_file(
    rng: random.Random, task: Task, period_key: str, period_start: dt.date, staff: Sequence[Person]
) -> tuple[str, str, bytes]:
    """A file for one period of `task`: (name, media type, bytes); `staff` sorted by email."""
    stem = f"{task.key}-{period_key}"
    if task.kind in _LISTS:
        rows = ["person,email,system,decision,date"]
        for p in rng.sample(list(staff), rng.randint(6, 12)):
            decision = "keep" if rng.random() < 0.9 else "revoke"
            rows.append(f"{p.name},{p.email},{rng.choice(SYSTEMS)},{decision},{period_start}")
        return f"{stem}.csv", "text/csv", ("\n".join(rows) + "\n").encode()
    if task.kind in _REPORTS:
        body = {
            "task": task.key, "period": period_key, "company": "Northwind Analytics",
            "checked": rng.randint(20, 400), "exceptions": rng.choice([0, 0, 0, 1, 2]),
            "systems": rng.sample(SYSTEMS, 3),
        }  # fmt: skip
        return f"{stem}.json", "application/json", json.dumps(body, indent=2).encode()
    high, medium = rng.choice([0, 0, 1]), rng.randint(0, 9)
    text = (
        f"Northwind Analytics - {task.title}\nPeriod: {period_key}\n"
        f"Prepared from: {', '.join(rng.sample(SYSTEMS, 2))}\n"
        f"Findings: {high} high, {medium} medium; all tracked in Jira.\n"
        "Reviewed and approved; no unresolved critical issues.\n"
    )
    return f"{stem}.txt", "text/plain", text.encode()
