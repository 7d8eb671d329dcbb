"""Paging a long neutral Message: which items each page shows, its title and its "More" button.

Every renderer pages the same way and differs only in how it measures size (Slack counts
blocks, Teams counts bytes), so the decisions live here and the renderers only draw them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.core.messages import Button, ListItem, Message, Section

MORE_ACTION_ID = "page_more"
MORE_LABEL = "More"


@dataclass(frozen=True)
class Page:
    """Page `number` (from 0) shows the items at positions `window` of the `total` in order."""

    number: int
    window: range
    total: int

    @property
    def first(self) -> bool:
        """The first page also carries the message's text, fields, buttons and images."""
        return self.number == 0

    @property
    def title_suffix(self) -> str:
        """What follows the title on a later page: " (page 2)"."""
        return f" (page {self.number + 1})" if self.number else ""

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
    """The "Showing 21–40 of 200" line, and the page a "More" button opens (None: no button)."""

    line: str
    next_page: int | None


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
) -> Page:
    """Which items page `page` (clamped) shows; the page size depends only on the message.

    `item_cost` and `chrome` (everything but the items, over all pages) are in the
    renderer's own unit; `pager_cost` is room kept on a paged page for the pager itself.
    """
    costs = [item_cost(i) for i in all_items(message)]
    total = len(costs)
    if not costs or chrome + sum(costs) <= limit:
        return Page(0, range(total), total)
    size = max(1, (limit - chrome - pager_cost) // max(costs))
    number = min(max(page, 0), -(-total // size) - 1)
    return Page(number, range(number * size, min(total, (number + 1) * size)), total)


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
    """The pager of a page that does not show every item; a "More" only when `can_more`."""
    window, total = page.window, page.total
    if window.start == 0 and window.stop >= total:
        return None
    shown = f"Showing {window.start + 1}–{window.stop} of {total}"
    remaining = total - window.stop
    if remaining and can_more:
        return Pager(shown, page.number + 1)
    return Pager(f"{shown}; {remaining} more not shown." if remaining else shown, None)


def more_button(value: str) -> Button:
    """The neutral "More" button; `value` tells the click handler what to show next."""
    return Button(MORE_LABEL, MORE_ACTION_ID, value)
