"""Catalog validation: every error is reported with its control, field and line, all at once."""

from __future__ import annotations

import pytest

from bot.catalog.validate import validate_catalog_text
from bot.core.errors import CatalogInvalid
from tests.catalog_text import as_yaml, catalog


def errors_of(text: str) -> list[str]:
    with pytest.raises(CatalogInvalid) as info:
        validate_catalog_text(text)
    return info.value.errors


def test_valid_catalog_passes() -> None:
    spec = validate_catalog_text(as_yaml(catalog()))
    assert [c.id for c in spec.controls] == ["CC6.1-AR", "A1.2-BACKUP"]


AR = "control CC6.1-AR"
AR_TASK = "control CC6.1-AR, task prod-access-review"
BACKUP = "control A1.2-BACKUP"
BACKUP_TASK = "control A1.2-BACKUP, task backup-restore"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            {"controls__0__tasks__0__schedule": "fortnightly"},
            f"controls[0].tasks[0].schedule ({AR_TASK}, line 32):",
        ),
        (
            {"controls__0__tasks__0__due": "two weeks"},
            f"controls[0].tasks[0].due ({AR_TASK}, line 33):",
        ),
        (
            {"controls__1__tasks__0__due": "-3d"},
            f"controls[1].tasks[0].due ({BACKUP_TASK}, line 45):",
        ),
        (
            {"controls__0__owner": "nobody@acme.test"},
            f"controls[0].owner ({AR}, line 27): unknown owner",
        ),
        (
            {"controls__1__id": "CC6.1-AR"},
            f"controls[1].id ({AR}, line 35): duplicate control id",
        ),
        (
            {"controls__1__tasks__0__id": "prod-access-review"},
            "controls[1].tasks[0].id (control A1.2-BACKUP, task prod-access-review, line 41): "
            "duplicate",
        ),
        (
            {"controls__0__criteria": ["CC6.1", "CC6.9"]},
            f"controls[0].criteria[1] ({AR}, line 25): unk",
        ),
        ({"program__timezone": "Mars/Olympus"}, "program.timezone (line 3): unknown timez"),
        ({"program__criteria": ["security", "magic"]}, "program.criteria[1] (line 6): unkn"),
        (
            {"people__1__manager": "boss@acme.test"},
            "people[1].manager (person raj@acme.test, line 19)",
        ),
        (
            {"controls__0__tasks__0__evidence": "photo"},
            f"controls[0].tasks[0].evidence ({AR_TASK}, line 34):",
        ),
        ({"controls__0__colour": "red"}, f"controls[0].colour ({AR}, line 35): unknown field"),
        (
            {"program__window": {"start": "2026-07-01", "end": "2026-01-01"}},
            "program.window (line 7):",
        ),
    ],
)
def test_each_kind_of_error_names_its_control_field_and_line(
    change: dict[str, object], expected: str
) -> None:
    errors = errors_of(as_yaml(catalog(**change)))
    assert any(e.startswith(expected) for e in errors), errors


def test_a_control_or_task_without_a_usable_id_is_named_by_its_position() -> None:
    data = catalog(controls__1__id="bad id!", controls__0__tasks__0__id=None)
    errors = errors_of(as_yaml(data))
    assert any(e.startswith("controls[1].id (line 35):") for e in errors), errors
    assert any(e.startswith(f"controls[0].tasks[0].id ({AR}, line 29):") for e in errors), errors


def test_a_missing_field_is_reported_at_the_line_of_its_parent() -> None:
    data = catalog()
    del data["controls"][1]["tasks"][0]["schedule"]
    errors = errors_of(as_yaml(data))
    assert errors == [f"controls[1].tasks[0].schedule ({BACKUP_TASK}, line 41): Field required"]


def test_all_errors_are_listed_together() -> None:
    text = as_yaml(
        catalog(
            controls__0__tasks__0__schedule="sometimes",
            controls__1__owner="ghost@acme.test",
            controls__1__criteria=["ZZ9.9"],
        )
    )
    errors = errors_of(text)
    assert len(errors) == 3
    assert "3 error(s)" in CatalogInvalid(errors).message


def test_yaml_syntax_error_names_the_line() -> None:
    errors = errors_of("program:\n  name: [unclosed\n")
    assert errors[0].startswith("line ")


def test_non_mapping_is_rejected() -> None:
    assert errors_of("- just\n- a list\n") == [
        "catalog: must be a mapping with program, people and controls"
    ]


def test_owner_known_in_the_database_is_accepted() -> None:
    text = as_yaml(catalog(controls__0__owner="dbonly@acme.test"))
    spec = validate_catalog_text(text, known_emails=["DBonly@acme.test"])
    assert spec.controls[0].owner == "dbonly@acme.test"


def test_an_auditor_is_never_an_owner_backup_or_assignee() -> None:
    data = catalog(controls__0__owner="audrey@audit.test")
    data["people"][1]["role"] = "auditor"  # Raj becomes an auditor: his backup duty must go
    data["people"].append({"email": "audrey@audit.test", "name": "Audrey", "role": "auditor"})
    data["controls"][1]["backup_owner"] = "raj@acme.test"
    data["controls"][1]["tasks"][0]["assignee"] = "audrey@audit.test"
    errors = errors_of(as_yaml(data))
    assert errors == [
        f"controls[0].owner ({AR}, line 31): audrey@audit.test is an auditor (read-only); "
        "auditors cannot own or do work",
        f"controls[1].backup_owner ({BACKUP}, line 52): raj@acme.test is an auditor "
        "(read-only); auditors cannot own or do work",
        f"controls[1].tasks[0].assignee ({BACKUP_TASK}, line 51): audrey@audit.test is an "
        "auditor (read-only); auditors cannot own or do work",
    ]


def test_a_person_managing_themselves_is_refused() -> None:
    errors = errors_of(as_yaml(catalog(people__1__manager="Raj@acme.test")))
    assert errors == [
        "people[1].manager (person raj@acme.test, line 19): Raj@acme.test cannot be their own "
        "manager"
    ]


def test_a_key_given_twice_is_refused_with_both_lines() -> None:
    text = as_yaml(catalog()).replace(
        "  owner: ana@acme.test\n", "  owner: ana@acme.test\n  owner: raj@acme.test\n"
    )
    assert errors_of(text) == [
        f"controls[1].owner ({BACKUP}, line 40): key 'owner' is given twice, on lines 39 and 40 "
        "(YAML would silently keep only the last)"
    ]


def test_repeated_keys_are_found_anywhere_in_the_file() -> None:
    text = "program: {name: A}\nprogram: {name: B}\npeople: [{email: a@b.test, name: A, name: B}]\n"
    assert errors_of(text) == [
        "program (line 2): key 'program' is given twice, on lines 1 and 2 "
        "(YAML would silently keep only the last)",
        "people[0].name (person a@b.test, line 3): key 'name' is given twice, on lines 3 and 3 "
        "(YAML would silently keep only the last)",
    ]


def test_a_merge_key_may_override_what_it_merges() -> None:
    text = (
        "program: {name: A}\n"
        "people: [{email: a@b.test, name: A}]\n"
        "controls:\n"
        "  - id: C1\n"
        "    title: T\n"
        "    criteria: [CC6.1]\n"
        "    owner: a@b.test\n"
        "    tasks:\n"
        "      - &t {id: t1, title: T, schedule: monthly, due: 14d}\n"
        "      - <<: *t\n"
        "        id: t2\n"
        "        due: 7d\n"
    )
    spec = validate_catalog_text(text)
    assert [(t.id, t.due) for t in spec.controls[0].tasks] == [("t1", "14d"), ("t2", "7d")]
