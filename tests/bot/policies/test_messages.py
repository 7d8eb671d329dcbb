"""The policy cards as people see them on both platforms: what to decide, with which hash."""

from __future__ import annotations

from bot.core.messages import Message
from bot.policies.facts import Decided
from bot.policies.messages import decided_view
from tests.bot.policies.policy_cards import SHA, sample_cards
from tests.both_platforms import both


def _buttons(message: Message) -> list[tuple[str, str, str]]:
    return [(b.label, b.action_id.split(":")[0], b.style) for b in message.buttons]


def test_the_owner_is_asked_to_confirm_the_version_or_send_a_new_one() -> None:
    review = sample_cards()[0]
    assert _buttons(review) == [
        ("No changes", "policy_no_changes", "primary"),
        ("New version", "policy_new_version", "default"),
    ]
    for text in both(review).values():
        assert (
            "Time to review Access Control Policy" in text and "Is version 1.0 still right?" in text
        )
        assert "Due Sat 31 Jan 2026 · #41" in text


def test_an_approver_sees_the_document_its_hash_and_whose_turn_it_is() -> None:
    card = sample_cards()[1]
    assert _buttons(card) == [
        ("Approve", "policy_approve", "primary"),
        ("Request changes", "policy_changes", "danger"),
    ]
    assert {b.value for b in card.buttons} == {SHA}  # the decision is bound to this hash
    for text in both(card).values():
        assert "Please approve Access Control Policy, version 1.1" in text
        assert "Step 1 of 2 · submitted by Raj Iyer" in text and SHA in text
        assert "access-control.pdf" in text and "Adds the break-glass account" in text


def test_changes_requested_quote_the_approver_to_the_owner() -> None:
    told = sample_cards()[2]
    assert _buttons(told) == [("New version", "policy_new_version", "default")]
    for text in both(told).values():
        assert "“Name the break-glass account”" in text and "By Eve Park (step 1 of 2)" in text


def test_a_decided_card_says_what_happens_next() -> None:
    base = Decided("access-control", "Access Control Policy", "1.1", True, 1, 2)
    assert "Next: Sam Lee (step 2 of 2)" in (decided_view(
        Decided(**{**base.__dict__, "next_approver": "Sam Lee"})).text or "")  # fmt: skip
    published = Decided(**{**base.__dict__, "step": 2, "published": True, "campaign_id": 7,
                           "enrolled": 50})  # fmt: skip
    assert "round (camp-7) has started for 50 people" in (decided_view(published).text or "")
    asked = Decided(**{**base.__dict__, "approved": False, "comment": "Date it"})
    assert decided_view(asked).title == "Changes requested: Access Control Policy, version 1.1"
