"""Training certificates sent in chat after "Attach certificate", or with camp-N."""

from __future__ import annotations

from botbuilder.core import TurnContext

from bot.chat.campaigns import check_certificate, item_for_chat_file, record_certificate
from bot.chat.runtime import Runtime, in_thread
from bot.core.actor import Actor
from handlers.teams.errors import user_text
from handlers.teams.files import download_attachment, file_attachments


async def handle_certificates(runtime: Runtime, context: TurnContext, actor: Actor) -> bool:
    """Store the files as a training certificate when they are one; whether they were."""
    conversation, text = str(context.activity.conversation.id), context.activity.text
    item_id = await in_thread(
        item_for_chat_file, runtime, actor, conversation=conversation, text=text
    )
    if item_id is None:
        return False
    lines = []
    for attachment in file_attachments(context.activity):
        try:
            await in_thread(check_certificate, runtime, actor, item_id)  # before any download
            name, media_type, stream = await download_attachment(runtime, context, attachment)
            try:
                answered = await in_thread(
                    record_certificate, runtime, actor, item_id, stream,
                    name=name, media_type=media_type,
                )  # fmt: skip
            finally:
                stream.close()
            lines.append(answered.reply.text or "")
        except Exception as exc:  # each file gets its own answer; the funnel words it
            lines.append(user_text(exc))
    await context.send_activity("\n\n".join(lines))
    return True
