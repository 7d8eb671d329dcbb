"""Access reviews in Teams: the start form, the shared prompt, and private pages."""

from __future__ import annotations

import copy
from typing import Any

from botbuilder.core import MessageFactory, TurnContext
from botbuilder.schema import Activity, ConversationAccount

from bot.chat import commands as c
from bot.chat.reviews import MAX_REASON, ReviewStart, remember_prompt, review_prompt, shared_prompts
from bot.chat.reviews import start_review as start_review_from
from bot.chat.runtime import Runtime
from bot.core.actor import Actor
from bot.core.errors import InvalidInput
from bot.core.messages import Message
from handlers.teams.attachments import card_attachment
from handlers.teams.cards import SCHEMA
from handlers.teams.exports import TeamsPersonalChat
from handlers.teams.replies import card_activity, replace_card
from models import Platform

REVIEW_START = "review_start"
MAX_CSV_CHARS = 200_000  # a pasted list far past a few thousand accounts belongs in a file
REASON_LABEL = "Reason (only when an admin makes the control's owner its reviewer)"
CSV_HINT = (
    "One account per line. Columns: account (required); email (the account holder, used to "
    "refuse self-review); system; system_owner (email of who removes revoked access); "
    "optional role and last_login, shown to the reviewer."
)
UNREACHABLE = (
    "I could not open a personal chat with you to show that page of the review. Open a chat "
    "with soc2bot (Apps, then soc2bot), then try again."
)


def review_start_card(*, name: str = "", reviewer: str = "") -> dict[str, Any]:
    """The form that starts an access review (Teams' counterpart of Slack's modal)."""

    def field(id_: str, label: str, **extra: Any) -> dict[str, Any]:
        return {"type": "Input.Text", "id": id_, "label": label, **extra}

    body = [
        {"type": "TextBlock", "text": "Start an access review", "weight": "Bolder"},
        {"type": "TextBlock", "text": "The review prompt is posted here.", "wrap": True},
        field("review_name", "Review name", value=name, isRequired=True, maxLength=120,
              errorMessage="Give the review a name."),
        field("review_reviewer", "Reviewer (email)", value=reviewer, isRequired=True,
              style="Email", errorMessage="Who decides on these accounts?"),
        field("review_control", "Control id (optional, e.g. CC6.1-AR)", maxLength=64),
        field("review_reason", REASON_LABEL, maxLength=MAX_REASON, isMultiline=True),
        field("review_csv", "Accounts (CSV)", isMultiline=True, isRequired=True,
              maxLength=MAX_CSV_CHARS, placeholder="account,email,system,system_owner",
              errorMessage="Paste the accounts to review."),
        {"type": "TextBlock", "text": CSV_HINT, "wrap": True, "isSubtle": True, "size": "Small"},
    ]  # fmt: skip
    submit = {"type": "Action.Submit", "title": "Start review", "data": {"action_id": REVIEW_START}}
    actions = [submit]
    return {
        "$schema": SCHEMA,
        "type": "AdaptiveCard",
        "version": "1.5",
        "fallbackText": "Start an access review: this needs a Teams client that shows cards.",
        "body": body,
        "actions": actions,
    }


async def send_review_form(context: TurnContext, intent: c.StartReview) -> None:
    """Answer `review start <name>` with the form, prefilled from what was typed."""
    reviewer = intent.reviewer.email if intent.reviewer and intent.reviewer.email else ""
    card = review_start_card(name=intent.name, reviewer=reviewer or "")
    await context.send_activity(MessageFactory.attachment(card_attachment(card)))


async def start_review(
    runtime: Runtime, context: TurnContext, actor: Actor, _: str, data: dict[str, Any]
) -> None:
    """Start the review from the submitted form and turn the form into the review prompt."""
    csv_text = str(data.get("review_csv") or "")
    if not csv_text.strip():
        raise InvalidInput("Paste the CSV of accounts to review.")
    if len(csv_text) > MAX_CSV_CHARS:
        raise InvalidInput("That list is too long for one review; split it into smaller ones.")
    form = ReviewStart(
        name=str(data.get("review_name") or ""),
        channel=str(context.activity.conversation.id),
        csv=csv_text.encode("utf-8"),
        platform=Platform.TEAMS,
        reviewer_email=str(data.get("review_reviewer") or "").strip(),
        control_key=str(data.get("review_control") or "").strip() or None,
        reason=str(data.get("review_reason") or ""),
    )
    campaign_id = await start_review_from(runtime, actor, form)
    # The form becomes the shared prompt, so nobody submits it twice; it is remembered, so that
    # decisions made on private pages redraw its progress.
    await replace_card(context, card_activity(await review_prompt(runtime, campaign_id)))
    if context.activity.reply_to_id:
        where = (Platform.TEAMS, form.channel, str(context.activity.reply_to_id))
        await remember_prompt(runtime, where, campaign_id)


async def show_privately(runtime: Runtime, context: TurnContext, message: Message) -> None:
    """A private page for the presser: Teams has no ephemeral messages, so it goes to their
    personal chat with the bot (here, when pressed there), never over the shared prompt."""
    if getattr(context.activity.conversation, "conversation_type", None) == "personal":
        await context.send_activity(card_activity(message))
        return
    await TeamsPersonalChat(runtime, context, unreachable=UNREACHABLE).show(message)


async def redraw_shared(runtime: Runtime, context: TurnContext, campaign_id: int) -> None:
    """Update the shared prompt wherever it was posted in Teams (after a decision on a private
    page): each is an activity in its conversation, reached through this turn's service."""
    prompts = await shared_prompts(runtime, Platform.TEAMS, campaign_id)
    here = TurnContext.get_conversation_reference(context.activity)
    for conversation, activity_id in prompts:
        activity = card_activity(await review_prompt(runtime, campaign_id))
        activity.id = activity_id
        reference = copy.copy(here)
        reference.conversation = ConversationAccount(
            id=conversation, tenant_id=getattr(here.conversation, "tenant_id", None)
        )

        async def put(turn: TurnContext, activity: Activity = activity) -> None:
            await turn.update_activity(activity)

        app_id = runtime.settings.microsoft_app_id or ""
        await context.adapter.continue_conversation(reference, put, app_id)
