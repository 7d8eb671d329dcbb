"""The digest as a neutral message: headline, sections, the chart with its alt text."""

from __future__ import annotations

from bot.core.payload import message_from_payload, message_to_payload
from bot.core.plain import render_plain
from bot.digest.messages import digest_view, readiness_text
from tests.bot.digest.digest_sample import sample_digest

PNG = b"\x89PNG\r\n\x1a\nfake"


def test_digest_message_has_the_week_the_facts_and_the_chart() -> None:
    message = digest_view(sample_digest(), chart=PNG)
    assert message.title == "Weekly SOC 2 digest — Acme SOC 2, week 2026-W21"
    fields = {f.label: f.value for f in message.fields}
    assert fields["Readiness"].startswith("75% ▲ +5 pts since last week (15 of 20 controls")
    assert fields["Completed last week"] == "12 (2 late)"
    assert fields["Overdue"] == "7"
    assert fields["Evidence collected last week"] == "14 (5 file(s), 9 attestation(s))"
    assert fields["Due in 14 days"] == "3"
    assert fields["Type II window coverage"].startswith("92% of periods due so far")
    headings = [s.heading for s in message.sections]
    assert headings == [
        "Completed last week (Mon 11 May – Sun 17 May 2026)",
        "Overdue by owner",
        "Due in the next 14 days",
        "Type II window gaps (periods without accepted evidence)",
        "Campaigns in progress",
        "On-time completion by week (work due that week)",
        "Open vs overdue by criterion",
    ]
    [image] = message.images
    assert image.data == PNG and image.url_or_path == "soc2-digest-2026-W21.png"
    assert "W20 50%" in image.alt_text and "most overdue: CC6 (4)" in image.alt_text


def test_lists_say_how_many_more_there_are() -> None:
    text = render_plain(digest_view(sample_digest()))
    assert "… and 7 more completed" in text  # 12 completed, 5 listed
    assert "… and 1 more due" in text and "… and 3 more gaps" in text
    assert "Nobody assigned: 3 overdue" in text and "Raj Iyer: 4 overdue" in text
    assert "Q2 production access (access review)" in text and "12 of 30 decided (40%)" in text
    assert "W09 100% · W10 – · W11 83%" in text
    assert "CC6: 5 open · 4 overdue (8 controls)" in text


def test_readiness_change_shows_its_direction() -> None:
    assert "▼ −12 pts" in readiness_text(sample_digest(readiness_week_ago_pct=87.0))
    assert "unchanged since last week" in readiness_text(sample_digest(readiness_week_ago_pct=75.2))


def test_an_empty_week_reads_as_such() -> None:
    quiet = sample_digest(
        completed_count=0, completed_late=0, completed=[], overdue_by_owner=[], due_soon_count=0,
        due_soon=[], gaps=[], gap_count=0, campaigns=[], coverage_pct=None, criteria=[],
    )  # fmt: skip
    text = render_plain(digest_view(quiet))
    for line in (
        "Nothing was completed last week.",
        "Nothing is overdue.",
        "Nothing is due in the next 14 days.",
        "No campaign is in progress.",
        "no periods due yet in the window",
    ):
        assert line in text
    assert "Completed last week:          0\n" in text


def test_without_a_chart_there_is_no_image_and_the_outbox_round_trip_keeps_it() -> None:
    assert digest_view(sample_digest()).images == ()
    message = digest_view(sample_digest(), chart=PNG, ephemeral=False)
    assert message_from_payload(message_to_payload(message)) == message
