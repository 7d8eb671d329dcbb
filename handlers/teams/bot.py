"""The Teams bot: text commands, card buttons, files; each turn refreshes its reference."""

from __future__ import annotations

import re

from botbuilder.core import ActivityHandler, TurnContext

from bot.actor import Actor
from bot.commands import Export, StartReview, parse_command
from bot.runtime import Runtime, in_thread
from bot.services.conversations import save_reference
from bot.services.inbound import claim_event
from handlers.teams.actions import handle_card_action
from handlers.teams.campaigns import handle_certificates
from handlers.teams.exports import start_export
from handlers.teams.files import file_attachments, handle_files
from handlers.teams.identity import resolve_actor, teams_user_id
from handlers.teams.replies import card_activity, run_intent
from handlers.teams.reviews import send_review_form
from models import Platform

TEAMS = Platform.TEAMS.value
MENTION = re.compile(r"<at>[^<]*</at>\s*")


class Soc2TeamsBot(ActivityHandler):  # type: ignore[misc]
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    async def on_turn(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        if activity.id and not await in_thread(self._first_delivery, str(activity.id)):
            return  # Teams re-sends an activity it got no answer to within 15 s
        await in_thread(self._remember_reference, turn_context)
        await super().on_turn(turn_context)

    def _first_delivery(self, activity_id: str) -> bool:
        with self.runtime.db.transaction() as session:
            return claim_event(session=session, platform=TEAMS, event_id=activity_id)

    def _remember_reference(self, turn_context: TurnContext) -> None:
        reference = TurnContext.get_conversation_reference(turn_context.activity).serialize()
        conversation = turn_context.activity.conversation
        personal = getattr(conversation, "conversation_type", None) == "personal"
        key = (
            f"teams:user:{teams_user_id(turn_context)}"
            if personal
            else f"teams:conv:{conversation.id}"
        )
        with self.runtime.db.transaction() as session:
            save_reference(session=session, platform=TEAMS, key=key, reference=reference)

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        actor = await resolve_actor(self.runtime, turn_context)
        if isinstance(activity.value, dict) and activity.value.get("action_id"):
            await handle_card_action(self.runtime, turn_context, actor, activity.value)
        elif file_attachments(activity):
            if not await handle_certificates(self.runtime, turn_context, actor):
                await handle_files(self.runtime, turn_context, actor)
        else:
            text = MENTION.sub("", activity.text or "").strip()
            await self._answer_text(turn_context, actor, text)

    async def _answer_text(self, turn_context: TurnContext, actor: Actor, text: str) -> None:
        intent = parse_command(text)
        if isinstance(intent, StartReview):  # the accounts come in a form, as in Slack's modal
            await send_review_form(turn_context, intent)
            return
        if isinstance(intent, Export):  # minutes of work: answered now, delivered later
            await start_export(self.runtime, turn_context, actor, intent)
            return
        message = await run_intent(self.runtime, actor, intent)
        await turn_context.send_activity(card_activity(message, text=text))
