"""A policy's review in Slack, through the real app: the owner's DM, a new version sent as a
file, each approver's DM and buttons, publication and its round, and the refusals.

The world (tests/handlers/conftest.py) serves Slack and Teams to 50 people; DMs are delivered
by the real outbox sender to the fake Slack. Raj owns the policy; p0 then p1 approve it.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from typing import Any

from sqlmodel import select

from models import ChatMessage, OccurrenceStatus, VersionStatus
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
    wait_until,
)
from tests.handlers.slack.signing import interaction_body, signed_headers, view_submission_payload

OWNER, FIRST, SECOND = "URAJ", "UP0", "UP1"
_EVENTS = itertools.count(1)


def setup(world: World) -> int:
    found = register(world, owner="raj@acme.test", approvers=["p0@acme.test", "p1@acme.test"])
    assert ask_owner(world) == 1
    return found.occurrence_id


def press(world: World, user: str, prefix: str) -> None:
    button = world.slack_dm_button(user, prefix)
    assert world.click(user, button["action_id"], button.get("value", "")).status_code == 200


def share(world: World, user: str, content: bytes, text: str = "", thread: str = "") -> None:
    """`user` sends a file to the bot in their DM (a `file_share` message event)."""
    n = next(_EVENTS)
    file = world.slack.add_file(content, name="access-control.pdf", mimetype="application/pdf")
    event = {"type": "message", "subtype": "file_share", "user": user, "channel": f"D{user}",
             "channel_type": "im", "text": text, "ts": f"1700009{n:03d}.0001",
             "files": [file], **({"thread_ts": thread} if thread else {})}  # fmt: skip
    assert world.slack_event(event, f"EvPolicy{n}").status_code == 200


def posts(world: World, user: str) -> list[str]:
    return [
        str(c.args.get("text")) + str(c.args.get("blocks") or "")
        for c in world.slack.calls_to("chat.postMessage")
        if c.args.get("channel") in (user, f"D{user}")
    ]


def posted_to(world: World, user: str) -> str:
    return " ".join(posts(world, user))


def send_file(world: World, content: bytes, text: str = "", thread: str = "") -> str:
    """Raj sends a file in his DM; the bot's answer in its thread."""
    before = len(posts(world, OWNER))
    share(world, OWNER, content, text, thread)
    wait_until(lambda: len(posts(world, OWNER)) > before)
    return posts(world, OWNER)[-1]


def new_version(world: World, content: bytes, text: str = "") -> None:
    """Raj presses New version on his DM and sends the file; it is submitted."""
    press(world, OWNER, "policy_new_version:")
    assert "Send the new document of Access Control Policy here" in world.said()
    assert "waiting for approval" in send_file(world, content, text)


def test_the_whole_path_from_review_to_acceptance(world: World) -> None:
    occurrence = setup(world)
    assert "Time to review Access Control Policy" in posted_to(world, OWNER)
    new_version(world, PDF, "here is 1.1")
    [_, submitted] = versions(world)
    assert submitted.version == "1.1" and submitted.sha256 == hashlib.sha256(PDF).hexdigest()
    assert "Sent to Person 0 (step 1 of 2)" in posted_to(world, OWNER)

    world.deliver()
    assert submitted.sha256 in posted_to(world, FIRST) and "Step 1 of 2" in posted_to(world, FIRST)
    press(world, FIRST, "policy_approve:")
    assert "Next: Person 1 (step 2 of 2)" in world.said()
    world.deliver()
    press(world, SECOND, "policy_approve:")
    assert "Published" in world.said()
    old, new = versions(world)
    assert (old.status, new.status) == (VersionStatus.SUPERSEDED, VersionStatus.PUBLISHED)
    assert review_status(world, occurrence) is OccurrenceStatus.DONE

    assert world.deliver() >= 49  # the round's DMs, and Raj's note that it is published
    assert "Published: Access Control Policy, version 1.1" in posted_to(world, OWNER)
    button = world.slack_dm_button("UP5", "camp_ack:")
    assert button["text"]["text"] == "I have read and accept version 1.1"
    world.click("UP5", button["action_id"], button["value"])
    listing = str(world.command("policies", "UAUD")["blocks"])
    assert "version 1.1 · current" in listing and "1 of 50 accepted (2%)" in listing
    detail = str(world.command(f"policy {KEY}", "UEVE")["blocks"])
    assert "Step 1: Person 0 approved" in detail and "Step 2: Person 1 approved" in detail
    assert new.sha256 in detail and "Not accepted yet (49)" in detail


def test_no_changes_completes_the_review_naming_the_version(world: World) -> None:
    occurrence = setup(world)
    press(world, OWNER, "policy_no_changes:")
    replaced = [r for r in world.responses() if r.get("replace_original") is True]
    assert "Reviewed: Access Control Policy, version 1.0" in str(replaced[-1]["blocks"])
    assert "No changes: Access Control Policy, version 1.0" in world.said()
    assert review_status(world, occurrence) is OccurrenceStatus.DONE
    assert len(versions(world)) == 1


