"""Which work is a policy's review: it is answered through its policy, never marked done here.

Read from the registry's rows (`models.Policy.task_id`), not from the task's kind: the starter
catalog has `policy_review` tasks of its own (even keyed `policy-…`) that no policy answers.
The policy flow itself (`bot.policies`) sits above this layer and is never imported.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import Session, col, select

from bot.core.errors import Conflict
from bot.work.facts import PolicyRef
from bot.work.messages import policy_review_pointer
from models import Occurrence, Policy


def policy_reviews(*, session: Session, task_ids: Iterable[int]) -> dict[int, PolicyRef]:
    """The live policies whose reviews are among these tasks, by task id."""
    wanted = sorted(set(task_ids))
    if not wanted:
        return {}
    query = select(Policy.task_id, Policy.id, Policy.key).where(
        col(Policy.retired_at).is_(None), col(Policy.task_id).in_(wanted)
    )
    return {task: PolicyRef(pid or 0, key) for task, pid, key in session.exec(query).all() if task}


def policy_of_occurrence(*, session: Session, occurrence: Occurrence) -> PolicyRef | None:
    """The policy whose review `occurrence` is, or None for any other work."""
    return policy_reviews(session=session, task_ids=[occurrence.task_id]).get(occurrence.task_id)


def refuse_policy_review(*, session: Session, occurrence: Occurrence) -> None:
    """Refuse a generic "done" or evidence file on a policy's review, pointing at its answers
    (a "done" would name no version, and a file would be no version)."""
    policy = policy_of_occurrence(session=session, occurrence=occurrence)
    if policy is not None:
        raise Conflict(policy_review_pointer(policy.key, occurrence.id or 0))
