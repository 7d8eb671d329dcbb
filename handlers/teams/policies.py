"""A policy's new document sent to the bot in Teams: after "New version", or with
`policy submit <id> <version>` in the message."""

from __future__ import annotations

from botbuilder.core import TurnContext

from bot.chat.policy_files import check_policy_file, policy_for_chat_file, record_policy_file
from bot.chat.runtime import Runtime, in_thread
from bot.core.actor import Actor
from handlers.teams.errors import user_text
from handlers.teams.files import download_attachment, file_attachments
from handlers.teams.replies import card_activity
from models import Platform


async def handle_policy_files(runtime: Runtime, context: TurnContext, actor: Actor) -> bool:
    """Submit the file as the policy's new document when it is one; whether it was."""
    activity = context.activity
    target = await in_thread(
        policy_for_chat_file, runtime, actor, platform=Platform.TEAMS.value,
        conversation=str(activity.conversation.id), text=activity.text,
    )  # fmt: skip
    if target is None:
        return False
    attachments = file_attachments(activity)
    try:
        if len(attachments) != 1:
            await context.send_activity("Send the new document as one file (it is one version).")
            return True
        await in_thread(check_policy_file, runtime, actor, target)  # before any download
        name, media_type, stream = await download_attachment(runtime, context, attachments[0])
        try:
            message = await in_thread(
                record_policy_file, runtime, actor, target, stream,
                name=name, media_type=media_type,
            )  # fmt: skip
        finally:
            stream.close()
    except Exception as exc:  # the funnel's wording, answered in this chat
        await context.send_activity(user_text(exc))
        return True
    await context.send_activity(card_activity(message))
    return True
