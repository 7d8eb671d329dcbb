"""The access-review prompt: progress, compact rows, private pages, filter, bulk keep, summary."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from bot.core.messages import Message
from bot.core.plain import render_plain
from bot.reviews.facts import BulkKeep, ReviewItemRow, ReviewProgress
from bot.reviews.messages import (
    PromptView,
    bulk_keep_view,
    follow_ups_section,
    items_of,
    review_prompt_view,
    view_of,
)
from models import Campaign, CampaignItem, CampaignKind, CampaignStatus, FollowUp, ItemDecision
from models.follow_up import FollowUpStatus

WHEN = dt.datetime(2026, 5, 20, 14, 0, tzinfo=dt.UTC)
CAMPAIGN_ID = 7
BERLIN = ZoneInfo("Europe/Berlin")


def progress(
    accounts: int = 300,
    *,
    kept: int = 9,
    revoked: int = 3,
    status: CampaignStatus = CampaignStatus.OPEN,
    systems: tuple[str, ...] = ("GitHub",),
) -> ReviewProgress:
    campaign = Campaign(
        id=CAMPAIGN_ID,
        kind=CampaignKind.ACCESS_REVIEW,
        name="Q2 prod access",
        status=status,
        completed_at=WHEN if status is CampaignStatus.COMPLETED else None,
    )
    rows = []
    for n in range(1, accounts + 1):
        decision = (
            ItemDecision.KEEP
            if n <= kept
            else ItemDecision.REVOKE
            if n <= kept + revoked
            else ItemDecision.PENDING
        )
        system = systems[n % len(systems)]
        item = CampaignItem(
            id=100 + n,
            campaign_id=CAMPAIGN_ID,
            subject=f"user{n} ({system})",
            subject_email=f"user{n}@acme.test",
            decision=decision,
            decided_at=None if decision is ItemDecision.PENDING else WHEN,
            details={"account": f"user{n}", "system": system, "role": "admin"}
            | ({"last_activity": "2026-02-03"} if n % 2 else {}),
        )
        decider = None if decision is ItemDecision.PENDING else "Raj Iyer"
        rows.append(ReviewItemRow(item, "Raj Iyer", decider, f"User {n}" if n % 3 else None))
    return ReviewProgress(
        campaign=campaign,
        items=rows,
        total=accounts,
        decided=kept + revoked,
        kept=kept,
        revoked=revoked,
        pending=accounts - kept - revoked,
        reviewers=["Raj Iyer"],
        follow_ups=revoked if status is CampaignStatus.COMPLETED else 0,
        completed_on=WHEN.date() if status is CampaignStatus.COMPLETED else None,
        zone=ZoneInfo("America/New_York"),
    )


def action_ids(message: Message) -> list[str]:
    ids = [b.action_id for item in message.items for b in item.buttons]
    return ids + [b.action_id for b in message.buttons]


def labels(message: Message) -> dict[str, str]:
    return {b.label: b.action_id for b in message.buttons}


def test_the_shared_prompt_shows_progress_and_says_the_system_and_timezone_once() -> None:
    message = review_prompt_view(progress())
    assert message.ephemeral is False and message.title == "Access review: Q2 prod access"
    assert message.text == "▱▱▱▱▱▱▱▱▱▱ 12 of 300 decided · 9 kept · 3 revoked"
    assert message.context == (
        "GitHub accounts · reviewer Raj Iyer · America/New York time (the program’s)"
    )
    assert message.footer == "Page 1 of 30 · Other pages and filters open only for you."
    assert all("GitHub" not in f"{i.text} {i.detail}" for i in message.items)
    half = review_prompt_view(progress(20, kept=8, revoked=2))
    assert half.text is not None and half.text.startswith("▰▰▰▰▰▱▱▱▱▱ 10 of 20 decided")


def test_rows_are_compact_account_holder_role_and_last_activity() -> None:
    rows = review_prompt_view(progress(), page=1, private=True).items  # user11 to user20
    assert [(r.text, r.detail) for r in rows[2:5]] == [
        ("user13", "User 13 · admin · last active 3 Feb 2026"),
        ("user14", "User 14 · admin"),
        ("user15", "user15@acme.test · admin · last active 3 Feb 2026"),  # no holder on file
    ]
    mixed = review_prompt_view(progress(4, kept=0, revoked=0, systems=("AWS", "Okta")))
    texts = [i.text for i in mixed.items]
    assert texts == ["user1 · Okta", "user2 · AWS", "user3 · Okta", "user4 · AWS"]
    assert mixed.context is not None and mixed.context.startswith("reviewer Raj Iyer")


def test_decided_rows_say_kept_or_revoked_who_and_when_in_the_readers_zone() -> None:
    shared = review_prompt_view(progress()).items
    assert shared[0].buttons == () and shared[9].buttons == ()
    assert shared[0].detail == "✓ kept · Raj Iyer · 20 May 10:00"  # New York, the program's
    private = review_prompt_view(progress(), private=True, zone=BERLIN)
    assert private.items[0].detail == "✓ kept · Raj Iyer · 20 May 16:00"
    assert private.context is not None and private.context.endswith("Europe/Berlin time (yours)")
    revoked = review_prompt_view(progress(), page=1, private=True).items[1]
    assert revoked.text == "user12" and revoked.detail == "✗ revoked · Raj Iyer · 20 May 10:00"


def test_pending_accounts_offer_keep_and_a_confirmed_revoke() -> None:
    pending = review_prompt_view(progress(30, kept=0, revoked=0)).items[2]
    keep, revoke = pending.buttons
    assert (keep.label, keep.action_id, keep.value, keep.style) == (
        "Keep", "review_keep:103", "103", "primary",
    )  # fmt: skip
    assert (revoke.label, revoke.action_id, revoke.style) == (
        "Revoke", "review_revoke:103", "danger",
    )  # fmt: skip
    assert revoke.confirm is not None and "user3 (GitHub)" in revoke.confirm.text
    private = review_prompt_view(progress(30, kept=0, revoked=0), page=1, private=True)
    assert private.items[2].buttons[0].value == "113;a1"  # its view: redrawn in place


def test_the_shared_prompt_offers_bulk_keep_the_filter_and_next_but_never_previous() -> None:
    message = review_prompt_view(progress(30, kept=5, revoked=0), page=2)  # page 1 for all
    assert [b.label for b in message.buttons] == [
        "Keep all remaining on this page", "Show pending only", "Next",
    ]  # fmt: skip
    bulk, pending_only, nxt = message.buttons
    assert bulk.action_id == "review_keep_page:7:0" and bulk.value == "106,107,108,109,110"
    assert pending_only.action_id == "review_pending:7:0" and nxt.action_id == "review_page:7:1"
    assert view_of(nxt.value) == view_of(bulk.value) == PromptView()  # on the shared prompt


def test_bulk_keep_names_the_pending_accounts_of_its_page_and_asks_first() -> None:
    message = review_prompt_view(progress(), page=1, private=True)
    bulk = message.buttons[0]
    assert bulk.action_id == "review_keep_page:7:1"
    assert items_of(bulk.value) == list(range(113, 121))  # user13..user20: the page's pending
    assert view_of(bulk.value) == PromptView(1, private=True)
    assert bulk.confirm is not None and bulk.confirm.confirm_label == "Keep 8"
    assert "8 accounts still pending" in bulk.confirm.text and "user13" in bulk.confirm.text
    assert "not yours" in bulk.confirm.text


def test_private_pages_page_with_previous_and_next_and_say_they_are_private() -> None:
    seen: list[str] = []
    for page in range(30):
        message = review_prompt_view(progress(), page=page, private=True)
        assert message.ephemeral is True and len(message.items) == 10 and message.footer is None
        assert message.context is not None
        assert message.context.startswith(f"Page {page + 1} of 30 · only you see this page · ")
        seen += [i.text for i in message.items]
        nav = labels(message)
        assert nav.pop("Previous", None) == (f"review_page:7:{page - 1}" if page else None)
        assert nav.pop("Next", None) == (f"review_page:7:{page + 1}" if page < 29 else None)
        ids = action_ids(message)
        assert len(ids) == len(set(ids))
        for button in [b for i in message.items for b in i.buttons] + list(message.buttons):
            assert view_of(button.value) == PromptView(page, private=True), button
    assert seen == [f"user{n}" for n in range(1, 301)]


def test_out_of_range_pages_show_the_nearest_page() -> None:
    assert review_prompt_view(progress(), page=99, private=True).items[0].text == "user291"
    assert review_prompt_view(progress(), page=-3, private=True).items[0].text == "user1"
    assert "Next" not in labels(review_prompt_view(progress(accounts=5)))


def test_pending_only_lists_only_pending_accounts_and_offers_all_again() -> None:
    message = review_prompt_view(progress(30), pending_only=True, private=True)
    assert [i.text for i in message.items] == [f"user{n}" for n in range(13, 23)]
    assert message.context is not None
    assert message.context.startswith("Page 1 of 2 · pending only · only you see this page")
    nav = labels(message)
    assert nav["Show all accounts"] == "review_page:7:0" and nav["Next"] == "review_pending:7:1"
    assert view_of(message.buttons[0].value) == PromptView(0, True, private=True)
    done = review_prompt_view(progress(5, kept=5, revoked=0), pending_only=True, private=True)
    assert done.items == () and done.text is not None and done.text.endswith("Nothing is pending.")
    shared = review_prompt_view(progress(30), pending_only=True)  # never on the shared prompt
    assert shared.items[0].text == "user1"


def test_bulk_keep_reports_what_was_kept_and_what_was_skipped_and_why() -> None:
    result = BulkKeep(
        7,
        ("a", "b", "c"),
        (("assigned to another reviewer", ("d", "e")), ("your own account", ("raj",))),
        completed=False,
    )
    assert bulk_keep_view(result).text == (
        "Kept 3 accounts. Skipped 3: 2 assigned to another reviewer; 1 your own account (raj)."
    )
    last = bulk_keep_view(BulkKeep(7, ("a",), (), completed=True))
    assert last.text == "Kept 1 account. That was the last one: the review is complete."


def test_a_completed_review_shows_a_summary_without_buttons() -> None:
    message = review_prompt_view(progress(5, kept=3, revoked=2, status=CampaignStatus.COMPLETED))
    assert message.items == () and message.buttons == () and message.ephemeral is False
    assert message.text == "Completed on 20 May 2026: all 5 accounts decided."
    fields = {f.label: f.value for f in message.fields}
    assert fields["Keep"] == "3" and fields["Revoke"] == "2"
    assert fields["Follow-ups"].startswith("2 ")
    assert "Completed" in render_plain(message)


def test_open_follow_ups_get_a_done_button_and_finished_ones_are_left_out() -> None:
    open_one = FollowUp(
        id=5, campaign_id=7, title="Remove access: bob (AWS)", due_on=dt.date(2026, 5, 27)
    )
    done = FollowUp(
        id=6,
        campaign_id=7,
        title="Remove access: x",
        due_on=dt.date(2026, 5, 27),
        status=FollowUpStatus.DONE,
    )
    section = follow_ups_section([open_one, done])
    assert section is not None and [i.text for i in section.items] == ["Remove access: bob (AWS)"]
    (button,) = section.items[0].buttons
    assert (button.label, button.action_id, button.value) == ("Done", "fu_done:5", "5")
    assert section.items[0].detail == "due Wed 27 May 2026"
    assert follow_ups_section([done]) is None and follow_ups_section([]) is None


def test_an_account_names_its_reviewer_only_when_it_is_not_the_main_one() -> None:
    several = progress(3, kept=0, revoked=0)
    several.reviewers.append("Mo Chen")
    several.items[1] = ReviewItemRow(several.items[1].item, "Mo Chen", None, "User 2")
    message = review_prompt_view(several)
    assert message.context is not None and "reviewers Raj Iyer, Mo Chen" in message.context
    assert message.items[0].detail == "User 1 · admin · last active 3 Feb 2026"
    assert message.items[1].detail == "User 2 · admin · reviewer Mo Chen"
