"""Paging: a stable page size from the renderer's measure, sections split across pages."""

from __future__ import annotations

from bot.core.messages import ListItem, Message, Section
from bot.core.paging import (
    MORE_ACTION_ID,
    Page,
    all_items,
    more_button,
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
    assert (last.number, last.window, last.title_suffix) == (3, range(6, 7), " (page 4)")
    assert plan(-1).first and plan(0).title_suffix == ""


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


def test_the_pager_offers_more_or_says_how_many_are_not_shown() -> None:
    offered = pager(plan(1), can_more=True)
    assert offered is not None and offered.next_page == 2
    assert offered.line == "Showing 3–4 of 7"
    refused = pager(plan(1), can_more=False)
    assert refused is not None and refused.next_page is None
    assert refused.line == "Showing 3–4 of 7; 3 more not shown."
    last = pager(plan(3), can_more=True)
    assert last is not None and (last.line, last.next_page) == ("Showing 7–7 of 7", None)


def test_the_more_button_is_neutral() -> None:
    button = more_button('{"p": 2}')
    assert (button.label, button.action_id, button.value) == ("More", MORE_ACTION_ID, '{"p": 2}')
