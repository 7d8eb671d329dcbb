"""Every button and form of every platform: its action id, its permission, its one service call.

Adding a button is one action id (a constant next to the message that shows it), one row
here and the message builder; the adapters already render every `Outcome`.
"""

from __future__ import annotations

from dataclasses import replace

from bot.campaigns import messages as campaign_messages
from bot.campaigns.items import (
    acknowledge_policy,
    check_can_attach_certificate,
    confirm_training,
)
from bot.chat import policy_presses as policy
from bot.chat.presses import Ask, Call, Entry, Outcome, Redraw
from bot.chat.refs import parse_page
from bot.core.errors import InvalidInput
from bot.core.messages import LINK_ACTION
from bot.core.paging import MORE_ACTION_ID
from bot.core.permissions import Action
from bot.core.program import program_zone
from bot.digest import messages as digest_messages
from bot.digest.services import compose_digest_details
from bot.evidence.messages import evidence_recorded_view, file_awaited_view
from bot.evidence.services import complete_by_attestation
from bot.outbox.conversations import await_file
from bot.policies import messages as policy_messages
from bot.reminders import messages as reminder_messages
from bot.reminders.services import snooze_occurrence, snooze_zone
from bot.reviews import messages as review_messages
from bot.reviews.bulk import keep_remaining
from bot.reviews.completion import complete_follow_up
from bot.reviews.services import decide_review_item, review_progress_for
from bot.work import messages as work_messages
from bot.work.items import get_work_item
from bot.work.occurrences import check_can_complete, get_occurrence_or_raise


def _done(call: Call) -> Outcome:
    evidence = complete_by_attestation(
        session=call.session, actor=call.actor, occurrence_id=call.ref, now=call.now
    )
    zone = program_zone(session=call.session)
    reply = evidence_recorded_view(evidence, call.ref, done=True, zone=zone)
    return Outcome(reply=reply, redraw=Redraw.MINE)


def _check_own_work(call: Call) -> None:
    occ = get_occurrence_or_raise(session=call.session, occurrence_id=call.ref)
    check_can_complete(call.session, call.actor, occ, now=call.now)


def _attach(call: Call) -> Outcome:
    _check_own_work(call)
    if (review := policy.new_version_for_review(call)) is not None:
        return review  # a policy's review takes its new version, never a loose file
    if call.press.files_in_chat:  # the next file sent in this chat is the evidence
        await_file(
            session=call.session,
            conversation=call.press.conversation,
            occurrence_id=call.ref,
            person_id=call.actor.person_id or 0,
            now=call.now,
        )
        return Outcome(reply=file_awaited_view(call.ref))
    item = get_work_item(session=call.session, occurrence_id=call.ref, now=call.now)
    return Outcome(ask=Ask.EVIDENCE_FILE, ref=call.ref, subject=item)


def _snooze(call: Call) -> Outcome:
    _check_own_work(call)  # refused at once, before the form is shown
    return Outcome(ask=Ask.SNOOZE, ref=call.ref)


def _snooze_submit(call: Call) -> Outcome:
    try:
        days = int(call.press.form.get("days") or 0)
    except (TypeError, ValueError):
        raise InvalidInput("Pick how many days to snooze for.") from None
    occ = snooze_occurrence(
        session=call.session,
        actor=call.actor,
        occurrence_id=call.ref,
        days=days,
        reason=str(call.press.form.get("reason") or ""),
        now=call.now,
    )
    zone = snooze_zone(session=call.session, actor=call.actor)
    return Outcome(card=reminder_messages.snoozed_view(occ, zone=zone))


def _decide(decision: str) -> Entry:
    def decide(call: Call) -> Outcome:
        outcome = decide_review_item(
            session=call.session,
            actor=call.actor,
            item_id=call.ref,
            decision=decision,  # type: ignore[arg-type]
            now=call.now,
            store=call.store,
        )
        view = review_messages.view_of(call.press.value)
        return _review_redraw(outcome.campaign.id or 0, view)

    return Entry(1, Action.DECIDE_REVIEW_ITEM, decide)


def _review_redraw(campaign_id: int, view: review_messages.PromptView) -> Outcome:
    """After a change: the shared prompt in place, or the presser's private page in place."""
    if not view.private:
        return Outcome(redraw=Redraw.REVIEW, ref=campaign_id)
    return Outcome(
        redraw=Redraw.REVIEW,
        ref=campaign_id,
        page=view.page,
        pending_only=view.pending_only,
        private=True,
        on_private=True,
    )


def _review_page(pending_only: bool) -> Entry:
    def turn(call: Call) -> Outcome:
        campaign_id, page = call.press.ids[0], parse_page(call.press.ids[1])
        # Only the review's reviewers, its starter or an admin turn its pages: a button cannot
        # turn any message into someone else's review.
        review_progress_for(session=call.session, actor=call.actor, campaign_id=campaign_id)
        # Always a page for the presser alone: the shared prompt stays as everyone sees it.
        on_private = review_messages.view_of(call.press.value).private
        return Outcome(
            redraw=Redraw.REVIEW,
            ref=campaign_id,
            page=page,
            pending_only=pending_only,
            private=True,
            on_private=on_private,
        )

    return Entry(2, Action.VIEW, turn, writes=False)


