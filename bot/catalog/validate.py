"""Catalog validation: structure (pydantic) and meaning (ids, emails, criteria, schedules).

Every error names where it is: the control and task by id, the field and the line
(`control CC6.1-AR, task prod-access-review, field due (line 42): …`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import yaml
from pydantic import ValidationError

from bot.catalog.criteria import CATEGORIES, CRITERION_CATEGORY
from bot.catalog.policies import check_policies
from bot.catalog.reviews import check_review
from bot.catalog.schema import CatalogSpec
from bot.catalog.source import CatalogSource, Loc, read_catalog_source
from bot.core.errors import CatalogInvalid, InvalidInput
from bot.core.recurrence import parse_duration, parse_schedule
from bot.core.settings import valid_timezone

MAX_CATALOG_BYTES = 5 * 1024 * 1024
Problems = list[tuple[Loc, str]]


def validate_catalog_text(text: str, *, known_emails: Iterable[str] = ()) -> CatalogSpec:
    """Parse and check a catalog; raise `CatalogInvalid` listing every error with its place."""
    if len(text.encode("utf-8")) > MAX_CATALOG_BYTES:
        raise CatalogInvalid(["catalog: larger than 5 MB"])
    try:
        source = read_catalog_source(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "catalog"
        raise CatalogInvalid(
            [f"{where}: not valid YAML ({getattr(exc, 'problem', exc)})"]
        ) from None
    data = source.data
    if not isinstance(data, dict):
        raise CatalogInvalid(["catalog: must be a mapping with program, people and controls"])
    problems: Problems = [
        (d.loc, f"key {d.key!r} is given twice, on lines {d.first_line} and {d.second_line} "
         "(YAML would silently keep only the last)")
        for d in source.duplicates
    ]  # fmt: skip
    problems += _structural_errors(data)
    problems += _semantic_errors(data, {e.lower() for e in known_emails})
    if problems:
        errors = [_render(source, loc, problem) for loc, problem in problems]
        raise CatalogInvalid(sorted(set(errors), key=errors.index))
    return CatalogSpec.model_validate(data)


def _render(source: CatalogSource, loc: Loc, problem: str) -> str:
    return f"{source.describe(loc)}: {problem}"


def _structural_errors(data: dict[str, Any]) -> Problems:
    try:
        CatalogSpec.model_validate(data)
    except ValidationError as exc:
        return [(tuple(err["loc"]), _friendly(err)) for err in exc.errors()]
    return []


def _friendly(err: Any) -> str:
    if err["type"] == "extra_forbidden":
        return "unknown field"
    if err["type"] == "string_pattern_mismatch" and "@" in str(err.get("ctx", {}).get("pattern")):
        return f"{err['input']!r} is not an email address"
    return str(err["msg"])


def _semantic_errors(data: dict[str, Any], known: set[str]) -> Problems:
    errors: Problems = []
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
    check_policies(data, emails, auditors, errors)
    return errors


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _check_program(program: dict[str, Any], errors: Problems) -> None:
    tz = program.get("timezone")
    if isinstance(tz, str) and not valid_timezone(tz):
        errors.append((("program", "timezone"), f"unknown timezone {tz!r} (use an IANA name)"))
    for i, name in enumerate(_list(program.get("criteria"))):
        norm = str(name).lower().replace(" ", "_").replace("-", "_")
        if norm not in CATEGORIES:
            problem = f"unknown category {name!r} ({', '.join(CATEGORIES)})"
            errors.append((("program", "criteria", i), problem))
    window = program.get("window")
    if isinstance(window, dict) and _ordered(window.get("start"), window.get("end")) is False:
        errors.append((("program", "window"), "start must be on or before end"))
    _check_reminders(program.get("reminders"), ("program", "reminders"), errors)


def _ordered(start: Any, end: Any) -> bool | None:
    try:
        return bool(start <= end)
    except TypeError:
        return None


def _check_reminders(policy: Any, loc: Loc, errors: Problems) -> None:
    if not isinstance(policy, dict):
        return
    for i, text in enumerate(_list(policy.get("before"))):
        _check(parse_duration, text, (*loc, "before", i), errors)
    if "overdue_every" in policy:
        _check(parse_duration, policy["overdue_every"], (*loc, "overdue_every"), errors)
    for i, step in enumerate(_list(policy.get("escalate"))):
        if isinstance(step, dict) and "after" in step:
            _check(parse_duration, step["after"], (*loc, "escalate", i, "after"), errors)


def _check(parser: Callable[[str], object], value: Any, loc: Loc, errors: Problems) -> None:
    if not isinstance(value, str):
        return  # the structural check already reports wrong types
    try:
        parser(value)
    except InvalidInput as exc:
        errors.append((loc, exc.message))


def _check_people(people: list[Any], emails: set[str], errors: Problems) -> None:
    seen: set[str] = set()
    for i, person in enumerate(people):
        if not isinstance(person, dict):
            continue
        email = str(person.get("email", "")).lower()
        if email in seen:
            errors.append((("people", i, "email"), f"duplicate person {email}"))
        seen.add(email)
        manager = person.get("manager")
        if isinstance(manager, str) and manager.strip().lower() == email.strip():
            # Escalations go to the manager: to oneself they would reach nobody new.
            errors.append((("people", i, "manager"), f"{manager} cannot be their own manager"))
        elif isinstance(manager, str) and manager.lower() not in emails:
            problem = f"unknown person {manager} (add them to people)"
            errors.append((("people", i, "manager"), problem))
        tz = person.get("timezone")
        if isinstance(tz, str) and not valid_timezone(tz):
            errors.append((("people", i, "timezone"), f"unknown timezone {tz!r}"))


def _check_controls(
    controls: list[Any], emails: set[str], errors: Problems, auditors: set[str]
) -> None:
    control_ids: set[str] = set()
    task_ids: set[str] = set()
    for i, control in enumerate(controls):
        if not isinstance(control, dict):
            continue
        loc: Loc = ("controls", i)
        _unique(control.get("id"), control_ids, (*loc, "id"), "control", errors)
        for j, criterion in enumerate(_list(control.get("criteria"))):
            if str(criterion).upper() not in CRITERION_CATEGORY:
                problem = f"unknown Trust Services Criterion {criterion!r}"
                errors.append(((*loc, "criteria", j), problem))
        for field in ("owner", "backup_owner"):
            _known_email(control.get(field), emails, (*loc, field), errors)
            _not_auditor(control.get(field), auditors, (*loc, field), errors)
        for j, task in enumerate(_list(control.get("tasks"))):
            if isinstance(task, dict):
                _check_task(task, (*loc, "tasks", j), task_ids, emails, errors)
                where = (*loc, "tasks", j, "assignee")
                _not_auditor(task.get("assignee"), auditors, where, errors)
                check_review(task, (*loc, "tasks", j), emails, auditors, errors)


def _check_task(
    task: dict[str, Any], loc: Loc, task_ids: set[str], emails: set[str], errors: Problems
) -> None:
    _unique(task.get("id"), task_ids, (*loc, "id"), "task", errors)
    _check(parse_schedule, task.get("schedule"), (*loc, "schedule"), errors)
    _check(parse_duration, task.get("due", "14d"), (*loc, "due"), errors)
    _check(parse_duration, task.get("expires"), (*loc, "expires"), errors)
    _known_email(task.get("assignee"), emails, (*loc, "assignee"), errors)
    _check_reminders(task.get("reminders"), (*loc, "reminders"), errors)


def _unique(value: Any, seen: set[str], loc: Loc, what: str, errors: Problems) -> None:
    if not isinstance(value, str):
        return
    key = value.upper()
    if key in seen:
        errors.append((loc, f"duplicate {what} id {value!r}"))
    seen.add(key)


def _known_email(value: Any, emails: set[str], loc: Loc, errors: Problems) -> None:
    if isinstance(value, str) and "@" in value and value.lower() not in emails:
        errors.append((loc, f"unknown owner email {value} (not in people)"))


def _not_auditor(value: Any, auditors: set[str], loc: Loc, errors: Problems) -> None:
    if isinstance(value, str) and value.lower() in auditors:
        problem = f"{value} is an auditor (read-only); auditors cannot own or do work"
        errors.append((loc, problem))
