"""The App Home tab: the person's open work and the program's status."""

from __future__ import annotations

from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.chat.runtime import Runtime
from bot.core.errors import PermissionDenied
from handlers.slack.blocks import render_blocks
from handlers.slack.commands import run_text
from handlers.slack.errors import user_text
from handlers.slack.identity import resolve_actor

HOME_BLOCKS = 100


async def publish_home(deps: Runtime, client: AsyncWebClient, user_id: str) -> None:
    """Draw the home tab: `mine` first, then `status`, within the 100-block view limit."""
    blocks: list[dict[str, Any]] = []
    try:
        actor = await resolve_actor(deps, client, user_id)
        for text in ("mine", "status"):
            try:
                message = await run_text(deps, actor, text)
            except PermissionDenied:
                continue  # auditors have no work of their own
            blocks += render_blocks(message)[: HOME_BLOCKS // 2 - 1]
            blocks.append({"type": "divider"})
    except Exception as exc:  # the funnel's wording, shown on the tab itself
        blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": user_text(exc)[:3000]}}]
    await client.views_publish(
        user_id=user_id, view={"type": "home", "blocks": blocks[:HOME_BLOCKS]}
    )
