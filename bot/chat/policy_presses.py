"""The policy buttons of the core table: the owner's review answers and the approvers' decisions.

Each runs in the press's own transaction (`bot.chat.actions`); the services check who may.
"""

from __future__ import annotations

import re
from dataclasses import replace

from bot.chat.presses import Ask, Call, CommentAsk, Outcome
from bot.core.messages import Message
from bot.outbox.conversations import await_file
from bot.policies import records
from bot.policies.approvals import check_turn, decide_version
from bot.policies.intake import suggested_version
from bot.policies.messages import (
    CHANGES_SUBMIT_ACTION,
    decided_view,
    new_version_asked_view,
    no_changes_view,
    reviewed_view,
)
from bot.policies.services import answer_no_changes
from bot.work.occurrences import get_occurrence_or_raise
from bot.work.policy_reviews import policy_of_occurrence

_SHA256 = re.compile(r"[0-9a-f]{64}")


def _seen(call: Call) -> str | None:
    """The document's hash the card showed (its buttons' value), when it carries one."""
    value = call.press.value.strip().lower()
    return value if _SHA256.fullmatch(value) else None


def no_changes(call: Call) -> Outcome:
    """ "No changes": the owner's attestation completes the review; the card says so."""
    policy = records.get_policy_by_id_or_raise(session=call.session, policy_id=call.ref)
    answered = answer_no_changes(
        session=call.session, actor=call.actor, policy_key=policy.key, now=call.now
    )
    return Outcome(card=reviewed_view(answered), reply=no_changes_view(answered))


def new_version(call: Call) -> Outcome:
    """ "New version": the next file the owner sends in this chat is the new document."""
    session, actor = call.session, call.actor
    policy = records.get_policy_by_id_or_raise(session=session, policy_id=call.ref)
    records.check_owner(actor, policy)
    review = records.open_review(session=session, policy=policy, now=call.now)
    here = bool(call.press.conversation) and review is not None
    if here and review is not None:
        await_file(
            session=session, conversation=call.press.conversation, occurrence_id=review.id,
            person_id=actor.person_id or 0, now=call.now,
        )  # fmt: skip
    suggested = suggested_version(session=session, policy=policy)
    asked = new_version_asked_view(policy.title, policy.key, here=here, suggested=suggested)
    return Outcome(reply=asked)


def new_version_for_review(call: Call) -> Outcome | None:
    """ "Attach evidence" (an older card, `evidence N`) on a policy's review is its New version:
    the file that follows is the new document. None for any other work."""
    occurrence = get_occurrence_or_raise(session=call.session, occurrence_id=call.ref)
    found = policy_of_occurrence(session=call.session, occurrence=occurrence)
    if found is None:
        return None
    return new_version(replace(call, press=replace(call.press, ids=(found.id,))))


def approve(call: Call) -> Outcome:
    """Approve, bound to the document's SHA-256 the card showed (its value)."""
    decided = decide_version(
        session=call.session, actor=call.actor, version_id=call.ref, approve=True,
        now=call.now, sha256=_seen(call),
    )  # fmt: skip
    card = decided_view(decided)  # the presser is told the same, with its title, privately
    return Outcome(card=card, reply=Message(title=card.title, text=card.text))


def ask_changes(call: Call) -> Outcome:
    """ "Request changes": refused at once unless it is the presser's turn, else the form."""
    check_turn(session=call.session, actor=call.actor, version_id=call.ref)
    form = CommentAsk(
        title="Request changes",
        label="What should change? The owner gets it; it is kept in the audit trail.",
        submit=f"{CHANGES_SUBMIT_ACTION}:{call.ref}",
        value=call.press.value,
    )
    return Outcome(ask=Ask.COMMENT, ref=call.ref, subject=form)


def changes_submit(call: Call) -> Outcome:
    """The comment form's answer: changes requested, and the owner told."""
    decided = decide_version(
        session=call.session, actor=call.actor, version_id=call.ref, approve=False,
        now=call.now, comment=str(call.press.form.get("comment") or ""),
        sha256=_seen(call),
    )  # fmt: skip
    card = decided_view(decided)  # the presser is told the same, with its title, privately
    return Outcome(card=card, reply=Message(title=card.title, text=card.text))
