"""The permission matrix of spec §7, row by row."""

from __future__ import annotations

import pytest

from bot.core.actor import Actor
from bot.core.errors import PermissionDenied
from bot.core.permissions import Action, is_allowed, require
from models import Role

A, M, L, AU = Role.ADMIN, Role.MEMBER, Role.LEADERSHIP, Role.AUDITOR


def actor(role: Role) -> Actor:
    return Actor(label=f"{role}@acme.test", role=role, person_id=1)


# (action, roles allowed outright, roles allowed when owner/assignee/assigned reviewer)
MATRIX = [
    (Action.VIEW, {A, M, L, AU}, {A, M, L, AU}),
    (Action.OWN_WORK, {A, M, L}, {A, M, L}),
    (Action.COMPLETE_OCCURRENCE, {A}, {A, M, L}),
    (Action.DECIDE_REVIEW_ITEM, set(), {A, M, L}),
    (Action.ASSIGN_OWNER, {A}, {A}),
    (Action.SKIP_OCCURRENCE, {A}, {A}),
    (Action.START_CAMPAIGN, {A}, {A, M, L}),
    (Action.SYNC_CATALOG, {A}, {A}),
    (Action.DIGEST, {A, L}, {A, L}),
    (Action.EXPORT, {A, AU}, {A, AU}),
]


@pytest.mark.parametrize(("action", "unrelated", "related"), MATRIX, ids=[m[0] for m in MATRIX])
def test_permission_matrix_row(action: Action, unrelated: set[Role], related: set[Role]) -> None:
    for role in Role:
        assert is_allowed(actor(role), action) == (role in unrelated), (action, role)
        assert is_allowed(actor(role), action, related=True) == (role in related), (action, role)


def test_auditor_never_completes_work_even_when_named_owner() -> None:
    with pytest.raises(PermissionDenied):
        require(actor(AU), Action.COMPLETE_OCCURRENCE, related=True)


def test_denial_explains_who_may_act() -> None:
    with pytest.raises(PermissionDenied, match="only an admin can assign owners"):
        require(actor(M), Action.ASSIGN_OWNER)
    with pytest.raises(PermissionDenied, match="assigned to this item"):
        require(actor(A), Action.DECIDE_REVIEW_ITEM)
