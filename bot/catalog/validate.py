"""Catalog validation: structure (pydantic) and meaning (ids, emails, criteria, schedules)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import yaml
from pydantic import ValidationError

from bot.catalog.criteria import CATEGORIES, CRITERION_CATEGORY
from bot.catalog.schema import CatalogSpec
from bot.core.errors import CatalogInvalid, InvalidInput
from bot.core.recurrence import parse_duration, parse_schedule
from bot.core.settings import valid_timezone

MAX_CATALOG_BYTES = 5 * 1024 * 1024


def validate_catalog_text(text: str, *, known_emails: Iterable[str] = ()) -> CatalogSpec:
    """Parse and check a catalog; raise `CatalogInvalid` listing every error by path."""
    if len(text.encode("utf-8")) > MAX_CATALOG_BYTES:
        raise CatalogInvalid(["catalog: larger than 5 MB"])
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "catalog"
        raise CatalogInvalid(
            [f"{where}: not valid YAML ({getattr(exc, 'problem', exc)})"]
        ) from None
    if not isinstance(data, dict):
        raise CatalogInvalid(["catalog: must be a mapping with program, people and controls"])
    errors = _structural_errors(data) + _semantic_errors(data, {e.lower() for e in known_emails})
    if errors:
        raise CatalogInvalid(sorted(set(errors), key=errors.index))
    return CatalogSpec.model_validate(data)


def _structural_errors(data: dict[str, Any]) -> list[str]:
    try:
        CatalogSpec.model_validate(data)
    except ValidationError as exc:
        return [f"{_path(err['loc'])}: {_friendly(err)}" for err in exc.errors()]
    return []


def _path(loc: Iterable[int | str]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "catalog"


def _friendly(err: Any) -> str:
    if err["type"] == "extra_forbidden":
        return "unknown field"
    if err["type"] == "string_pattern_mismatch" and "@" in str(err.get("ctx", {}).get("pattern")):
        return f"{err['input']!r} is not an email address"
    return str(err["msg"])


def _semantic_errors(data: dict[str, Any], known: set[str]) -> list[str]:
    errors: list[str] = []
    raw = data.get("program")
    program: dict[str, Any] = raw if isinstance(raw, dict) else {}
    _check_program(program, errors)
    people = _list(data.get("people"))
    emails = known | {str(p.get("email", "")).lower() for p in people if isinstance(p, dict)}
    _check_people(people, emails, errors)
    # Segregation of duties: an auditor is never an owner or an assignee.
    auditors = {
        str(p.get("email", "")).lower()
        for p in people
        if isinstance(p, dict) and p.get("role") == "auditor"
    }
    _check_controls(_list(data.get("controls")), emails, errors, auditors)
    return errors


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _check_program(program: dict[str, Any], errors: list[str]) -> None:
    tz = program.get("timezone")
    if isinstance(tz, str) and not valid_timezone(tz):
        errors.append(f"program.timezone: unknown timezone {tz!r} (use an IANA name)")
    for i, name in enumerate(_list(program.get("criteria"))):
        norm = str(name).lower().replace(" ", "_").replace("-", "_")
        if norm not in CATEGORIES:
            errors.append(
                f"program.criteria[{i}]: unknown category {name!r} ({', '.join(CATEGORIES)})"
            )
    window = program.get("window")
    if isinstance(window, dict) and _ordered(window.get("start"), window.get("end")) is False:
        errors.append("program.window: start must be on or before end")
    _check_reminders(program.get("reminders"), "program.reminders", errors)


def _ordered(start: Any, end: Any) -> bool | None:
    try:
        return bool(start <= end)
    except TypeError:
        return None


def _check_reminders(policy: Any, path: str, errors: list[str]) -> None:
    if not isinstance(policy, dict):
        return
    for i, text in enumerate(_list(policy.get("before"))):
        _check(parse_duration, text, f"{path}.before[{i}]", errors)
    if "overdue_every" in policy:
        _check(parse_duration, policy["overdue_every"], f"{path}.overdue_every", errors)
    for i, step in enumerate(_list(policy.get("escalate"))):
        if isinstance(step, dict) and "after" in step:
            _check(parse_duration, step["after"], f"{path}.escalate[{i}].after", errors)


def _check(parser: Callable[[str], object], value: Any, path: str, errors: list[str]) -> None:
    if not isinstance(value, str):
        return  # the structural check already reports wrong types
    try:
        parser(value)
    except InvalidInput as exc:
        errors.append(f"{path}: {exc.message}")


def _check_people(people: list[Any], emails: set[str], errors: list[str]) -> None:
    seen: set[str] = set()
    for i, person in enumerate(people):
        if not isinstance(person, dict):
            continue
        email = str(person.get("email", "")).lower()
        if email in seen:
            errors.append(f"people[{i}].email: duplicate person {email}")
        seen.add(email)
        manager = person.get("manager")
        if isinstance(manager, str) and manager.lower() not in emails:
            errors.append(f"people[{i}].manager: unknown person {manager} (add them to people)")
        tz = person.get("timezone")
        if isinstance(tz, str) and not valid_timezone(tz):
            errors.append(f"people[{i}].timezone: unknown timezone {tz!r}")


def _check_controls(
    controls: list[Any], emails: set[str], errors: list[str], auditors: set[str]
) -> None:
    control_ids: set[str] = set()
    task_ids: set[str] = set()
    for i, control in enumerate(controls):
        if not isinstance(control, dict):
            continue
        path = f"controls[{i}]"
        _unique(control.get("id"), control_ids, f"{path}.id", "control", errors)
        for j, criterion in enumerate(_list(control.get("criteria"))):
            if str(criterion).upper() not in CRITERION_CATEGORY:
                errors.append(
                    f"{path}.criteria[{j}]: unknown Trust Services Criterion {criterion!r}"
                )
        for field in ("owner", "backup_owner"):
            _known_email(control.get(field), emails, f"{path}.{field}", errors)
            _not_auditor(control.get(field), auditors, f"{path}.{field}", errors)
        for j, task in enumerate(_list(control.get("tasks"))):
            if isinstance(task, dict):
                _check_task(task, f"{path}.tasks[{j}]", task_ids, emails, errors)
                where = f"{path}.tasks[{j}].assignee"
                _not_auditor(task.get("assignee"), auditors, where, errors)


def _check_task(
    task: dict[str, Any], path: str, task_ids: set[str], emails: set[str], errors: list[str]
) -> None:
    _unique(task.get("id"), task_ids, f"{path}.id", "task", errors)
    _check(parse_schedule, task.get("schedule"), f"{path}.schedule", errors)
    _check(parse_duration, task.get("due", "14d"), f"{path}.due", errors)
    _known_email(task.get("assignee"), emails, f"{path}.assignee", errors)
    _check_reminders(task.get("reminders"), f"{path}.reminders", errors)


def _unique(value: Any, seen: set[str], path: str, what: str, errors: list[str]) -> None:
    if not isinstance(value, str):
        return
    key = value.upper()
    if key in seen:
        errors.append(f"{path}: duplicate {what} id {value!r}")
    seen.add(key)


def _known_email(value: Any, emails: set[str], path: str, errors: list[str]) -> None:
    if isinstance(value, str) and "@" in value and value.lower() not in emails:
        errors.append(f"{path}: unknown owner email {value} (not in people)")


def _not_auditor(value: Any, auditors: set[str], path: str, errors: list[str]) -> None:
    if isinstance(value, str) and value.lower() in auditors:
        errors.append(f"{path}: {value} is an auditor (read-only); auditors cannot own or do work")
