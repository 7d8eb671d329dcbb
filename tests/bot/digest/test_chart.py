"""The digest chart: a real PNG of the agreed size, small enough for a Teams activity."""

from __future__ import annotations

import io
import threading

from PIL import Image

from bot.digest.chart import render_digest_chart
from bot.digest.facts import WeekTrend
from tests.bot.digest.digest_sample import MONDAY, sample_digest

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
BUDGET = 25_000  # bytes; Teams refuses activities over ~28 KB, and the card needs some too


def decode(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    image.load()
    return image


def test_chart_is_an_800_by_450_png_under_the_size_budget() -> None:
    png = render_digest_chart(sample_digest())
    assert png.startswith(PNG_SIGNATURE)
    image = decode(png)
    assert (image.format, image.size) == ("PNG", (800, 450))
    assert len(png) < BUDGET


def test_chart_with_nothing_to_show_still_draws() -> None:
    empty = sample_digest(
        trend=[WeekTrend(MONDAY, 0, 0) for _ in range(12)], criteria=[], overdue_count=0
    )
    png = render_digest_chart(empty)
    assert decode(png).size == (800, 450) and len(png) < BUDGET


def test_chart_of_a_large_program_stays_under_the_budget() -> None:
    from bot.status.facts import CriterionCount

    groups = [f"CC{n}" for n in range(1, 10)] + ["A1", "PI1", "C1"] + [f"P{n}" for n in range(1, 9)]
    big = sample_digest(
        program="A very long program name for a company with a lot of controls",
        criteria=[CriterionCount(g, 40, 300 + i * 17, i * 23) for i, g in enumerate(groups)],
        trend=[WeekTrend(MONDAY, 900 + w * 37, 700 + w * 11) for w in range(12)],
    )
    assert len(render_digest_chart(big)) < BUDGET


def test_charts_can_be_drawn_from_several_threads_at_once() -> None:
    results: list[bytes] = []

    def draw() -> None:
        results.append(render_digest_chart(sample_digest()))

    threads = [threading.Thread(target=draw) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 4 and all(decode(png).size == (800, 450) for png in results)
