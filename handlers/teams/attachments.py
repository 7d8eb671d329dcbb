"""What carries a card: its attachment, and the plain summary for notifications."""

from __future__ import annotations

from typing import Any

from bot.core.messages import Message
from bot.core.paging import all_items
from handlers.teams.markdown import no_backticks

CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
_FALLBACK = 300


def fallback_text(message: Message) -> str:
    """Plain summary for notifications and clients without cards: title and first line."""
    first = next(iter((message.text or "").strip().splitlines()), "")
    lead = " — ".join(" ".join(p.split()) for p in (message.title or "", first) if p.strip())
    texts = [lead, *(i.text for i in all_items(message)), message.footer or ""]
    texts = [no_backticks(t) for t in texts]  # a summary has no markdown, so no code quotes
    text = " ".join(next((t for t in texts if t.strip()), "Message from soc2bot").split())
    return text if len(text) <= _FALLBACK else text[: _FALLBACK - 1] + "…"


def card_attachment(card: dict[str, Any]) -> dict[str, Any]:
    """The activity attachment that carries `card`."""
    return {"contentType": CONTENT_TYPE, "content": card}
