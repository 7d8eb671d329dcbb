"""Policy and training card buttons; certificates sent after "Attach certificate" or with camp-N."""

from __future__ import annotations

import re
from typing import Any

from botbuilder.core import TurnContext

from bot.chat.campaigns import (
    awaited_certificate,
    check_certificate,
    expect_certificate,
    item_by_reference,
    press_item,
    record_certificate,
)
from bot.chat.refs import parse_record_id
from bot.chat.runtime import Runtime, in_thread
from bot.core.actor import Actor
from handlers.teams.errors import user_text
from handlers.teams.files import download_attachment, file_attachments
from handlers.teams.replies import card_activity, replace_card

CAMPAIGN_REF = re.compile(r"(?:^|\s)camp(?:aign)?-(\d{1,12})\b", re.IGNORECASE)


async def press(
    runtime: Runtime, context: TurnContext, actor: Actor, ref: str, data: dict[str, Any]
) -> None:
    """`camp_ack:<item>` / `camp_done:<item>`: answer for the sender; the card updates in place."""
    kind = str(data.get("action_id") or "").split(":", 1)[0]
    answered = await in_thread(press_item, runtime, actor, kind, parse_record_id(ref))
    await replace_card(context, card_activity(answered.card))
    await context.send_activity(answered.reply.text or "")


async def ask_certificate(
    runtime: Runtime, context: TurnContext, actor: Actor, ref: str, _: Any
) -> None:
    """`camp_cert:<item>`: the next file the person sends here is their certificate."""
    conversation = str(context.activity.conversation.id)
    card = await in_thread(expect_certificate, runtime, actor, parse_record_id(ref), conversation)
    await context.send_activity(
        f"Send your certificate for {card.title} ({card.version}) here in this chat (within "
        "30 minutes); I will store it and answer with its SHA-256."
    )


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
