"""Adaptive Card 1.5 rendering of the neutral message model (Teams adapter; pure functions)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from typing import Any

from bot.core import paging
from bot.core.messages import Button, Field, Image, ListItem, Message, Section
from bot.core.paging import Page, Pager, all_items
from handlers.teams.attachments import fallback_text
from handlers.teams.markdown import (
    card_lines,
    card_markdown,
    clip,
    encoded,
    fact_title,
    fact_value,
    marked,
    no_backticks,
)

Card = dict[str, Any]
Element = dict[str, Any]
MoreData = Callable[[int], dict[str, Any]]
SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
# Teams rejects activities over ~28 KB; the rest is left for the activity around the card.
MAX_CARD_BYTES = 24_000
_SHORT = 2_000  # bytes for an item line, its detail, a field value or the footer
_LABEL = 200  # bytes for a title, heading, field label or button label
_MIN_ITEM_ROOM = 6_000  # long text never squeezes a page of the list below this
_RESERVE = 400  # the page line and "(continued)" headings
_STYLES = {"primary": "positive", "danger": "destructive"}


_ONE_ROW = 3  # buttons from which a message's own buttons take two rows
_BESIDE = 14  # a row's button labels up to this many characters in all sit beside its text


def card_size(card: Any) -> int:
    """Bytes of the compact JSON (ASCII-escaped, as the Bot Framework client sends it)."""
    return len(json.dumps(card, separators=(",", ":")))


def _text(text: str, **style: Any) -> Element:
    # The model's text is literal, but card links and emphasis are live: so all is escaped.
    shown = card_markdown(text) if text.strip() else "-"
    return {"type": "TextBlock", "text": shown, "wrap": True, **style}


def _lines(text: str | None, **style: Any) -> list[Element]:
    """Text as one TextBlock a line (a newline is a line break), a blank line as a gap.

    `style` is every line's; a `spacing` in it is the first line's only.
    """
    first = {"spacing": style.pop("spacing")} if "spacing" in style else {}
    blocks: list[Element] = []
    for line, after_gap in card_lines(text or ""):
        gap = first if not blocks else {} if after_gap else {"spacing": "None"}
        blocks.append(_text(line, **style, **gap))
    return blocks


def _heading(text: str) -> Element:
    return _text(text, weight="Bolder", size="Medium")


def _subtle(text: str, **style: Any) -> Element:
    return _text(text, isSubtle=True, size="Small", **style)


def _facts(fields: Sequence[Field]) -> list[Element]:
    pairs = [(clip(f.label, _LABEL), clip(f.value, _SHORT)) for f in fields]
    facts = [{"title": fact_title(t), "value": fact_value(v)} for t, v in pairs]
    return [{"type": "FactSet", "facts": facts}] if facts else []


def _action(button: Button) -> Element:
    """Action.Submit, OpenUrl for a link, or with a confirm an Action.ShowCard whose submit
    carries the statement."""
    style = {"style": _STYLES[button.style]} if button.style in _STYLES else {}
    title = clip(no_backticks(button.label).strip() or "-", _LABEL)
    if button.url:
        return {"type": "Action.OpenUrl", "title": title, "url": button.url, **style}
    data = {"action_id": button.action_id, "value": button.value}
    confirm = button.confirm
    if confirm is None:
        return {"type": "Action.Submit", "title": title, "data": data, **style}
    yes = {
        "type": "Action.Submit",
        "title": clip(no_backticks(confirm.confirm_label).strip() or "Confirm", _LABEL),
        # The handler stores exactly the statement shown, so it travels with the click.
        "data": {**data, "confirmed": True, "statement": confirm.text},
        **style,
    }
    body = [_text(clip(confirm.title, _LABEL), weight="Bolder"), *_lines(confirm.text)]
    inner = {"type": "AdaptiveCard", "version": "1.5", "body": body, "actions": [yes]}
    return {"type": "Action.ShowCard", "title": title, "card": inner, **style}


def _item(item: ListItem) -> Element:
    items = _lines(clip(item.text, _SHORT)) or [_text("-")]
    if (item.detail or "").strip():
        items += _lines(clip(item.detail or "", _SHORT), isSubtle=True, spacing="Small")
    actions = {"type": "ActionSet", "actions": [_action(b) for b in item.buttons]}
    if item.buttons and sum(len(b.label) for b in item.buttons) > _BESIDE:
        items.append(actions)  # long labels: under the row's text
    elif item.buttons:  # short ones (Keep, Revoke) to the right: one line, not three
        columns = [
            {"type": "Column", "width": "stretch", "items": items},
            {"type": "Column", "width": "auto", "items": [actions]},
        ]
        for column in columns:
            column["verticalContentAlignment"] = "Center"
        items = [{"type": "ColumnSet", "columns": columns}]
    # Rows close together, a thin line between: a list reads as one table, not as cards.
    return {"type": "Container", "separator": True, "spacing": "Small", "items": items}


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
    return head + _lines(section.text) + _facts(section.fields)


def _sections(message: Message, page: Page) -> list[Element]:
    blocks: list[Element] = []
    for part in paging.section_parts(message, page):
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


def _body(message: Message, page: Page, found: Pager | None) -> list[Element]:
    body: list[Element] = []
    if (message.title or "").strip():
        body.append(_text(clip(message.title or "", _LABEL), size="Large", weight="Bolder"))
    context = paging.context_line(message, found)
    if context:
        body.append(_subtle(clip(context, _SHORT), **({"spacing": "None"} if body else {})))
    if page.first:
        body += _lines(message.text) + _facts(message.fields)
    body += _sections(message, page)
    body += [_item(it) for it in paging.top_items(message, page)]
    if page.first:
        body += _images(message.images)
    return body


def _card(message: Message, page: Page, found: Pager | None, more_data: MoreData | None) -> Card:
    nav: list[Element] = []
    note: list[Element] = []
    if found is not None and found.navigates and more_data is not None:
        nav = [
            {"type": "Action.Submit", "title": label, "data": more_data(number)}
            for label, number in found.links
        ]
    elif found is not None:  # no paging here: say how many are not shown
        note = [_subtle(found.line)]
    footer = [_subtle(clip(message.footer or "", _SHORT))] if (message.footer or "").strip() else []
    buttons = [_action(b) for b in message.buttons] if page.first else []
    rows: list[Element] = []
    if len(buttons) >= _ONE_ROW:  # Teams cuts labels in a crowded row: the first on its own
        rows = [{"type": "ActionSet", "actions": buttons[:1]}]
        rows.append({"type": "ActionSet", "actions": buttons[1:], "spacing": "Small"})
        buttons = []
    return {
        "type": "AdaptiveCard",
        "$schema": SCHEMA,
        "version": "1.5",
        "body": _body(message, page, found) + note + footer + rows,
        "actions": buttons + nav,
        "fallbackText": fallback_text(message),
    }


def _chrome(message: Message, reserve: int, *, texts: bool = True) -> int:
    """Bytes of everything but the items (all sections' chrome), plus the pager's reserve."""
    sections = tuple(replace(s, items=(), text=s.text if texts else None) for s in message.sections)
    bare = replace(message, items=(), sections=sections, text=message.text if texts else None)
    # A section whose only content is items still costs a Container and its heading.
    headings = sum(encoded(s.heading or "") + 160 for s in message.sections)
    return card_size(_card(bare, Page(0, range(0), 0), None, None)) + headings + reserve


def _fit(text: str, room: int) -> str:
    """`text`, or its longest prefix (with a marker) whose TextBlocks take at most `room`."""
    if card_size(_lines(text)) <= room:
        return text
    low, high = 0, len(text)
    while low < high:  # the blocks of a longer prefix take more room: a binary search
        middle = (low + high + 1) // 2
        if card_size(_lines(marked(text, middle))) <= room:
            low = middle
        else:
            high = middle - 1
    return marked(text, low)


def _fit_texts(message: Message, reserve: int) -> Message:
    """Long text is shortened (with a marker) only so far as to leave room for the list."""
    items = sum(card_size(_item(i)) + 1 for i in all_items(message))
    room = MAX_CARD_BYTES - _chrome(message, reserve, texts=False) - min(items, _MIN_ITEM_ROOM)

    def fit(text: str | None) -> str | None:
        nonlocal room
        if not text:
            return text
        fitted = _fit(text, max(0, room))
        room -= card_size(_lines(fitted))
        return fitted

    text = fit(message.text)
    sections = tuple(replace(s, text=fit(s.text)) for s in message.sections)
    return replace(message, text=text, sections=sections)


def _plan(message: Message, page: int, reserve: int, *, paged: bool) -> Page:
    """Which items page `page` shows; bytes only guard the page size (reserve in the chrome)."""
    return paging.plan_page(
        message,
        page,
        item_cost=lambda i: card_size(_item(i)) + 1,
        chrome=_chrome(message, reserve),
        limit=MAX_CARD_BYTES,
        per_page=paging.PAGE_SIZE if paged else None,
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

    With `more_data`, items are paged 12 a page (bot.core.paging) with Previous and Next
    Action.Submits whose data is `more_data(n)`, and "page 2 of 3" in the context line;
    without it, a list too long for one card says how many are not shown. Each line of
    text is a TextBlock; text that cannot fit is cut with an explicit marker.
    """
    nav = 2 * (card_size(more_data(0)) + 60) if more_data else 0  # Previous and Next
    reserve = _RESERVE + nav
    fitted = _fit_texts(message, reserve)
    plan = _plan(fitted, page, reserve, paged=more_data is not None)
    found = paging.pager(plan, can_more=more_data is not None)
    return _guard(_card(fitted, plan, found, more_data))