def _keep_page(call: Call) -> Outcome:
    campaign_id, page = call.press.ids[0], parse_page(call.press.ids[1])
    kept = keep_remaining(
        session=call.session,
        actor=call.actor,
        campaign_id=campaign_id,
        item_ids=review_messages.items_of(call.press.value),  # the ones the page showed
        now=call.now,
        store=call.store,
    )
    view = replace(review_messages.view_of(call.press.value), page=page)
    return replace(_review_redraw(campaign_id, view), reply=review_messages.bulk_keep_view(kept))


def _more(call: Call) -> Outcome:
    text, page = call.press.value, parse_page(call.press.page)
    if not text:
        raise InvalidInput("That button is out of date; run the command again.")
    return Outcome(redraw=Redraw.COMMAND, text=text, page=page)


def _open_link(call: Call) -> Outcome:
    """A link button opened its page in the browser; Slack still reports the click."""
    return Outcome()


def _follow_up_done(call: Call) -> Outcome:
    complete_follow_up(session=call.session, actor=call.actor, follow_up_id=call.ref, now=call.now)
    return Outcome(redraw=Redraw.MINE)


def _round_item(service: object) -> Entry:
    def press(call: Call) -> Outcome:
        answer = service(  # type: ignore[operator]
            session=call.session, actor=call.actor, item_id=call.ref, now=call.now
        )
        reply = campaign_messages.item_recorded_view(answer.card, already=answer.already)
        return Outcome(card=campaign_messages.campaign_card_view(answer.card), reply=reply)

    return Entry(1, Action.OWN_WORK, press)


def _certificate(call: Call) -> Outcome:
    card = check_can_attach_certificate(session=call.session, actor=call.actor, item_id=call.ref)
    if call.press.files_in_chat:  # the next file sent in this chat is the certificate
        await_file(
            session=call.session,
            conversation=call.press.conversation,
            person_id=call.actor.person_id or 0,
            campaign_item_id=call.ref,
            now=call.now,
        )
    return Outcome(reply=campaign_messages.certificate_asked_view(card, call.press.files_in_chat))


def _digest_details(call: Call) -> Outcome:
    # Private to the presser: the shared digest (and the witness it carries) stays as
    # posted, and one reader's press changes nothing for the rest of the channel.
    digest = compose_digest_details(session=call.session, now=call.now, posted=call.press.value)
    return Outcome(private_card=digest_messages.digest_details_view(digest))


BUTTONS: dict[str, Entry] = {
    work_messages.DONE_ACTION: Entry(1, Action.COMPLETE_OCCURRENCE, _done),
    work_messages.ATTACH_ACTION: Entry(1, Action.COMPLETE_OCCURRENCE, _attach),
    reminder_messages.SNOOZE_ACTION: Entry(1, Action.COMPLETE_OCCURRENCE, _snooze, writes=False),
    reminder_messages.SNOOZE_SUBMIT_ACTION: Entry(1, Action.COMPLETE_OCCURRENCE, _snooze_submit),
    review_messages.KEEP_ACTION: _decide("keep"),
    review_messages.REVOKE_ACTION: _decide("revoke"),
    review_messages.PAGE_ACTION: _review_page(pending_only=False),
    review_messages.PENDING_ACTION: _review_page(pending_only=True),
    review_messages.BULK_KEEP_ACTION: Entry(2, Action.DECIDE_REVIEW_ITEM, _keep_page),
    review_messages.FOLLOW_UP_DONE_ACTION: Entry(1, Action.VIEW, _follow_up_done),
    MORE_ACTION_ID: Entry(0, Action.VIEW, _more, writes=False),
    LINK_ACTION: Entry(0, Action.VIEW, _open_link, writes=False),
    campaign_messages.ACK_ACTION: _round_item(acknowledge_policy),
    campaign_messages.TRAINING_DONE_ACTION: _round_item(confirm_training),
    campaign_messages.CERTIFICATE_ACTION: Entry(1, Action.OWN_WORK, _certificate),
    digest_messages.DETAILS_ACTION: Entry(0, Action.DIGEST, _digest_details, writes=False),
    # A policy's owner answers its review; its approvers decide, each in turn (SoD in the service).
    policy_messages.NO_CHANGES_ACTION: Entry(1, Action.OWN_WORK, policy.no_changes),
    policy_messages.NEW_VERSION_ACTION: Entry(1, Action.OWN_WORK, policy.new_version),
    policy_messages.APPROVE_ACTION: Entry(1, Action.OWN_WORK, policy.approve),
    policy_messages.CHANGES_ACTION: Entry(1, Action.OWN_WORK, policy.ask_changes, writes=False),
    policy_messages.CHANGES_SUBMIT_ACTION: Entry(1, Action.OWN_WORK, policy.changes_submit),
}
