"""Turn neutral messages into Teams activities, and run commands as a person."""

from __future__ import annotations

import base64
import logging
from collections.abc import Iterable
from typing import Any

from botbuilder.core import MessageFactory, TurnContext
from botbuilder.schema import Activity

from bot.chat import actions, front
from bot.chat import commands as c
from bot.chat.exports import ExportRequests
from bot.chat.runtime import Runtime
from bot.core.actor import Actor
from bot.core.messages import Image, Message
from bot.core.paging import MORE_ACTION_ID
from handlers.teams.attachments import card_attachment, fallback_text
from handlers.teams.cards import render_card

log = logging.getLogger("soc2bot.teams")
# A huge picture still fails, even though base64 images are outside the message size limit.
MAX_INLINE_IMAGE_BYTES = 1024 * 1024
_SIGNATURES = {b"\x89PNG": "image/png", b"\xff\xd8\xff": "image/jpeg", b"GIF8": "image/gif"}


def card_activity(message: Message, *, text: str = "", page: int = 0) -> Activity:
    """A message activity carrying the message as an Adaptive Card, on page `page`.

    With the command's `text`, a long answer pages with Previous and Next: each runs the
    command again at its page (`page_more`). Pictures the bot drew (charts) ride along as
    inline attachments after the card.
    """
    more = (lambda p: {"action_id": MORE_ACTION_ID, "value": text, "page": p}) if text else None
    card = render_card(message, page=page, more_data=more)
    activity = MessageFactory.attachment(card_attachment(card))
    activity.attachments = [*activity.attachments, *inline_images(message.images)]
    activity.summary = fallback_text(message)
    return activity


async def replace_card(context: TurnContext, activity: Activity) -> None:
    """Put `activity` in place of the card whose button was pressed (or send it, if none)."""
    activity.id = context.activity.reply_to_id
    if activity.id:
        await context.update_activity(activity)
    else:
        await context.send_activity(activity)


def inline_images(images: Iterable[Image]) -> list[dict[str, Any]]:
    """Generated pictures as `data:` attachments (base64 does not count towards Teams' limit)."""
    attachments = []
    for image in images:
        data = image.data or b""
        if not data:
            continue
        if len(data) > MAX_INLINE_IMAGE_BYTES:
            log.error(
                "Image %s (%d bytes) is too large to send inline", image.url_or_path, len(data)
            )
            continue
        kind = next((t for sig, t in _SIGNATURES.items() if data.startswith(sig)), "image/png")
        url = f"data:{kind};base64,{base64.b64encode(data).decode('ascii')}"
        name = image.url_or_path.rsplit("/", 1)[-1] or "image.png"
        attachments.append({"contentType": kind, "contentUrl": url, "name": name})
    return attachments


async def run_text(
    runtime: Runtime, actor: Actor, text: str, *, exports: ExportRequests | None = None
) -> Message:
    """Parse and run a command as `actor` (database work off the event loop)."""
    return await actions.run_text(runtime, actor, text, exports=exports)


async def run_intent(
    runtime: Runtime, actor: Actor, intent: c.Intent, *, exports: ExportRequests | None = None
) -> Message:
    """Run a parsed command as `actor`; an export needs `exports` (its private delivery)."""
    return await front.run_intent(runtime, actor, intent, exports=exports)
