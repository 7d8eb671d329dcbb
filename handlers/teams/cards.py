"""Adaptive Card 1.5 rendering of the neutral message model (Teams adapter; pure functions)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

from bot.core.messages import Button, Field, Image, ListItem, Message, Section
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


def _all_items(message: Message) -> list[ListItem]:
    return [*(i for s in message.sections for i in s.items), *message.items]


@dataclass(frozen=True)
class _Page:
    number: int
    window: range
    total: int


def _sections(message: Message, page: _Page) -> list[Element]:
    """Sections on this page: a section's text/fields sit on the page where it starts."""
    blocks: list[Element] = []
    start, window = 0, page.window
    for section in message.sections:
        shown = [_item(it) for n, it in enumerate(section.items, start) if n in window]
        head: list[Element] = []
        if start in window or (start >= page.total and window.stop >= page.total):
            head = _section_chrome(section)
        elif shown and (section.heading or "").strip():
            head = [_heading(clip(section.heading or "", _LABEL) + " (continued)")]
        if head or shown:
            blocks.append({"type": "Container", "spacing": "Medium", "items": head + shown})
        start += len(section.items)
    return blocks


def _body(message: Message, page: _Page) -> list[Element]:
    body: list[Element] = []
    if (message.title or "").strip():
        suffix = f" (page {page.number + 1})" if page.number else ""
        title = clip(message.title or "", _LABEL) + suffix
        body.append(_text(title, size="Large", weight="Bolder"))
    if page.number == 0:
        body += _long(message.text) + _facts(message.fields)
    body += _sections(message, page)
    offset = page.total - len(message.items)
    body += [_item(it) for n, it in enumerate(message.items, offset) if n in page.window]
    if page.number == 0:
        body += _images(message.images)
    return body


def _pager(page: _Page, more_data: MoreData | None) -> tuple[list[Element], list[Element]]:
    """The "Showing 21–40 of 200" line and, when more remain, the More action."""
    window, total = page.window, page.total
    if window.start == 0 and window.stop >= total:
        return [], []
    shown = f"Showing {window.start + 1}–{window.stop} of {total}"
    remaining = total - window.stop
    if remaining and more_data is not None:
        more = {"type": "Action.Submit", "title": "More", "data": more_data(page.number + 1)}
        return [_subtle(shown)], [more]
    return [_subtle(f"{shown}; {remaining} more not shown." if remaining else shown)], []


def _card(message: Message, page: _Page, more_data: MoreData | None) -> Card:
    line, more = _pager(page, more_data)
    footer = [_subtle(clip(message.footer or "", _SHORT))] if (message.footer or "").strip() else []
    buttons = [_action(b) for b in message.buttons] if page.number == 0 else []
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
    return card_size(_card(bare, _Page(0, range(0), 0), None)) + headings + reserve


def _fit_texts(message: Message, reserve: int) -> Message:
    """Long text is shortened (with a marker) only so far as to leave room for the list."""
    items = sum(card_size(_item(i)) + 1 for i in _all_items(message))
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


def _plan(message: Message, page: int, reserve: int) -> _Page:
    """Which items page `page` shows; the page size depends only on the message."""
    costs = [card_size(_item(i)) + 1 for i in _all_items(message)]
    chrome, total = _chrome(message, reserve), len(costs)
    if not costs or chrome + sum(costs) <= MAX_CARD_BYTES:
        return _Page(0, range(total), total)
    size = max(1, (MAX_CARD_BYTES - chrome) // max(costs))
    number = min(max(page, 0), -(-total // size) - 1)
    return _Page(number, range(number * size, min(total, (number + 1) * size)), total)


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
    texts = [lead, *(i.text for i in _all_items(message)), message.footer or ""]
    text = " ".join(next((t for t in texts if t.strip()), "Message from soc2bot").split())
    return text if len(text) <= _FALLBACK else text[: _FALLBACK - 1] + "…"


def card_attachment(card: dict[str, Any]) -> dict[str, Any]:
    """The activity attachment that carries `card`."""
    return {"contentType": CONTENT_TYPE, "content": card}
