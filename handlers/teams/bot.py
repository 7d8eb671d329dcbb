"""The Teams bot: text commands, card buttons, files; each turn refreshes its reference."""

from __future__ import annotations

import logging
import re

from botbuilder.core import ActivityHandler, InvokeResponse, TurnContext
from botbuilder.schema import Activity, ActivityTypes

from bot.chat.commands import Export, StartReview, parse_command
from bot.chat.conversations import remember_reference
from bot.chat.inbound import first_delivery
from bot.chat.pulled import start_pulled_review
from bot.chat.runtime import Runtime, in_thread
from bot.core.actor import Actor
from bot.core.errors import NotServed
from handlers.teams.actions import handle_card_action
from handlers.teams.campaigns import handle_certificates
from handlers.teams.exports import start_export
from handlers.teams.files import file_attachments, handle_files
from handlers.teams.identity import refusal, resolve_actor, teams_user_id
from handlers.teams.policies import handle_policy_files
from handlers.teams.replies import card_activity, run_intent
from handlers.teams.reviews import send_review_form
from models import Platform

TEAMS = Platform.TEAMS.value
MENTION = re.compile(r"<at>[^<]*</at>\s*")
ACTOR = "soc2bot.actor"  # turn_state key: the person behind a message, resolved once
log = logging.getLogger("soc2bot.teams")


class Soc2TeamsBot(ActivityHandler):  # type: ignore[misc]
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    async def on_turn(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        refused = refusal(self.runtime.settings, activity)
        if refused is not None:  # a foreign tenant: answered, and nothing at all recorded
            await _refuse(turn_context, refused)
            return
        if activity.id and not await in_thread(
            first_delivery, self.runtime, platform=TEAMS, event_id=str(activity.id)
        ):
            return  # Teams re-sends an activity it got no answer to within 15 s
        if activity.type == ActivityTypes.message:
            # Before the conversation is remembered: a guest is refused and leaves no trace.
            turn_context.turn_state[ACTOR] = await resolve_actor(self.runtime, turn_context)
        await in_thread(self._remember_reference, turn_context)
        await super().on_turn(turn_context)

    def _remember_reference(self, turn_context: TurnContext) -> None:
        reference = TurnContext.get_conversation_reference(turn_context.activity).serialize()
        conversation = turn_context.activity.conversation
        personal = getattr(conversation, "conversation_type", None) == "personal"
        key = (
            f"teams:user:{teams_user_id(turn_context)}"
            if personal
            else f"teams:conv:{conversation.id}"
        )
        remember_reference(self.runtime, platform=TEAMS, key=key, reference=reference)

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        actor: Actor = turn_context.turn_state[ACTOR]
        if isinstance(activity.value, dict) and activity.value.get("action_id"):
            await handle_card_action(self.runtime, turn_context, actor, activity.value)
        elif file_attachments(activity):
            if await handle_policy_files(self.runtime, turn_context, actor):
                return  # a policy's new document (after "New version", or `policy submit`)
            if not await handle_certificates(self.runtime, turn_context, actor):
                await handle_files(self.runtime, turn_context, actor)
        else:
            text = MENTION.sub("", activity.text or "").strip()
            await self._answer_text(turn_context, actor, text)

    async def _answer_text(self, turn_context: TurnContext, actor: Actor, text: str) -> None:
        intent = parse_command(text)
        if isinstance(intent, StartReview):
            # `review start <task-id>` pulls its source; any other name gets the CSV form.
            pulled = await start_pulled_review(self.runtime, actor, intent)
            if pulled is not None:
                await turn_context.send_activity(card_activity(pulled, text=text))
            else:
                await send_review_form(turn_context, intent)
            return
        if isinstance(intent, Export):  # minutes of work: answered now, delivered later
            await start_export(self.runtime, turn_context, actor, intent)
            return
        message = await run_intent(self.runtime, actor, intent)
        await turn_context.send_activity(card_activity(message, text=text))


async def _refuse(context: TurnContext, refused: NotServed) -> None:
    """Tell the sender politely, in the activity's own answer; other activities get nothing."""
    activity = context.activity
    log.info("Refused a Teams %s from a tenant that is not served", activity.type)
    if activity.type == ActivityTypes.invoke:  # a card button (Action.Execute): its answer
        body = {
            "statusCode": 200,
            "type": "application/vnd.microsoft.activity.message",
            "value": refused.message,
        }
        response = InvokeResponse(status=200, body=body)
        await context.send_activity(Activity(type=ActivityTypes.invoke_response, value=response))
    elif activity.type == ActivityTypes.message:
        await context.send_activity(refused.message)
