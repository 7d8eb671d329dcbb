"""Northwind Analytics, the demo's fictional company: its people and its catalog."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from bot.catalog.bootstrap import starter_catalog_text

DOMAIN = "northwind.example"
TIMEZONE = "America/New_York"
ADMIN = "Priya Raman"  # the compliance lead: loads the catalog, skips work, starts rounds
# name, timezone, role, manager, the starter catalog's placeholder they stand in for
PEOPLE = [
    ("Elena Morales", "America/New_York", "leadership", None, "ceo"),
    ("David Okafor", "America/Los_Angeles", "leadership", "Elena Morales", None),
    ("Priya Raman", "America/New_York", "admin", "Elena Morales", "compliance-lead"),
    ("Tom Becker", "Europe/Berlin", "admin", "Priya Raman", "compliance-lead"),
    ("Grace Whitfield", "Europe/London", "auditor", None, None),
    ("Marcus Chen", "America/Los_Angeles", "member", "David Okafor", "security-lead"),
    ("Aisha Patel", "Asia/Kolkata", "member", "Marcus Chen", "security-lead"),
    ("Oliver Hughes", "Europe/London", "member", "David Okafor", "it-lead"),
    ("Sofia Rossi", "Europe/Berlin", "member", "Oliver Hughes", "it-lead"),
    ("Jonas Weber", "Europe/Berlin", "member", "David Okafor", "engineering-lead"),
    ("Hannah Kim", "America/Los_Angeles", "member", "Jonas Weber", "engineering-lead"),
    ("Rohan Mehta", "Asia/Kolkata", "member", "Jonas Weber", "engineering-lead"),
    ("Liam O'Connor", "Australia/Sydney", "member", "Jonas Weber", None),
    ("Meera Iyer", "Asia/Kolkata", "member", "Jonas Weber", None),
    ("Lucas Silva", "America/New_York", "member", "Jonas Weber", None),
    ("Chloe Martin", "America/New_York", "member", "Elena Morales", "people-ops"),
    ("Ben Carter", "Europe/London", "member", "Chloe Martin", "people-ops"),
    ("Nadia Haddad", "America/New_York", "member", "Elena Morales", "finance-lead"),
    ("Isabel Fischer", "Europe/Berlin", "member", "Priya Raman", "privacy-lead"),
    ("Ethan Brooks", "Australia/Sydney", "member", "David Okafor", None),
]


def email(name: str) -> str:
    """A Northwind person's address."""
    return name.lower().replace("'", "").replace(" ", ".") + "@" + DOMAIN


def program_start(now: dt.datetime) -> dt.date:
    """The first day of the program: the first of this month, a year ago (program time)."""
    first_of_month = now.astimezone(ZoneInfo(TIMEZONE)).date().replace(day=1)
    return first_of_month.replace(year=first_of_month.year - 1)


def demo_catalog(now: dt.datetime) -> dict[str, Any]:
    """The starter catalog made Northwind's: real people, a window full of history."""
    data: dict[str, Any] = yaml.safe_load(starter_catalog_text())
    start = program_start(now)
    first_of_month = start.replace(year=start.year + 1)
    data["program"].update(
        name="Northwind Analytics SOC 2", timezone=TIMEZONE, start=start,
        window={"start": start, "end": first_of_month - dt.timedelta(days=1)},
        criteria=["security", "availability", "confidentiality"],
    )  # fmt: skip
    data["people"] = [
        {"email": email(n), "name": n, "role": r, "timezone": tz}
        | ({"manager": email(m)} if m else {})
        for n, tz, r, m, _ in PEOPLE
    ]
    stand_ins: dict[str, list[str]] = {}
    for name, *_, placeholder in PEOPLE:
        if placeholder:
            stand_ins.setdefault(f"{placeholder}@example.com", []).append(email(name))
    teams = {email(n): [email(p[0]) for p in PEOPLE if p[3] == n] for n, *_ in PEOPLE}
    for i, control in enumerate(data["controls"]):
        owner = _pick(stand_ins, control["owner"], i)
        control["owner"] = owner
        if control.get("backup_owner"):
            backup = _pick(stand_ins, control["backup_owner"], i + 1)
            control["backup_owner"] = backup if backup != owner else email(ADMIN)
        for j, task in enumerate(control.get("tasks", [])):
            if task.get("assignee"):
                task["assignee"] = _pick(stand_ins, task["assignee"], i + j)
            elif teams[owner] and (i + j) % 3 == 0:
                task["assignee"] = teams[owner][(i + j) % len(teams[owner])]
    return data


def _pick(stand_ins: dict[str, list[str]], address: str, i: int) -> str:
    choices = stand_ins.get(address.lower(), [email(ADMIN)])
    return choices[i % len(choices)]