def _request_changes(world: World, user: str, comment: str) -> Any:
    """Press Request changes, then answer the comment modal it opened."""
    press(world, user, "policy_changes:")
    view = world.slack.calls_to("views.open")[-1].args["view"]
    view = json.loads(view) if isinstance(view, str) else view
    values = {"comment_block": {"comment": {"type": "plain_text_input", "value": comment}}}
    payload = view_submission_payload(
        callback_id=view["callback_id"], values=values, user_id=user,
        private_metadata=view["private_metadata"],
    )  # fmt: skip
    body = interaction_body(payload)
    headers = signed_headers(
        body, "test-signing-secret", content_type="application/x-www-form-urlencoded"
    )
    return world.client.post("/slack/events", content=body, headers=headers)


def test_request_changes_goes_back_to_the_owner_who_resubmits(world: World) -> None:
    setup(world)
    new_version(world, PDF)
    world.deliver()
    answer = _request_changes(world, FIRST, "Name the break-glass account")
    assert answer.status_code == 200
    wait_until(lambda: versions(world)[-1].status is VersionStatus.CHANGES_REQUESTED)
    world.deliver()
    assert "Name the break-glass account" in posted_to(world, OWNER)

    new_version(world, REVISED)  # no version named: the revised document of 1.1
    [_, row] = versions(world)
    assert row.version == "1.1" and row.status is VersionStatus.AWAITING_APPROVAL
    assert row.sha256 == hashlib.sha256(REVISED).hexdigest()
    world.deliver()
    press(world, FIRST, "policy_approve:")  # the newest card: the revised document
    world.deliver()
    press(world, SECOND, "policy_approve:")
    assert versions(world)[-1].status is VersionStatus.PUBLISHED


def test_segregation_of_duties_refusals_record_nothing(world: World) -> None:
    setup(world)
    new_version(world, PDF)
    world.deliver()
    button = world.slack_dm_button(FIRST, "policy_approve:")
    world.command("whoami", "UAUD")  # Audrey's first contact links her (that is recorded)
    before = state(world.db)
    for user, said in (
        (OWNER, "its owner never approves it"),
        (SECOND, "not your turn yet: Access Control Policy waits for Person 0"),
        ("UAUD", "auditors have read-only access"),
        ("UP7", "not an approver"),
    ):
        world.click(user, button["action_id"], button["value"])
        assert said in world.said(), user
    assert state(world.db) == before


def test_a_changed_document_invalidates_the_earlier_approval(world: World) -> None:
    setup(world)
    new_version(world, PDF)
    world.deliver()
    old_card = world.slack_dm_button(FIRST, "policy_approve:")
    press(world, FIRST, "policy_approve:")
    world.deliver()
    answer = send_file(world, REVISED, "policy submit access-control 1.1")  # same version, anew
    assert "waiting for approval" in answer
    assert versions(world)[-1].sha256 == hashlib.sha256(REVISED).hexdigest()
    [approval] = approvals(world)
    assert approval.invalidated_at is not None
    world.deliver()
    press(world, SECOND, "policy_approve:")  # Sam's card of the old document: not his turn now
    assert "not your turn yet" in world.said()
    world.click(FIRST, old_card["action_id"], old_card["value"])
    assert "The document changed after this card was sent" in world.said()
    press(world, FIRST, "policy_approve:")
    assert "Next: Person 1" in world.said()
    detail = str(world.command(f"policy {KEY}", "URAJ")["blocks"])
    assert "no longer counts: the document changed" in detail


def test_a_file_in_the_thread_of_the_review_dm_is_the_new_version(world: World) -> None:
    occurrence = setup(world)
    with world.db.session() as session:
        [card] = session.exec(select(ChatMessage).where(ChatMessage.kind == "policy_review")).all()
    assert card.occurrence_id == occurrence and card.channel == f"D{OWNER}"
    assert "Sent to Person 0" in send_file(world, PDF, "v2", thread=card.message_id)
    assert [v.version for v in versions(world)] == ["1.0", "2"]
    assert review_status(world, occurrence) is OccurrenceStatus.PENDING  # until published


def test_the_reviews_reminder_offers_its_answers_and_mark_done_points_there(world: World) -> None:
    occurrence = setup(world)
    remind_owner(world, occurrence)
    reminder = posts(world, OWNER)[-1]
    assert "Reminder: Review Access Control Policy" in reminder
    assert "policy_no_changes:" in reminder and "policy_new_version:" in reminder
    assert "occ_done" not in reminder and "occ_attach" not in reminder
    before = state(world.db)
    world.click(OWNER, f"occ_done:{occurrence}", str(occurrence))  # an older card's button
    assert "Answer the review with No changes or send the new version" in world.said()
    assert state(world.db) == before
    press(world, OWNER, "policy_no_changes:")  # the reminder's own
    assert "No changes: Access Control Policy, version 1.0" in world.said()
    assert review_status(world, occurrence) is OccurrenceStatus.DONE


def test_a_file_in_the_thread_of_the_reviews_reminder_is_the_new_version(world: World) -> None:
    occurrence = setup(world)
    remind_owner(world, occurrence)
    with world.db.session() as session:
        [reminder] = session.exec(
            select(ChatMessage).where(
                ChatMessage.kind == "task", ChatMessage.occurrence_id == occurrence
            )
        ).all()
    assert "Sent to Person 0" in send_file(world, PDF, "v2", thread=reminder.message_id)
    assert [v.version for v in versions(world)] == ["1.0", "2"]
