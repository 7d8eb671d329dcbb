"""Adaptive Card 1.5 rendering of the neutral message model (Teams adapter; pure functions)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from typing import Any

from bot.core.messages import Button, Field, Image, ListItem, Message, Section
from bot.core.paging import (
    MORE_LABEL,
    Page,
    all_items,
    pager,
    plan_page,
    section_parts,
    top_items,
)
from handlers.teams.markdown import SPECIAL, escape_markdown

Card = dict[str, Any]
Element = dict[str, Any]
MoreData = Callable[[int], dict[str, Any]]
SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
# Teams rejects activities over ~28 KB; the rest is left for the activity around the card.
MAX_CARD_BYTES = 24_000
TEXT_BLOCK_CHARS = 2_000
_SHORT = 2_000  # bytes for an item line, its detail, a field value or the footer
_LABEL = 200  # bytes for a title, heading, field label or button label
_FALLBACK = 300
_MIN_ITEM_ROOM = 6_000  # long text never squeezes a page of the list below this
_RESERVE = 400  # the pager line, "(page N)" and "(continued)" headings
_STYLES = {"primary": "positive", "danger": "destructive"}


def card_size(card: Any) -> int:
    """Bytes of the compact JSON (ASCII-escaped, as the Bot Framework client sends it)."""
    return len(json.dumps(card, separators=(",", ":")))


def _encoded(text: str) -> int:
    """Bytes of `text` in the card's JSON, once escaped for markdown (each `\\` is two)."""
    return len(json.dumps(escape_markdown(text))) - 2


def clip(text: str, limit: int) -> str:
    """`text` if its JSON form fits `limit` bytes, else a prefix and an explicit marker."""
    if _encoded(text) <= limit:
        return text
    keep, used, budget = 0, 0, max(0, limit - 48)  # 48 bytes hold the marker
    for ch in text:
        used += len(json.dumps(ch)) - 2 + (2 if ch in SPECIAL else 0)
        if used > budget:
            break
        keep += 1
    return f"{text[:keep]}… ({len(text) - keep} more characters not shown)"


def split_text(text: str, limit: int = TEXT_BLOCK_CHARS) -> list[str]:
    """Pieces of at most `limit` chars, cut after a newline when there is one; joined = text."""
    pieces: list[str] = []
    while len(text) > limit:
        cut = text.rfind("\n", 1, limit) + 1 or limit
        pieces.append(text[:cut])
        text = text[cut:]
    return [*pieces, text] if text else pieces


def _text(text: str, **style: Any) -> Element:
    # The model's text is literal, but card links and emphasis are live: so all is escaped.
    shown = escape_markdown(text) if text.strip() else "-"
    return {"type": "TextBlock", "text": shown, "wrap": True, **style}


def _long(text: str | None) -> list[Element]:
    """Long text as several TextBlocks; whitespace-only pieces are not rendered."""
    return [_text(piece) for piece in split_text(text or "") if piece.strip()]


def _heading(text: str) -> Element:
    return _text(text, weight="Bolder", size="Medium")


def _subtle(text: str) -> Element:
    return _text(text, isSubtle=True, size="Small")


def _facts(fields: Sequence[Field]) -> list[Element]:
    pairs = [(clip(f.label, _LABEL), clip(f.value, _SHORT)) for f in fields]
    facts = [{"title": escape_markdown(t), "value": escape_markdown(v)} for t, v in pairs]
    return [{"type": "FactSet", "facts": facts}] if facts else []


