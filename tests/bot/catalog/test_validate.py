"""Catalog validation: every kind of error is reported with its path, all at once."""

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


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"controls__0__tasks__0__schedule": "fortnightly"}, "controls[0].tasks[0].schedule:"),
        ({"controls__0__tasks__0__due": "two weeks"}, "controls[0].tasks[0].due:"),
        ({"controls__1__tasks__0__due": "-3d"}, "controls[1].tasks[0].due:"),
        ({"controls__0__owner": "nobody@acme.test"}, "controls[0].owner: unknown owner email"),
        ({"controls__1__id": "CC6.1-AR"}, "controls[1].id: duplicate control id"),
        ({"controls__1__tasks__0__id": "prod-access-review"}, "controls[1].tasks[0].id: duplicate"),
        ({"controls__0__criteria": ["CC6.1", "CC6.9"]}, "controls[0].criteria[1]: unknown Trust"),
        ({"program__timezone": "Mars/Olympus"}, "program.timezone: unknown timezone"),
        ({"program__criteria": ["security", "magic"]}, "program.criteria[1]: unknown category"),
        ({"people__1__manager": "boss@acme.test"}, "people[1].manager: unknown person"),
        ({"controls__0__tasks__0__evidence": "photo"}, "controls[0].tasks[0].evidence:"),
        ({"controls__0__colour": "red"}, "controls[0].colour: unknown field"),
        ({"program__window": {"start": "2026-07-01", "end": "2026-01-01"}}, "program.window:"),
    ],
)
def test_each_kind_of_error_is_reported_with_its_path(
    change: dict[str, object], expected: str
) -> None:
    errors = errors_of(as_yaml(catalog(**change)))
    assert any(e.startswith(expected) for e in errors), errors


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
        "controls[0].owner: audrey@audit.test is an auditor (read-only); auditors cannot own "
        "or do work",
        "controls[1].backup_owner: raj@acme.test is an auditor (read-only); auditors cannot own "
        "or do work",
        "controls[1].tasks[0].assignee: audrey@audit.test is an auditor (read-only); auditors "
        "cannot own or do work",
    ]
