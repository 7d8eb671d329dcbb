"""Catalog `policies:` validation: each mistake named with its policy, field and line."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from bot.catalog.validate import validate_catalog_text
from bot.core.errors import CatalogInvalid
from tests.catalog_text import POLICY, as_yaml, with_policy

AUP = "policy acceptable-use"


def errors_of(data: dict[str, Any]) -> list[str]:
    with pytest.raises(CatalogInvalid) as info:
        validate_catalog_text(as_yaml(data))
    return info.value.errors


def test_a_valid_policy_passes_with_its_fields() -> None:
    spec = validate_catalog_text(as_yaml(with_policy(review="6m", audience="role:member")))
    [policy] = spec.policies
    assert (policy.id, policy.owner, policy.approvers) == (
        "acceptable-use",
        "raj@acme.test",
        ["lee@acme.test", "ana@acme.test"],
    )
    assert (policy.review, policy.audience, policy.controls) == ("6m", "role:member", ["CC6.1-AR"])


def test_the_owner_never_approves_their_own_policy() -> None:
    assert errors_of(with_policy(approvers=["lee@acme.test", "RAJ@acme.test"])) == [
        f"policies[0].approvers[1] ({AUP}, line 59): raj@acme.test owns this policy; "
        "a policy's owner does not approve it (segregation of duties)"
    ]


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        (
            {"approvers": ["aud@acme.test"]},
            f"policies[0].approvers[0] ({AUP}, line 58): aud@acme.test is an auditor "
            "(read-only); auditors cannot approve policies",
        ),
        (
            {"owner": "aud@acme.test"},
            f"policies[0].owner ({AUP}, line 56): aud@acme.test is an auditor (read-only); "
            "auditors cannot own policies",
        ),
        (
            {"approvers": ["lee@acme.test", "zed@acme.test"]},
            f"policies[0].approvers[1] ({AUP}, line 59): unknown approver email zed@acme.test "
            "(not in people)",
        ),
        (
            {"owner": "nobody@acme.test"},
            f"policies[0].owner ({AUP}, line 56): unknown owner email nobody@acme.test "
            "(not in people)",
        ),
        (
            {"approvers": ["lee@acme.test", "lee@acme.test"]},
            f"policies[0].approvers[1] ({AUP}, line 59): lee@acme.test is listed twice; "
            "each approver approves once",
        ),
        (
            {"controls": ["CC6.1-AR", "CC9.9-NOPE"]},
            f"policies[0].controls[1] ({AUP}, line 68): unknown control 'CC9.9-NOPE' "
            "(not in controls)",
        ),
        (
            {"review": "30d"},
            f"policies[0].review ({AUP}, line 64): review cycle '30d' must be a whole number "
            "of months, e.g. 12m or 6m",
        ),
        (
            {"review": "yearly"},
            f"policies[0].review ({AUP}, line 64): invalid duration 'yearly': use a whole "
            "number and a unit: d, w, bd or m (e.g. 14d, 2w, 10bd, 1m)",
        ),
        (
            {"audience": "team:platform"},
            f"policies[0].audience ({AUP}, line 65): unknown audience 'team:platform': use all, "
            "role:<role>, department:<name> or manager:<email> (their team)",
        ),
        (
            {"audience": "role:auditor"},
            f"policies[0].audience ({AUP}, line 65): unknown role 'auditor' in audience "
            "'role:auditor': use admin, member, leadership",
        ),
        (
            {"audience": "manager:ana"},
            f"policies[0].audience ({AUP}, line 65): audience 'manager:ana' needs a manager's "
            "email: use all, role:<role>, department:<name> or manager:<email> (their team)",
        ),
        (
            {"document": {"link": "https://wiki.acme.test/aup"}},
            f"policies[0].document ({AUP}, line 60): Value error, a linked document needs its "
            "`sha256`, so a change is noticed",
        ),
        (
            {"document": {"file": "aup.pdf", "link": "https://wiki.acme.test/aup"}},
            f"policies[0].document ({AUP}, line 60): Value error, give the document as either "
            "`file` or `link`",
        ),
        (
            {"document": {"file": "/srv/policies/aup.pdf"}},
            f"policies[0].document.file ({AUP}, line 61): document file '/srv/policies/aup.pdf' "
            "must be a path relative to the catalog file",
        ),
    ],
)
def test_each_policy_mistake_is_named_with_its_field_and_line(
    fields: dict[str, Any], expected: str
) -> None:
    assert errors_of(with_policy(**fields)) == [expected]


def test_policy_ids_are_unique_whatever_their_case() -> None:
    data = with_policy()
    data["policies"].append(copy.deepcopy(POLICY) | {"id": "Acceptable-Use"})
    assert errors_of(data) == [
        "policies[1].id (policy Acceptable-Use, line 68): duplicate policy id 'Acceptable-Use'"
    ]


def test_a_policy_id_must_leave_its_review_task_key_free() -> None:
    data = with_policy()
    data["controls"][0]["tasks"][0]["id"] = "policy-acceptable-use"
    assert errors_of(data) == [
        f"policies[0].id ({AUP}, line 54): a task already has the id 'policy-acceptable-use', "
        "which this policy's review task takes; rename that task"
    ]


def test_emails_already_in_the_database_are_known() -> None:
    data = with_policy(
        approvers=["lee@acme.test", "kim@acme.test"], audience="manager:kim@acme.test"
    )
    assert len(errors_of(data)) == 2
    validate_catalog_text(as_yaml(data), known_emails=["Kim@acme.test"])


def test_every_error_of_several_policies_is_listed_at_once() -> None:
    data = with_policy(owner="aud@acme.test", review="2w")
    data["policies"].append(copy.deepcopy(POLICY) | {"id": "backup", "audience": "everyone"})
    errors = errors_of(data)
    assert [e.split(" (")[0] for e in errors] == [
        "policies[0].owner",
        "policies[0].review",
        "policies[1].audience",
    ]
    assert "(policy backup, line " in errors[2]
