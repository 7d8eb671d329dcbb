"""Paging a long neutral Message: which items each page shows, its page line and its buttons.

Every renderer pages the same way: pages of `PAGE_SIZE` items, the same on every platform,
so "page 2" shows the same items in Slack and Teams. A renderer's own size measure (Slack
counts blocks, Teams counts bytes) only guards against a page its platform would refuse.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.core.messages import Button, ListItem, Message, Section

PAGE_SIZE = 12  # items a person reads on one screen; payload limits are only a safety net
MORE_ACTION_ID = "page_more"  # the one paging action: Previous and Next both carry a page
PREVIOUS_LABEL = "Previous"
NEXT_LABEL = "Next"


@dataclass(frozen=True)
class Page:
    """Page `number` (from 0) of `pages` shows the items at positions `window` of `total`."""

    number: int
    window: range
    total: int
    pages: int = 1

    @property
    def first(self) -> bool:
        """The first page also carries the message's text, fields, buttons and images."""
        return self.number == 0

    @property
    def label(self) -> str:
        """Where this page is: "page 2 of 3"."""
        return f"page {self.number + 1} of {self.pages}"

    @property
    def has_more(self) -> bool:
        """Items remain after this page."""
        return self.window.stop < self.total


@dataclass(frozen=True)
class SectionPart:
    """What one section shows on a page: its chrome where it starts, then its items there."""

    section: Section
    starts: bool  # its heading, text and fields are drawn on this page
    items: tuple[ListItem, ...]

    @property
    def continued(self) -> bool:
        """Its items carry on from an earlier page (so a "(continued)" heading may lead them)."""
        return not self.starts and bool(self.items)


@dataclass(frozen=True)
class Pager:
    """A page that does not show every item: its line, and the pages Previous and Next open.

    With neither (the message cannot be paged), the line says how many are not shown and
    goes last; otherwise it joins the context line under the title.
    """

    line: str
    previous_page: int | None = None
    next_page: int | None = None

    @property
    def navigates(self) -> bool:
        """Previous or Next is offered."""
        return self.previous_page is not None or self.next_page is not None

    @property
    def links(self) -> tuple[tuple[str, int], ...]:
        """(label, page) of Previous and Next, in that order, where there is such a page."""
        pairs = ((PREVIOUS_LABEL, self.previous_page), (NEXT_LABEL, self.next_page))
        return tuple((label, page) for label, page in pairs if page is not None)


def all_items(message: Message) -> list[ListItem]:
    """Every item in reading order: the sections' items, then the message's own."""
    return [*(i for s in message.sections for i in s.items), *message.items]


def plan_page(
    message: Message,
    page: int,
    *,
    item_cost: Callable[[ListItem], int],
    chrome: int,
    limit: int,
    pager_cost: int = 0,
    per_page: int | None = PAGE_SIZE,
) -> Page:
    """Which items page `page` (clamped) shows: `per_page` a page (None: all on one page).

    The renderer's measure is a guard only: `item_cost` and `chrome` (everything but the
    items, over all pages) in its own unit, `pager_cost` room for the pager. Only when a page
    of `per_page` items could exceed `limit` are pages made smaller (and the same size).
    """
    costs = [item_cost(i) for i in all_items(message)]
    total = len(costs)
    wanted = total if per_page is None else max(1, per_page)
    if not costs or (total <= wanted and chrome + sum(costs) <= limit):
        return Page(0, range(total), total)
    size = max(1, min(wanted, (limit - chrome - pager_cost) // max(costs)))
    pages = -(-total // size)
    number = min(max(page, 0), pages - 1)
    return Page(number, range(number * size, min(total, (number + 1) * size)), total, pages)


def section_parts(message: Message, page: Page) -> list[SectionPart]:
    """Each section on this page: its text and fields sit on the page where it starts."""
    parts: list[SectionPart] = []
    start, window = 0, page.window
    for section in message.sections:
        shown = tuple(it for n, it in enumerate(section.items, start) if n in window)
        # A section with no items left to show starts on the last page, after the list.
        starts = start in window or (start >= page.total and window.stop >= page.total)
        parts.append(SectionPart(section, starts, shown))
        start += len(section.items)
    return parts


def top_items(message: Message, page: Page) -> list[ListItem]:
    """The message's own items (after the sections' ones) that this page shows."""
    offset = page.total - len(message.items)
    return [it for n, it in enumerate(message.items, offset) if n in page.window]


def pager(page: Page, *, can_more: bool) -> Pager | None:
    """The pager of a page that does not show every item; Previous/Next only when `can_more`."""
    window, total = page.window, page.total
    if window.start == 0 and window.stop >= total:
        return None
    shown = f"Showing {window.start + 1}–{window.stop} of {total}"
    if can_more:
        previous = page.number - 1 if page.number else None
        following = page.number + 1 if page.has_more else None
        return Pager(f"{shown} · {page.label}", previous, following)
    remaining = total - window.stop
    return Pager(f"{shown}; {remaining} more not shown." if remaining else shown)


def context_line(message: Message, found: Pager | None) -> str | None:
    """The subtle line under the title: the message's context, then where this page is."""
    parts = [message.context or "", found.line if found and found.navigates else ""]
    return " · ".join(p.strip() for p in parts if p.strip()) or None


def page_buttons(found: Pager | None, value: Callable[[int], str]) -> tuple[Button, ...]:
    """Previous and Next as neutral buttons; `value(page)` tells the click which page."""
    links = found.links if found else ()
    return tuple(Button(label, MORE_ACTION_ID, value(page)) for label, page in links)