def _action(button: Button) -> Element:
    """Action.Submit, or with a confirm an Action.ShowCard whose submit carries the statement."""
    style = {"style": _STYLES[button.style]} if button.style in _STYLES else {}
    title = clip(button.label.strip() or "-", _LABEL)
    data = {"action_id": button.action_id, "value": button.value}
    confirm = button.confirm
    if confirm is None:
        return {"type": "Action.Submit", "title": title, "data": data, **style}
    yes = {
        "type": "Action.Submit",
        "title": clip(confirm.confirm_label.strip() or "Confirm", _LABEL),
        # The handler stores exactly the statement shown, so it travels with the click.
        "data": {**data, "confirmed": True, "statement": confirm.text},
        **style,
    }
    body = [_text(clip(confirm.title, _LABEL), weight="Bolder"), *_long(confirm.text)]
    inner = {"type": "AdaptiveCard", "version": "1.5", "body": body, "actions": [yes]}
    return {"type": "Action.ShowCard", "title": title, "card": inner, **style}


def _item(item: ListItem) -> Element:
    items = [_text(clip(item.text, _SHORT))]
    if (item.detail or "").strip():
        items.append(_text(clip(item.detail or "", _SHORT), isSubtle=True, spacing="Small"))
    if item.buttons:
        items.append({"type": "ActionSet", "actions": [_action(b) for b in item.buttons]})
    return {"type": "Container", "separator": True, "items": items}


def _images(images: Sequence[Image]) -> list[Element]:
    """Images by http(s) URL; local paths are skipped (the caller uploads those)."""
    web = [i for i in images if i.url_or_path.lower().startswith(("https://", "http://"))]
    return [{"type": "Image", "url": i.url_or_path, "altText": i.alt_text or "image"} for i in web]


def _section_chrome(section: Section) -> list[Element]:
    """A section's heading, text and fields (its items are laid out separately)."""
    if not (section.text or section.fields or section.items):
        return []  # an empty section, even with a heading, is skipped
    heading = section.heading or ""
    head = [_heading(clip(heading, _LABEL))] if heading.strip() else []
    return head + _long(section.text) + _facts(section.fields)


def _sections(message: Message, page: Page) -> list[Element]:
    blocks: list[Element] = []
    for part in section_parts(message, page):
        shown = [_item(it) for it in part.items]
        heading = part.section.heading or ""
        head: list[Element] = []
        if part.starts:
            head = _section_chrome(part.section)
        elif part.continued and heading.strip():
            head = [_heading(clip(heading, _LABEL) + " (continued)")]
        if head or shown:
            blocks.append({"type": "Container", "spacing": "Medium", "items": head + shown})
    return blocks


def _body(message: Message, page: Page) -> list[Element]:
    body: list[Element] = []
    if (message.title or "").strip():
        title = clip(message.title or "", _LABEL) + page.title_suffix
        body.append(_text(title, size="Large", weight="Bolder"))
    if page.first:
        body += _long(message.text) + _facts(message.fields)
    body += _sections(message, page)
    body += [_item(it) for it in top_items(message, page)]
    if page.first:
        body += _images(message.images)
    return body


def _pager(page: Page, more_data: MoreData | None) -> tuple[list[Element], list[Element]]:
    """The "Showing 21–40 of 200" line and, when more remain, the More action."""
    found = pager(page, can_more=more_data is not None)
    if found is None:
        return [], []
    if found.next_page is None or more_data is None:
        return [_subtle(found.line)], []
    data = more_data(found.next_page)
    return [_subtle(found.line)], [{"type": "Action.Submit", "title": MORE_LABEL, "data": data}]


def _card(message: Message, page: Page, more_data: MoreData | None) -> Card:
    line, more = _pager(page, more_data)
    footer = [_subtle(clip(message.footer or "", _SHORT))] if (message.footer or "").strip() else []
    buttons = [_action(b) for b in message.buttons] if page.first else []
    return {
        "type": "AdaptiveCard",
        "$schema": SCHEMA,
        "version": "1.5",
        "body": _body(message, page) + line + footer,
        "actions": buttons + more,
        "fallbackText": fallback_text(message),
    }


