"""The bundled starter catalog is a complete, valid SOC 2 control set out of the box."""

from __future__ import annotations

from collections import Counter
from importlib.resources import files

import pytest
import yaml

from bot.catalog.criteria import CRITERION_CATEGORY, criterion_group
from bot.catalog.schema import CatalogSpec, ControlSpec, TaskSpec
from bot.catalog.validate import validate_catalog_text

REQUIRED_SERIES = ("CC1", "CC2", "CC3", "CC4", "CC5", "CC6", "CC7", "CC8", "CC9", "A1", "C1", "PI1")


def _starter_text() -> str:
    return (files("bot.catalog") / "starter.yaml").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def catalog() -> CatalogSpec:
    return CatalogSpec.model_validate(yaml.safe_load(_starter_text()))


def _tasks(catalog: CatalogSpec) -> list[tuple[ControlSpec, TaskSpec]]:
    return [(control, task) for control in catalog.controls for task in control.tasks]


def _duplicates(values: list[str]) -> list[str]:
    return [value for value, count in Counter(v.upper() for v in values).items() if count > 1]


def test_the_starter_catalog_has_at_least_forty_controls(catalog: CatalogSpec) -> None:
    assert len(catalog.controls) >= 40


def test_every_common_criteria_series_and_a1_c1_pi1_and_privacy_are_covered(
    catalog: CatalogSpec,
) -> None:
    series = {criterion_group(c) for control in catalog.controls for c in control.criteria}
    missing = [s for s in REQUIRED_SERIES if s not in series]
    assert missing == []
    assert any(s.startswith("P") and not s.startswith("PI") for s in series)


def test_every_mapped_criterion_is_a_real_trust_services_criterion(
    catalog: CatalogSpec,
) -> None:
    unknown = [
        (control.id, criterion)
        for control in catalog.controls
        for criterion in control.criteria
        if criterion not in CRITERION_CATEGORY
    ]
    assert unknown == []


def test_control_ids_are_unique(catalog: CatalogSpec) -> None:
    assert _duplicates([control.id for control in catalog.controls]) == []


def test_task_ids_are_unique_across_the_whole_catalog(catalog: CatalogSpec) -> None:
    assert _duplicates([task.id for _, task in _tasks(catalog)]) == []


def test_nearly_every_control_has_recurring_work(catalog: CatalogSpec) -> None:
    with_tasks = [control for control in catalog.controls if control.tasks]
    assert len(with_tasks) >= 0.9 * len(catalog.controls)


def test_every_owner_backup_owner_assignee_and_manager_is_a_listed_person(
    catalog: CatalogSpec,
) -> None:
    people = {person.email for person in catalog.people}
    referenced = {person.manager for person in catalog.people}
    referenced |= {control.owner for control in catalog.controls}
    referenced |= {control.backup_owner for control in catalog.controls}
    referenced |= {task.assignee for _, task in _tasks(catalog)}
    referenced.discard(None)
    assert referenced - people == set()


def test_every_person_is_a_placeholder_at_example_com(catalog: CatalogSpec) -> None:
    assert catalog.people
    assert all(person.placeholder for person in catalog.people)
    assert all(person.email.endswith("@example.com") for person in catalog.people)


def test_the_catalog_has_an_admin_to_run_it(catalog: CatalogSpec) -> None:
    assert any(person.role == "admin" for person in catalog.people)


def test_access_reviews_are_quarterly(catalog: CatalogSpec) -> None:
    reviews = [task for _, task in _tasks(catalog) if task.kind == "access_review"]
    assert reviews
    assert {task.schedule for task in reviews} == {"quarterly"}


def test_there_is_an_annual_security_training_task(catalog: CatalogSpec) -> None:
    assert any(task.kind == "training" and task.schedule == "annual" for _, task in _tasks(catalog))


def test_there_is_an_annual_policy_review_task(catalog: CatalogSpec) -> None:
    assert any(
        task.kind == "policy_review" and task.schedule == "annual" for _, task in _tasks(catalog)
    )


def test_privacy_is_not_in_the_program_criteria_by_default(catalog: CatalogSpec) -> None:
    assert "privacy" not in catalog.program.criteria
    assert "security" in catalog.program.criteria


def test_the_starter_catalog_passes_full_semantic_validation(catalog: CatalogSpec) -> None:
    validated = validate_catalog_text(_starter_text())
    assert validated == catalog


def test_the_starter_catalog_uses_at_least_one_explicit_rrule(catalog: CatalogSpec) -> None:
    assert any(task.schedule.upper().startswith("RRULE:") for _, task in _tasks(catalog))
