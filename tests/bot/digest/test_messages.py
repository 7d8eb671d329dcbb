"""The digest as neutral messages: a headline with the chart, details behind a button."""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from bot.audit.witness import SignedHead
from bot.audit.witness_line import format_witness, read_witnesses, witness_message
from bot.core.payload import message_from_payload, message_to_payload
from bot.core.plain import render_plain
from bot.digest.messages import (
    DETAILS_ACTION,
    digest_details_view,
    digest_full_view,
    digest_view,
    readiness_text,
)
from tests.bot.digest.digest_sample import sample_digest

PNG = b"\x89PNG\r\n\x1a\nfake"
KEY = Ed25519PrivateKey.generate()
HASH = "83684b" + "0" * 58


def signed_head(seq: int = 660) -> SignedHead:
    signature = KEY.sign(witness_message(seq, HASH))
    return SignedHead(seq, HASH, format_witness(seq, HASH, signature))


def test_the_headline_has_the_week_the_figures_the_chart_and_show_details() -> None:
    message = digest_view(sample_digest(witness=signed_head()), chart=PNG)
    assert message.title == "Weekly SOC 2 digest — Acme SOC 2, week 2026-W21"
    assert message.context == "As of Mon 18 May 2026"
    fields = {f.label: f.value for f in message.fields}
    assert fields == {
        "Readiness": "75% ▲ +5 pts since last week · 15 of 20 controls on track",
        "Done last week": "12 (2 late)",
        "Overdue": "7",
        "Evidence": "14 last week (5 files, 9 attestations)",
        "Due in 14 days": "3",
        "Type II coverage": "92% of periods due have accepted evidence · 4 gaps",
    }
    assert message.sections == () and message.items == ()  # the lists are the details
    [image] = message.images
    assert image.data == PNG and image.url_or_path == "soc2-digest-2026-W21.png"
    assert "W20 50%" in image.alt_text and "CC6 4 overdue, 5 open" in image.alt_text
    [button] = message.buttons
    assert (button.label, button.action_id) == ("Show details", DETAILS_ACTION)


def test_the_witness_is_short_in_the_headline_and_whole_one_press_away() -> None:
    head = signed_head()
    message = digest_view(sample_digest(witness=head), chart=PNG)
    shown = render_plain(message, width=100)
    assert (message.footer or "").splitlines()[-1] == (
        "Audit trail head: event 660 (83684b0000000000…), signed: the whole witness line is "
        "under Show details."
    )
    assert "soc2bot-head" not in shown  # no long token in a sentence
    assert message.buttons[0].value == head.line  # kept in the posted message's payload
    details = render_plain(digest_details_view(sample_digest(witness=head)), width=100)
    [witness], broken = read_witnesses(details)
    assert broken == [] and (witness.seq, witness.hash) == (660, HASH)
    assert head.line in details.splitlines()  # on a line of its own, copied whole


def test_details_list_what_the_headline_counts_and_how_many_more() -> None:
    message = digest_details_view(sample_digest(witness=signed_head()))
    assert message.ephemeral and message.title == "Digest details — Acme SOC 2, week 2026-W21"
    assert [s.heading for s in message.sections] == [
        "Completed last week (Mon 11 May – Sun 17 May 2026)",
        "Overdue by owner",
        "Due in the next 14 days",
        "Type II window gaps (01 Jan 2026 – 31 Dec 2026)",
        "Campaigns in progress",
        "Audit trail witness",
    ]
    text = render_plain(message)
    assert "… and 7 more completed" in text  # 12 completed, 5 listed
    assert "… and 1 more due" in text and "… and 3 more gaps" in text
    assert "Raj Iyer: 4 overdue · oldest due Wed 15 Apr 2026" in text
    assert "Nobody assigned: 3 overdue" in text
    assert "Q2 production access (access review): 12 of 30 decided (40%)" in text


def test_readiness_change_shows_its_direction() -> None:
    assert "▼ −12 pts" in readiness_text(sample_digest(readiness_week_ago_pct=87.0))
    assert "unchanged since last week" in readiness_text(sample_digest(readiness_week_ago_pct=75.2))


def test_an_empty_week_reads_as_such() -> None:
    quiet = sample_digest(
        completed_count=0, completed_late=0, completed=[], overdue_by_owner=[], due_soon_count=0,
        due_soon=[], gaps=[], gap_count=0, campaigns=[], coverage_pct=None, criteria=[],
    )  # fmt: skip
    text = render_plain(digest_full_view(quiet))
    for line in (
        "Nothing was completed last week.",
        "Nothing is overdue.",
        "Nothing is due in the next 14 days.",
        "No campaign is in progress.",
        "no periods due yet in the window",
    ):
        assert line in text
    assert "Done last week:   0\n" in text


def test_the_terminal_gets_headline_and_details_in_one_without_a_button() -> None:
    head = signed_head()
    full = digest_full_view(sample_digest(witness=head), chart=PNG)
    assert full.buttons == () and full.images and full.sections
    text = render_plain(full, width=100)
    assert "Readiness:" in text and "Overdue by owner" in text and "(image: Chart for week" in text
    assert head.line in text.splitlines() and "in the details" not in text


def test_without_a_chart_there_is_no_image_and_the_outbox_round_trip_keeps_it() -> None:
    assert digest_view(sample_digest()).images == ()
    message = digest_view(sample_digest(witness=signed_head()), chart=PNG, ephemeral=False)
    assert message_from_payload(message_to_payload(message)) == message
