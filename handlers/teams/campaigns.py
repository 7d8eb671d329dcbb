"""Training certificates sent in chat after "Attach certificate", or with camp-N."""

from __future__ import annotations

import re

from botbuilder.core import TurnContext

from bot.chat.campaigns import (
    awaited_certificate,
    check_certificate,
    item_by_reference,
    record_certificate,
)
from bot.chat.runtime import Runtime, in_thread
from bot.core.actor import Actor
from handlers.teams.errors import user_text
from handlers.teams.files import download_attachment, file_attachments

CAMPAIGN_REF = re.compile(r"(?:^|\s)camp(?:aign)?-(\d{1,12})\b", re.IGNORECASE)


async def handle_certificates(runtime: Runtime, context: TurnContext, actor: Actor) -> bool:
    """Store the files as a training certificate when they are one; whether they were."""
    refs = set(CAMPAIGN_REF.findall(context.activity.text or ""))
    if len(refs) == 1:
        item_id = await in_thread(item_by_reference, runtime, actor, int(refs.pop()))
    else:
        conversation = str(context.activity.conversation.id)
        item_id = await in_thread(awaited_certificate, runtime, actor, conversation)
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
