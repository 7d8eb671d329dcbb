"""A small valid catalog for tests, and a helper to break one field of it."""

from __future__ import annotations

import copy
from typing import Any

import yaml

BASE: dict[str, Any] = {
    "program": {
        "name": "Acme SOC 2",
        "timezone": "America/New_York",
        "criteria": ["security", "availability"],
        "window": {"start": "2026-01-01", "end": "2026-06-30"},
        "channels": {"compliance": "#soc2", "leadership": "#leadership"},
    },
    "people": [
        {"email": "ana@acme.test", "name": "Ana Ruiz", "role": "admin"},
        {"email": "raj@acme.test", "name": "Raj Iyer", "manager": "ana@acme.test"},
    ],
    "controls": [
        {
            "id": "CC6.1-AR",
            "title": "Quarterly production access review",
            "criteria": ["CC6.1", "CC6.2", "CC6.3"],
            "owner": "raj@acme.test",
            "tasks": [
                {
                    "id": "prod-access-review",
                    "title": "Review production access",
                    "kind": "access_review",
                    "schedule": "quarterly",
                    "due": "14d",
                    "evidence": "file",
                }
            ],
        },
        {
            "id": "A1.2-BACKUP",
            "title": "Backup restore test",
            "criteria": ["A1.2"],
            "owner": "ana@acme.test",
            "tasks": [
                {
                    "id": "backup-restore",
                    "title": "Restore a backup",
                    "kind": "backup_test",
                    "schedule": "RRULE:FREQ=MONTHLY;INTERVAL=6;BYMONTHDAY=1;BYMONTH=1,7",
                    "due": "1m",
                    "evidence": "any",
                }
            ],
        },
    ],
}


def catalog(**changes: Any) -> dict[str, Any]:
    """A deep copy of BASE; keys like `controls.0.tasks.0.schedule` set a nested value."""
    data = copy.deepcopy(BASE)
    for path, value in changes.items():
        *parents, last = path.split("__")
        node: Any = data
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        node[int(last) if last.isdigit() else last] = value
    return data


def as_yaml(data: dict[str, Any]) -> str:
    return yaml.safe_dump(data, sort_keys=False)


# A policy of BASE's people, approved by a leader; `with_policy` adds it and them.
POLICY: dict[str, Any] = {
    "id": "acceptable-use",
    "title": "Acceptable Use Policy",
    "owner": "raj@acme.test",
    "approvers": ["lee@acme.test", "ana@acme.test"],
    "document": {"link": "https://wiki.acme.test/aup", "sha256": "ab" * 32},
    "version": "2026.1",
    "review": "12m",
    "audience": "all",
    "controls": ["CC6.1-AR"],
}


def with_policy(**fields: Any) -> dict[str, Any]:
    """The test catalog with a leader, an auditor and one policy (lines 54–67 of its YAML)."""
    data = catalog()
    data["people"] += [
        {"email": "lee@acme.test", "name": "Lee Chen", "role": "leadership"},
        {"email": "aud@acme.test", "name": "Ada Auditor", "role": "auditor"},
    ]
    data["policies"] = [copy.deepcopy(POLICY) | fields]
    return data
