"""A review's progress loaded one page at a time shows exactly what the whole review shows."""

from __future__ import annotations

import pytest

from bot.core.db import Database
from bot.evidence.local import LocalEvidenceStore
from bot.reviews.csv_files import AccountRow
from bot.reviews.messages import review_prompt_view
from bot.reviews.progress import get_review_progress
from tests.bot.reviews.review_support import decide, items, seed, start

ROWS = [
    AccountRow(
        account=f"user{n:02d}", email=None, system="GitHub" if n % 7 else "AWS", system_owner=None
    )
    for n in range(27)
]


@pytest.mark.parametrize("pending_only", [False, True])
def test_every_page_loaded_alone_draws_as_the_whole_review_draws_it(
    db: Database, store: LocalEvidenceStore, pending_only: bool
) -> None:
    actors = seed(db)
    campaign_id = start(db, actors["raj"], rows=ROWS)
    for item in items(db, campaign_id)[3:17:2]:  # decided rows spread over the pages
        decide(db, actors["rita"], item.id or 0, "keep", store)
    with db.session() as s:
        whole = get_review_progress(session=s, campaign_id=campaign_id)
        for page in range(-1, 5):  # out-of-range pages clamp to the first and the last
            paged = get_review_progress(
                session=s, campaign_id=campaign_id, page=page, pending_only=pending_only
            )
            assert len(paged.items) <= 10
            expected = review_prompt_view(whole, page=page, pending_only=pending_only, private=True)
            assert review_prompt_view(paged, private=True) == expected
        shared = get_review_progress(session=s, campaign_id=campaign_id, page=0)
        assert review_prompt_view(shared) == review_prompt_view(whole)


def test_a_review_on_one_system_names_it_once_when_paged(
    db: Database, store: LocalEvidenceStore
) -> None:
    actors = seed(db)
    rows = [
        AccountRow(account=f"dev{n}", email=None, system="Okta", system_owner=None)
        for n in range(12)
    ]
    campaign_id = start(db, actors["raj"], rows=rows)
    with db.session() as s:
        paged = get_review_progress(session=s, campaign_id=campaign_id, page=1)
    shown = review_prompt_view(paged, private=True)
    assert shown.context and "Okta accounts" in shown.context
    assert [i.text for i in shown.items] == ["dev10", "dev11"]
