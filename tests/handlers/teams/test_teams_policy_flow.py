"""A policy's review in Teams, through the real app: the owner's card, a new version sent as a
file in the personal chat, each approver's card and its buttons, publication and its round,
and the refusals.

The world (tests/handlers/conftest.py) serves Slack and Teams to 50 people; DMs are delivered
by the real outbox sender through the fake connector. p30 owns the policy; p31 then p32
approve it (all three on Teams).
"""

from __future__ import annotations

import hashlib
from typing import Any

from models import OccurrenceStatus, VersionStatus
from tests.bot.policies.policy_support import state
from tests.handlers.campaign_world import World
from tests.handlers.policy_world import (
    KEY,
    PDF,
    REVISED,
    approvals,
    ask_owner,
    register,
    remind_owner,
    review_status,
    versions,
)
from tests.handlers.teams.cardcheck import card_text

OWNER, FIRST, SECOND = 30, 31, 32


def setup(world: World) -> int:
    found = register(world, owner="p30@acme.test", approvers=["p31@acme.test", "p32@acme.test"])
    assert ask_owner(world) == 1
    return found.occurrence_id


def said(world: World, n: int) -> list[str]:
    """Everything sent to p`n`'s personal chat (texts and cards), oldest first."""
    shown = []
    for activity in world.teams.sent_activities():
        if activity.get("conversation", {}).get("id") != f"a:personal-p{n}":
            continue
        cards = [
            card_text(a["content"])
            for a in activity.get("attachments") or []
            if a.get("contentType") == "application/vnd.microsoft.card.adaptive"
        ]
        shown.append(" ".join([activity.get("text") or "", *cards]))
    return shown


def press(world: World, n: int, prefix: str, **extra: Any) -> str:
    """p`n` presses the newest button starting with `prefix`; what they were told."""
    before = len(said(world, n))
    world.teams_submit(n, {**world.teams_card_button(n, prefix), **extra})
    return " ".join(said(world, n)[before:])


def send_file(world: World, content: bytes, text: str = "") -> str:
    """The owner sends a file in their personal chat; what the bot answered."""
    before = len(said(world, OWNER))
    file = world.teams.add_file(content, name="access-control.pdf")
    world.teams_say(OWNER, text, attachments=[file])
    return " ".join(said(world, OWNER)[before:])


def new_version(world: World, content: bytes, text: str = "") -> None:
    told = press(world, OWNER, "policy_new_version:")
    assert "Send the new document of Access Control Policy here" in told
    assert "waiting for approval" in send_file(world, content, text)


def test_the_whole_path_from_review_to_acceptance(world: World) -> None:
    occurrence = setup(world)
    assert "Time to review Access Control Policy" in " ".join(said(world, OWNER))
    new_version(world, PDF, "version 1.1")
    [_, submitted] = versions(world)
    assert submitted.version == "1.1" and submitted.sha256 == hashlib.sha256(PDF).hexdigest()

    world.deliver()
    assert submitted.sha256 in " ".join(said(world, FIRST))
    assert "Next: Person 32 (step 2 of 2)" in press(world, FIRST, "policy_approve:")
    world.deliver()
    assert "Published" in press(world, SECOND, "policy_approve:")
    old, new = versions(world)
    assert (old.status, new.status) == (VersionStatus.SUPERSEDED, VersionStatus.PUBLISHED)
    assert review_status(world, occurrence) is OccurrenceStatus.DONE

    assert world.deliver() >= 49
    assert "Published: Access Control Policy, version 1.1" in " ".join(said(world, OWNER))
    assert "Recorded, word for word" in press(world, 40, "camp_ack:")
    world.teams_say(40, "policies")
    assert "1 of 50 accepted (2%)" in said(world, 40)[-1]
    world.teams_say(40, f"policy {KEY}")
    detail = said(world, 40)[-1]
    assert "Step 1: Person 31 approved" in detail and new.sha256 in detail


def test_no_changes_completes_the_review_naming_the_version(world: World) -> None:
    occurrence = setup(world)
    told = press(world, OWNER, "policy_no_changes:")
    assert "No changes: Access Control Policy, version 1.0" in told
    assert "Reviewed: Access Control Policy, version 1.0" in told  # the card, updated in place
    assert review_status(world, occurrence) is OccurrenceStatus.DONE


def test_request_changes_goes_back_to_the_owner_who_resubmits(world: World) -> None:
    setup(world)
    new_version(world, PDF)
    world.deliver()
    assert "Request changes" in press(world, FIRST, "policy_changes:")  # the comment form
    told = press(world, FIRST, "policy_changes_submit:", comment="Name the break-glass account")
    assert "Changes requested" in told
    assert versions(world)[-1].status is VersionStatus.CHANGES_REQUESTED
    world.deliver()
    assert "Name the break-glass account" in " ".join(said(world, OWNER))

    new_version(world, REVISED)  # the revised document of 1.1
    assert versions(world)[-1].sha256 == hashlib.sha256(REVISED).hexdigest()
    world.deliver()
    press(world, FIRST, "policy_approve:")
    world.deliver()
    press(world, SECOND, "policy_approve:")
    assert versions(world)[-1].status is VersionStatus.PUBLISHED


def test_segregation_of_duties_refusals_record_nothing(world: World) -> None:
    setup(world)
    new_version(world, PDF)
    world.deliver()
    button = world.teams_card_button(FIRST, "policy_approve:")
    before = state(world.db)
    for n, words in (
        (OWNER, "its owner never approves it"),
        (SECOND, "not your turn yet: Access Control Policy waits for Person 31"),
        (33, "not an approver"),
    ):
        world.teams_submit(n, button)
        assert words in world.last_teams_text(n), n
    assert state(world.db) == before


def test_a_changed_document_invalidates_the_earlier_approval(world: World) -> None:
    setup(world)
    new_version(world, PDF)
    world.deliver()
    old_card = world.teams_card_button(FIRST, "policy_approve:")
    press(world, FIRST, "policy_approve:")
    answer = send_file(world, REVISED, "policy submit access-control 1.1")
    assert "waiting for approval" in answer
    [approval] = approvals(world)
    assert approval.invalidated_at is not None
    world.deliver()
    assert "not your turn yet" in press(world, SECOND, "policy_approve:")
    world.teams_submit(FIRST, old_card)
    assert "The document changed after this card was sent" in world.last_teams_text(FIRST)
    assert "Next: Person 32" in press(world, FIRST, "policy_approve:")
    world.teams_say(OWNER, f"policy {KEY}")
    assert "no longer counts: the document changed" in said(world, OWNER)[-1]


def test_the_reviews_reminder_offers_its_answers_and_mark_done_points_there(world: World) -> None:
    occurrence = setup(world)
    remind_owner(world, occurrence)
    reminder = said(world, OWNER)[-1]
    assert "Reminder: Review Access Control Policy" in reminder
    assert "No changes" in reminder and "New version" in reminder and "Mark done" not in reminder
    button = world.teams_card_button(OWNER, "policy_no_changes:")
    stale = {**button, "action_id": f"occ_done:{occurrence}", "value": str(occurrence)}
    before = state(world.db)
    world.teams_submit(OWNER, stale)  # as an older card's Mark done
    assert "Answer the review with No changes or send the new version" in said(world, OWNER)[-1]
    assert state(world.db) == before
    assert "No changes: Access Control Policy" in press(world, OWNER, "policy_no_changes:")
    assert review_status(world, occurrence) is OccurrenceStatus.DONE
