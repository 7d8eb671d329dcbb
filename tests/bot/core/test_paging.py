"""Paging: 12 items a page (the renderer's measure only a guard), sections split across pages."""

from __future__ import annotations

from bot.core.messages import ListItem, Message, Section
from bot.core.paging import (
    MORE_ACTION_ID,
    PAGE_SIZE,
    Page,
    all_items,
    context_line,
    page_buttons,
    pager,
    plan_page,
    section_parts,
    top_items,
)


def items(prefix: str, n: int) -> tuple[ListItem, ...]:
    return tuple(ListItem(f"{prefix}{i}") for i in range(n))


MESSAGE = Message(
    title="Work",
    sections=(Section("A", items=items("a", 3)), Section("B", text="only text")),
    items=items("t", 4),
)


def plan(page: int, limit: int = 4) -> Page:
    return plan_page(MESSAGE, page, item_cost=lambda _: 1, chrome=1, limit=limit, pager_cost=1)


def test_items_are_read_sections_first() -> None:
    assert [i.text for i in all_items(MESSAGE)] == ["a0", "a1", "a2", "t0", "t1", "t2", "t3"]


def test_a_message_that_fits_is_one_page() -> None:
    page = plan(5, limit=8)
    assert (page.number, page.window, page.total) == (0, range(7), 7)
    assert pager(page, can_more=True) is None and not page.has_more


def test_the_page_size_leaves_room_for_the_chrome_and_the_pager_and_clamps() -> None:
    assert [plan(n).window for n in range(3)] == [range(0, 2), range(2, 4), range(4, 6)]
    last = plan(99)
    assert (last.number, last.window, last.label) == (3, range(6, 7), "page 4 of 4")
    assert plan(-1).first and plan(0).label == "page 1 of 4"


def test_a_section_shows_its_chrome_where_it_starts_and_continues_after() -> None:
    second = section_parts(MESSAGE, plan(1))
    assert [(p.starts, p.continued, [i.text for i in p.items]) for p in second] == [
        (False, True, ["a2"]),
        (True, False, []),  # it stands before t0, the next item, which this page shows
    ]
    assert [i.text for i in top_items(MESSAGE, plan(1))] == ["t0"]
    assert [p.starts for p in section_parts(MESSAGE, plan(3))] == [False, False]


def test_a_section_after_every_item_is_on_the_last_page() -> None:
    message = Message(sections=(Section("A", items=items("a", 5)), Section("B", text="end")))
    pages = [plan_page(message, n, item_cost=lambda _: 1, chrome=1, limit=4) for n in range(2)]
    assert [[p.starts for p in section_parts(message, page)] for page in pages] == [
        [True, False],
        [False, True],
    ]


def test_the_pager_offers_previous_and_next_or_says_how_many_are_not_shown() -> None:
    offered = pager(plan(1), can_more=True)
    assert offered is not None and (offered.previous_page, offered.next_page) == (0, 2)
    assert offered.line == "Showing 3–4 of 7 · page 2 of 4"
    refused = pager(plan(1), can_more=False)
    assert refused is not None and refused.next_page is None and not refused.navigates
    assert refused.line == "Showing 3–4 of 7; 3 more not shown."
    last = pager(plan(3), can_more=True)
    assert last is not None and (last.line, last.next_page) == (
        "Showing 7–7 of 7 · page 4 of 4",
        None,
    )
    first = pager(plan(0), can_more=True)
    assert first is not None and first.links == (("Next", 1),)


def test_previous_and_next_are_neutral_buttons_carrying_their_page() -> None:
    buttons = page_buttons(pager(plan(1), can_more=True), lambda n: f'{{"p": {n}}}')
    assert [(b.label, b.action_id, b.value) for b in buttons] == [
        ("Previous", MORE_ACTION_ID, '{"p": 0}'),
        ("Next", MORE_ACTION_ID, '{"p": 2}'),
    ]


def test_pages_hold_twelve_items_whatever_the_renderer_measures() -> None:
    message = Message(items=items("i", 30))
    pages = [plan_page(message, n, item_cost=lambda _: 1, chrome=1, limit=10**6) for n in range(3)]
    assert PAGE_SIZE == 12
    assert [p.window for p in pages] == [range(0, 12), range(12, 24), range(24, 30)]
    assert [p.label for p in pages] == ["page 1 of 3", "page 2 of 3", "page 3 of 3"]
    whole = plan_page(message, 0, item_cost=lambda _: 1, chrome=1, limit=10**6, per_page=None)
    assert whole.window == range(30)  # a message that cannot be paged shows all that fits


def test_the_context_line_joins_the_messages_context_and_the_page() -> None:
    message = Message(context="Acme · 02 Dec", items=items("i", 30))
    page = plan_page(message, 1, item_cost=lambda _: 1, chrome=1, limit=10**6)
    found = pager(page, can_more=True)
    assert context_line(message, found) == "Acme · 02 Dec · Showing 13–24 of 30 · page 2 of 3"
    assert context_line(message, pager(page, can_more=False)) == "Acme · 02 Dec"
    assert context_line(Message(), None) is None
