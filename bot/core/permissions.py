"""The permission matrix of spec §7, enforced here once for every front end."""

from __future__ import annotations

import enum

from bot.core.actor import Actor
from bot.core.errors import PermissionDenied
from models import Role


class Action(enum.StrEnum):
    VIEW = "view"  # status, controls, control, audit
    OWN_WORK = "own_work"  # mine, ack, training
    COMPLETE_OCCURRENCE = "complete_occurrence"  # mark done / attach evidence
    DECIDE_REVIEW_ITEM = "decide_review_item"
    ASSIGN_OWNER = "assign_owner"
    SKIP_OCCURRENCE = "skip_occurrence"
    SUPERSEDE_EVIDENCE = "supersede_evidence"
    SET_EVIDENCE_EXPIRY = "set_evidence_expiry"
    START_CAMPAIGN = "start_campaign"
    SYNC_CATALOG = "sync_catalog"
    DIGEST = "digest"
    EXPORT = "export"
    SAMPLE = "sample"  # draw, show and add to an auditor's sample


ALL_ROLES = frozenset(Role)
_BY_ROLE: dict[Action, frozenset[Role]] = {
    Action.VIEW: ALL_ROLES,
    Action.OWN_WORK: frozenset({Role.ADMIN, Role.MEMBER, Role.LEADERSHIP}),
    Action.COMPLETE_OCCURRENCE: frozenset({Role.ADMIN}),
    Action.DECIDE_REVIEW_ITEM: frozenset(),
    Action.ASSIGN_OWNER: frozenset({Role.ADMIN}),
    Action.SKIP_OCCURRENCE: frozenset({Role.ADMIN}),
    Action.SUPERSEDE_EVIDENCE: frozenset({Role.ADMIN}),
    Action.SET_EVIDENCE_EXPIRY: frozenset({Role.ADMIN}),
    Action.START_CAMPAIGN: frozenset({Role.ADMIN}),
    Action.SYNC_CATALOG: frozenset({Role.ADMIN}),
    Action.DIGEST: frozenset({Role.ADMIN, Role.LEADERSHIP}),
    Action.EXPORT: frozenset({Role.ADMIN, Role.AUDITOR}),
    Action.SAMPLE: frozenset({Role.ADMIN, Role.AUDITOR}),
}
# What being the owner/assignee (or the assigned reviewer) adds, for every role but auditor.
_BY_RELATION: dict[Action, str] = {
    Action.COMPLETE_OCCURRENCE: "only the owner or assignee of this work (or an admin) can do that",
    Action.DECIDE_REVIEW_ITEM: "only the reviewer assigned to this item can decide it",
    Action.START_CAMPAIGN: "only an admin or the control's owner can start a campaign for it",
}
_DENIED: dict[Action, str] = {
    Action.VIEW: "you cannot view this",
    Action.OWN_WORK: "auditors have read-only access: no tasks, acknowledgements or training",
    Action.ASSIGN_OWNER: "only an admin can assign owners",
    Action.SKIP_OCCURRENCE: "only an admin can skip work",
    Action.SUPERSEDE_EVIDENCE: "only an admin can supersede evidence",
    Action.SET_EVIDENCE_EXPIRY: "only an admin can set when evidence expires",
    Action.SYNC_CATALOG: "only an admin can change the catalog",
    Action.DIGEST: "the digest is for leadership and admins",
    Action.EXPORT: "only admins and auditors can export evidence",
    Action.SAMPLE: "only auditors and admins can draw and read samples",
}


def is_allowed(actor: Actor, action: Action, *, related: bool = False) -> bool:
    """Whether `actor` may do `action`; `related` = owner/assignee/assigned reviewer."""
    if actor.role in _BY_ROLE[action]:
        return True
    return related and action in _BY_RELATION and actor.role is not Role.AUDITOR


def require(actor: Actor, action: Action, *, related: bool = False) -> None:
    """Raise `PermissionDenied` with a friendly reason unless the actor may act."""
    if not is_allowed(actor, action, related=related):
        reason = _BY_RELATION.get(action) or _DENIED[action]
        raise PermissionDenied(f"Sorry, {reason}.")
