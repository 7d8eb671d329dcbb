"""`status` on one screen: readiness as the headline, one criteria table, worst overdue first."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from bot.core.plain import render_plain
from bot.status.facts import CriterionCount, StatusSummary
from bot.status.messages import SHOWN_OVERDUE, status_view
from bot.work.facts import State, WorkItem
from tests.both_platforms import slack_blocks, teams_card, teams_text
from tests.handlers.teams.cardcheck import walk

TODAY = dt.date(2026, 3, 10)
GROUPS = ("CC1", "CC2", "CC3", "CC4", "CC5", "CC6", "CC7", "CC8", "CC9", "A1", "C1")


def _overdue(n: int, days_late: int) -> WorkItem:
    due = TODAY - dt.timedelta(days=days_late)
    return WorkItem(n, f"CC{n}.1-X", f"Task {n}", "2026-02", due, State.OVERDUE, "any", "Raj Iyer")


def summary(*, overdue: int = 8) -> StatusSummary:
    # As the summary lists it: by due date, the most overdue first.
    items = [_overdue(100 + i, 40 - i * 3) for i in range(min(overdue, 10))]
    return StatusSummary(
        program="Northwind",
        today=TODAY,
        window_start=dt.date(2025, 3, 1),
        window_end=dt.date(2026, 2, 28),
        controls_in_scope=50,
        controls_on_track=41,
        open_count=3,
        overdue_count=overdue,
        due_soon_count=2,
        overdue=items,
        due_soon=[],
        criteria=[CriterionCount(g, 5, 0, 1 if g == "CC6" else 0) for g in GROUPS],
        coverage=[],
        gaps=items[:4],
        placeholder_owners=0,
    )


def test_readiness_is_the_headline_on_both_platforms() -> None:
    message = status_view(summary())
    assert (message.title or "").startswith("Readiness 82%")
    assert "41 of 50 controls have no overdue work" in (message.context or "")
    assert "Readiness 82%" in teams_text(message)
    assert "Readiness 82%" in str(slack_blocks(message)[0])  # the header comes first


def test_criteria_are_one_compact_table() -> None:
    message = status_view(summary())
    (criteria,) = [s for s in message.sections if s.heading == "By criterion"]
    assert [f.label for f in criteria.fields] == list(GROUPS) and not criteria.items
    assert criteria.fields[5].value == "5 controls · 0 open · 1 overdue"
    facts = [n for n in walk(teams_card(message)) if n.get("type") == "FactSet"]
    tables = [f for f in facts if any(fact["title"] == "CC1" for fact in f["facts"])]
    assert len(tables) == 1 and [f["title"] for f in tables[0]["facts"]] == list(GROUPS)
    # Slack holds 10 fields a section: the 11 rows are two adjacent sections, no dividers.
    blocks = slack_blocks(message)
    holding = [i for i, b in enumerate(blocks) if "CC1*" in str(b) or "C1*" in str(b)]
    assert holding and holding[-1] - holding[0] <= 1
    assert all(blocks[i]["type"] == "section" for i in range(holding[0], holding[-1] + 1))


def test_the_worst_overdue_come_first_capped_with_how_many_more() -> None:
    message = status_view(summary(overdue=8))
    (section,) = [s for s in message.sections if (s.heading or "").startswith("Most overdue")]
    assert section.heading == "Most overdue (8)"
    texts = [i.text for i in section.items]
    assert len(texts) == SHOWN_OVERDUE + 1 and texts[-1] == "… and 3 more"
    assert texts[0] == "#100 Task 100"
    assert section.items[0].detail == "CC100.1-X (2026-02) · 40 days overdue · Raj Iyer"
    for shown in (teams_text(message), render_plain(message)):
        assert shown.index("#100 ") < shown.index("#101 ") < shown.index("… and 3 more")


def test_gaps_already_listed_as_overdue_are_not_listed_twice() -> None:
    message = status_view(summary())
    assert not [s for s in message.sections if (s.heading or "").startswith("Window gaps")]
    shown = teams_text(message)
    assert shown.count("#100 ") == 1


def test_status_without_overdue_work_has_no_overdue_section() -> None:
    message = status_view(summary(overdue=0))
    assert [s.heading for s in message.sections] == ["By criterion"]
    assert "0 overdue · 3 open · 2 due in 14 days" in teams_text(message)


def test_a_gap_whose_evidence_expired_says_so_rather_than_missing() -> None:
    done = [
        WorkItem(n, "CC7.1-VULN", f"Scan {n}", "2026-01", TODAY - dt.timedelta(days=30 + n),
                 State.DONE, "file", "Raj Iyer")
        for n in (1, 2)
    ]  # fmt: skip
    base = summary(overdue=0)
    shown = render_plain(status_view(replace(base, gaps=done, lapsed=frozenset({2}))))
    assert "#1 Scan 1" in shown and "done, without accepted evidence" in shown
    assert "#2 Scan 2" in shown and "done, its evidence had expired" in shown
