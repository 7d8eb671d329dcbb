"""Keep all remaining on a page: only what the presser may decide, one event each, or nothing."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from sqlmodel import select

from bot.core.actor import Actor
from bot.core.db import Database
from bot.core.errors import Conflict, PermissionDenied
from bot.evidence.local import LocalEvidenceStore
from bot.reviews.bulk import keep_remaining
from bot.reviews.csv_files import AccountRow
from bot.reviews.facts import BulkKeep
from models import Campaign, CampaignItem, CampaignStatus, Evidence, ItemDecision
from tests.bot.reviews.review_support import NOW, ROWS, actions, items, seed, start

RITAS = AccountRow("rita", "rita@acme.test", "GitHub", None)  # goes to Mo, her manager


def keep(
    db: Database, actor: Actor, campaign_id: int, ids: Sequence[int], store: LocalEvidenceStore
) -> BulkKeep:
    with db.transaction() as s:
        return keep_remaining(
            session=s, actor=actor, campaign_id=campaign_id, item_ids=ids, now=NOW, store=store
        )


def ids(db: Database, campaign_id: int) -> list[int]:
    return [i.id or 0 for i in items(db, campaign_id)]


def decisions(db: Database, campaign_id: int) -> dict[str, ItemDecision]:
    return {str(i.details["account"]): i.decision for i in items(db, campaign_id)}


def test_the_reviewer_keeps_their_pending_accounts_one_event_each(
    db: Database, store: LocalEvidenceStore
) -> None:
    actors = seed(db)
    campaign_id = start(db, actors["ana"], rows=[*ROWS, RITAS])
    before = len(actions(db))
    result = keep(db, actors["rita"], campaign_id, ids(db, campaign_id), store)
    assert result.kept == ("alice", "bob", "carol") and not result.completed
    assert result.skipped == (("assigned to another reviewer", ("rita",)),)
    assert decisions(db, campaign_id) == {
        "alice": ItemDecision.KEEP, "bob": ItemDecision.KEEP, "carol": ItemDecision.KEEP,
        "rita": ItemDecision.PENDING,
    }  # fmt: skip
    assert actions(db)[before:] == ["review.item_decided"] * 3
    with db.session() as s:
        assert len(s.exec(select(Evidence)).all()) == 3  # one attestation per account

    # Mo keeps Rita's account, the last one: the review completes, as one decision would.
    last = keep(db, actors["mo"], campaign_id, ids(db, campaign_id), store)
    assert last.kept == ("rita",) and last.completed
    assert last.skipped == (("already decided", ("alice", "bob", "carol")),)
    assert "campaign.completed" in actions(db)


def test_an_own_account_is_skipped_and_said_even_when_assigned_to_oneself(
    db: Database, store: LocalEvidenceStore
) -> None:
    actors = seed(db)
    campaign_id = start(db, actors["ana"], rows=[*ROWS, RITAS])
    with db.transaction() as s:  # as if Rita's account had not been recognised at the start
        own = s.exec(select(CampaignItem).where(CampaignItem.subject == "rita (GitHub)")).one()
        own.reviewer_id, own_id = actors["rita"].person_id, own.id or 0
        s.add(own)
    result = keep(db, actors["rita"], campaign_id, ids(db, campaign_id), store)
    assert result.kept == ("alice", "bob", "carol")
    assert result.skipped == (("your own account", ("rita",)),)
    before = actions(db)
    with pytest.raises(PermissionDenied, match=r"no account .* \(1 your own account\)"):
        keep(db, actors["rita"], campaign_id, [own_id], store)
    assert actions(db) == before and decisions(db, campaign_id)["rita"] is ItemDecision.PENDING


@pytest.mark.parametrize("who", ["ana", "eve", "raj", "audrey"])
def test_whoever_may_decide_none_of_them_is_refused_and_nothing_is_recorded(
    db: Database, store: LocalEvidenceStore, who: str
) -> None:
    actors = seed(db)
    campaign_id = start(db, actors["ana"])
    before = actions(db)
    with pytest.raises(PermissionDenied, match="Sorry, "):
        keep(db, actors[who], campaign_id, ids(db, campaign_id), store)
    assert actions(db) == before
    assert set(decisions(db, campaign_id).values()) == {ItemDecision.PENDING}
    with db.session() as s:
        assert s.exec(select(Evidence)).all() == []


def test_accounts_of_another_review_are_ignored_and_a_decided_page_conflicts(
    db: Database, store: LocalEvidenceStore
) -> None:
    actors = seed(db)
    first = start(db, actors["ana"])
    other = start(db, actors["ana"], name="Q2 other access")
    result = keep(db, actors["rita"], first, ids(db, first)[:1] + ids(db, other), store)
    assert result.kept == ("alice",) and result.skipped == ()
    assert set(decisions(db, other).values()) == {ItemDecision.PENDING}
    with pytest.raises(Conflict, match="already decided"):
        keep(db, actors["rita"], first, ids(db, first)[:1], store)
    keep(db, actors["rita"], first, ids(db, first), store)  # the rest: the review completes
    with pytest.raises(Conflict, match="completed"):
        keep(db, actors["rita"], first, ids(db, first), store)
    assert items(db, first)[0].decision is ItemDecision.KEEP
    with db.session() as s:
        campaign = s.get(Campaign, first)
        assert campaign is not None and campaign.status is CampaignStatus.COMPLETED