def _chrome(message: Message, reserve: int, *, texts: bool = True) -> int:
    """Bytes of everything but the items (all sections' chrome), plus the pager's reserve."""
    sections = tuple(replace(s, items=(), text=s.text if texts else None) for s in message.sections)
    bare = replace(message, items=(), sections=sections, text=message.text if texts else None)
    # A section whose only content is items still costs a Container and its heading.
    headings = sum(_encoded(s.heading or "") + 160 for s in message.sections)
    return card_size(_card(bare, Page(0, range(0), 0), None)) + headings + reserve


def _fit_texts(message: Message, reserve: int) -> Message:
    """Long text is shortened (with a marker) only so far as to leave room for the list."""
    items = sum(card_size(_item(i)) + 1 for i in all_items(message))
    room = MAX_CARD_BYTES - _chrome(message, reserve, texts=False) - min(items, _MIN_ITEM_ROOM)

    def fit(text: str | None) -> str | None:
        nonlocal room
        if not text:
            return text
        overhead = 60 * (len(text) // TEXT_BLOCK_CHARS + 1)  # each TextBlock's own JSON
        fitted = clip(text, max(0, room - overhead))
        room -= _encoded(fitted) + overhead
        return fitted

    text = fit(message.text)
    sections = tuple(replace(s, text=fit(s.text)) for s in message.sections)
    return replace(message, text=text, sections=sections)


def _plan(message: Message, page: int, reserve: int) -> Page:
    """Which items page `page` shows, measured in bytes (the reserve is in the chrome)."""
    return plan_page(
        message,
        page,
        item_cost=lambda i: card_size(_item(i)) + 1,
        chrome=_chrome(message, reserve),
        limit=MAX_CARD_BYTES,
    )


def _chars(node: Any) -> int:
    return sum(len(t) for t in _texts(node))


def _texts(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if node.get("type") == "TextBlock":
            yield str(node.get("text", ""))
        for fact in node.get("facts", []) if node.get("type") == "FactSet" else []:
            yield from (str(fact["title"]), str(fact["value"]))
        for value in node.values():
            yield from _texts(value)
    elif isinstance(node, list):
        for value in node:
            yield from _texts(value)


def _guard(card: Card) -> Card:
    """Last resort when even one page is too big: drop trailing elements and say so."""
    if card_size(card) <= MAX_CARD_BYTES:
        return card
    body, actions, dropped = list(card["body"]), list(card["actions"]), 0

    def fitted() -> Card:
        marker = _subtle(f"… ({dropped} more characters not shown)")
        return {**card, "body": [*body, marker], "actions": actions}

    while card_size(fitted()) > MAX_CARD_BYTES and (body or actions):
        dropped += _chars(body.pop()) if body else len(str(actions.pop().get("title", "")))
    return fitted()


def render_card(
    message: Message, *, page: int = 0, more_data: MoreData | None = None
) -> dict[str, Any]:
    """An Adaptive Card 1.5 for page `page` (clamped) of `message`, under 24,000 bytes.

    Items are paged (stable page size) with a top-level "More" Action.Submit whose data is
    `more_data(page + 1)`, or a line saying how many are not shown. Long text is split into
    TextBlocks of ≤ 2,000 chars; text that cannot fit is cut with an explicit marker.
    """
    reserve = _RESERVE + (card_size(more_data(0)) + 16 if more_data else 0)
    fitted = _fit_texts(message, reserve)
    return _guard(_card(fitted, _plan(fitted, page, reserve), more_data))


def fallback_text(message: Message) -> str:
    """Plain summary for notifications and clients without cards: title and first line."""
    first = next(iter((message.text or "").strip().splitlines()), "")
    lead = " — ".join(" ".join(p.split()) for p in (message.title or "", first) if p.strip())
    texts = [lead, *(i.text for i in all_items(message)), message.footer or ""]
    text = " ".join(next((t for t in texts if t.strip()), "Message from soc2bot").split())
    return text if len(text) <= _FALLBACK else text[: _FALLBACK - 1] + "…"


def card_attachment(card: dict[str, Any]) -> dict[str, Any]:
    """The activity attachment that carries `card`."""
    return {"contentType": CONTENT_TYPE, "content": card}
