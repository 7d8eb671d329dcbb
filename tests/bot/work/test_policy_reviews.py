"""Which work is a policy's review: read from the registry, so only a live policy's review task
counts (a `policy_review` task of the starter catalog with no policy stays ordinary work)."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from bot.core.db import Database
from bot.core.errors import Conflict
from bot.work.facts import PolicyRef
from bot.work.items import get_my_work, get_work_item
from bot.work.policy_reviews import policy_reviews, refuse_policy_review
from models import Control, Occurrence, Person, Policy, Task, utcnow
from tests.bot.policies.policy_support import KEY, NOW, build_world
from tests.factories import generate, make_task


def _occurrence(session: Session, task_key: str) -> Occurrence:
    task = session.exec(select(Task).where(Task.key == task_key)).one()
    return session.exec(select(Occurrence).where(Occurrence.task_id == task.id)).one()


@pytest.fixture
def world(db: Database) -> tuple[int, int]:
    """The registered policy's open review, and a look-alike task no policy answers."""
    people = build_world(db)
    with db.transaction() as session:
        control = session.exec(select(Control)).one()
        lookalike = make_task(
            session, control, "policy-acknowledgement", schedule="annual", due="30d",
            assignee=session.get(Person, people.owner), title="Policies acknowledged",
        )  # fmt: skip
        lookalike.kind = "policy_review"  # as in the starter catalog
        session.add(lookalike)
        generate(session, now=NOW, horizon_days=0)
        review = _occurrence(session, f"policy-{KEY}")
        other = _occurrence(session, "policy-acknowledgement")
        return review.id or 0, other.id or 0


def test_only_a_live_policys_review_is_one(db: Database, world: tuple[int, int]) -> None:
    review, other = world
    with db.session() as session:
        policy = session.exec(select(Policy)).one()
        found = get_work_item(session=session, occurrence_id=review, now=NOW)
        plain = get_work_item(session=session, occurrence_id=other, now=NOW)
        mine = get_my_work(session=session, person_id=policy.owner_id, now=NOW)
    assert found is not None and found.policy == PolicyRef(policy.id or 0, KEY)
    assert plain is not None and plain.policy is None
    assert {i.occurrence_id: i.policy is not None for i in mine} == {review: True, other: False}

    with db.transaction() as session:
        retired = session.exec(select(Policy)).one()
        retired.retired_at = utcnow()
        session.add(retired)
    with db.session() as session:
        assert policy_reviews(session=session, task_ids=[policy.task_id or 0]) == {}


def test_a_generic_answer_is_refused_on_the_review_only(
    db: Database, world: tuple[int, int]
) -> None:
    review, other = world
    with db.session() as session:
        with pytest.raises(Conflict) as refused:
            refuse_policy_review(session=session, occurrence=session.get_one(Occurrence, review))
        refuse_policy_review(session=session, occurrence=session.get_one(Occurrence, other))
    assert f"#{review} is the review of a policy" in refused.value.message
    assert f"`policy {KEY}`" in refused.value.message
