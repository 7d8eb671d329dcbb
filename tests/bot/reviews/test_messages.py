"""The access-review prompt in a channel: paging, buttons, progress and the final summary."""

from __future__ import annotations

import datetime as dt

from bot.core.messages import Message
from bot.core.plain import render_plain
from bot.reviews.facts import ReviewItemRow, ReviewProgress
from bot.reviews.messages import follow_ups_section, review_prompt_view
from models import Campaign, CampaignItem, CampaignKind, CampaignStatus, FollowUp, ItemDecision
from models.follow_up import FollowUpStatus

WHEN = dt.datetime(2026, 5, 20, 14, 0, tzinfo=dt.UTC)
CAMPAIGN_ID = 7


def progress(
    accounts: int = 300,
    *,
    kept: int = 9,
    revoked: int = 3,
    status: CampaignStatus = CampaignStatus.OPEN,
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
        item = CampaignItem(
            id=100 + n,
            campaign_id=CAMPAIGN_ID,
            subject=f"user{n} (GitHub)",
            subject_email=f"user{n}@acme.test",
            decision=decision,
            decided_at=None if decision is ItemDecision.PENDING else WHEN,
            details={"account": f"user{n}", "system": "GitHub"},
        )
        decider = None if decision is ItemDecision.PENDING else "Raj Iyer"
        rows.append(ReviewItemRow(item, "Raj Iyer", decider))
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
    )


def action_ids(message: Message) -> list[str]:
    ids = [b.action_id for item in message.items for b in item.buttons]
    return ids + [b.action_id for b in message.buttons]


def test_the_prompt_is_public_and_shows_progress() -> None:
    message = review_prompt_view(progress())
    assert message.ephemeral is False and message.title == "Access review: Q2 prod access"
    assert message.text == "12 of 300 decided · 9 keep · 3 revoke · reviewer Raj Iyer"
    assert message.footer is not None and message.footer.startswith("Page 1 of 15")


def test_300_accounts_are_paged_20_at_a_time_with_navigation() -> None:
    seen: list[str] = []
    for page in range(15):
        message = review_prompt_view(progress(), page=page)
        assert len(message.items) == 20
        seen += [i.text for i in message.items]
        nav = {b.label: (b.action_id, b.value) for b in message.buttons}
        if page > 0:
            assert nav.pop("Previous page") == (f"review_page:7:{page - 1}", f"7:{page - 1}")
        if page < 14:
            assert nav.pop("Next page") == (f"review_page:7:{page + 1}", f"7:{page + 1}")
        assert nav == {}
        ids = action_ids(message)
        assert len(ids) == len(set(ids))
    assert seen == [f"user{n} (GitHub)" for n in range(1, 301)]


def test_out_of_range_pages_show_the_nearest_page() -> None:
    assert review_prompt_view(progress(), page=99).items[0].text == "user281 (GitHub)"
    assert review_prompt_view(progress(), page=-3).items[0].text == "user1 (GitHub)"
    assert review_prompt_view(progress(accounts=5)).buttons == ()


def test_pending_accounts_offer_keep_and_a_confirmed_revoke() -> None:
    pending = review_prompt_view(progress()).items[12]
    assert pending.detail == "user13@acme.test · GitHub · pending"
    keep, revoke = pending.buttons
    assert (keep.label, keep.action_id, keep.value, keep.style) == (
        "Keep",
        "review_keep:113",
        "113",
        "primary",
    )
    assert (revoke.label, revoke.action_id, revoke.style) == (
        "Revoke",
        "review_revoke:113",
        "danger",
    )
    assert revoke.confirm is not None and "user13 (GitHub)" in revoke.confirm.text


def test_decided_accounts_say_who_decided_when_and_have_no_buttons() -> None:
    items = review_prompt_view(progress()).items
    assert items[0].buttons == () and items[11].buttons == ()
    assert items[0].detail == "user1@acme.test · GitHub · kept by Raj Iyer on 20 May 2026 14:00 UTC"
    assert items[11].detail is not None and "revoked by Raj Iyer" in items[11].detail


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


def test_with_several_reviewers_each_pending_account_names_its_reviewer() -> None:
    several = progress(3, kept=0, revoked=0)
    several.reviewers.append("Mo Chen")
    message = review_prompt_view(several)
    assert message.text is not None and message.text.endswith("reviewers Raj Iyer, Mo Chen")
    assert message.items[0].detail == "user1@acme.test · GitHub · pending · reviewer Raj Iyer"
