"""The digest chart: a real PNG sized for chat, every label readable at 450 px, kept small."""

from __future__ import annotations

import io
import threading

from matplotlib.text import Text
from PIL import Image

from bot.digest.chart import (
    DPI,
    SHOWN_WIDTH_PX,
    WIDTH_PX,
    chart_height_px,
    draw_digest_figure,
    render_digest_chart,
)
from bot.digest.facts import Digest, WeekTrend
from bot.status.facts import CriterionCount
from tests.bot.digest.digest_sample import MONDAY, sample_digest

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Bytes: the PNG travels in the outbox row and is sent inline on Teams (base64 images do not
# count towards its activity limit) and uploaded on Slack.
BUDGET = 40_000
MIN_SHOWN_PX = 11  # the smallest label, in screen pixels, with the chart shown 450 px wide


def decode(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    image.load()
    return image


def big_program() -> Digest:
    groups = [f"CC{n}" for n in range(1, 10)] + ["A1", "PI1", "C1"] + [f"P{n}" for n in range(1, 9)]
    return sample_digest(
        program="A very long program name for a company with a lot of controls",
        criteria=[CriterionCount(g, 40, 300 + i * 17, i * 23) for i, g in enumerate(groups)],
        trend=[WeekTrend(MONDAY, 900 + w * 37, 700 + w * 11) for w in range(12)],
    )


def test_chart_is_900_px_wide_twice_the_chat_width_and_under_the_size_budget() -> None:
    digest = sample_digest()
    png = render_digest_chart(digest)
    assert png.startswith(PNG_SIGNATURE)
    image = decode(png)
    assert (image.format, image.size) == ("PNG", (WIDTH_PX, chart_height_px(digest)))
    assert WIDTH_PX == 2 * SHOWN_WIDTH_PX == 900
    assert len(png) < BUDGET


def shown_label_px(digest: Digest) -> dict[str, float]:
    """Every text drawn in the chart and its height on screen at 450 px wide (fontsize_px ×
    450 / image width)."""
    figure = draw_digest_figure(digest)
    figure.canvas.draw()  # lays out ticks and legends, as saving does
    width = decode(render_digest_chart(digest)).size[0]
    sizes: dict[str, float] = {}
    for text in figure.findobj(Text):
        if text.get_visible() and text.get_text().strip():
            px = text.get_fontsize() * DPI / 72  # points to PNG pixels
            sizes[text.get_text()] = min(sizes.get(text.get_text(), px), px)
    return {label: px * SHOWN_WIDTH_PX / width for label, px in sizes.items()}


def test_every_label_is_at_least_11_px_when_shown_450_px_wide() -> None:
    assert {"W09", "CC6", "on time", "overdue", "100%"} <= set(shown_label_px(sample_digest()))
    for digest in (sample_digest(), big_program()):
        sizes = shown_label_px(digest)
        small = {label: round(px, 1) for label, px in sizes.items() if px < MIN_SHOWN_PX}
        assert small == {}, f"labels under {MIN_SHOWN_PX} px at 450 px wide: {small}"


def test_chart_with_nothing_to_show_still_draws() -> None:
    empty = sample_digest(
        trend=[WeekTrend(MONDAY, 0, 0) for _ in range(12)], criteria=[], overdue_count=0
    )
    png = render_digest_chart(empty)
    assert decode(png).size == (WIDTH_PX, chart_height_px(empty)) and len(png) < BUDGET


def test_chart_of_a_large_program_grows_taller_and_stays_under_the_budget() -> None:
    big = big_program()
    png = render_digest_chart(big)
    assert decode(png).size == (WIDTH_PX, chart_height_px(big))
    assert chart_height_px(big) > chart_height_px(sample_digest())
    assert len(png) < BUDGET


def test_charts_can_be_drawn_from_several_threads_at_once() -> None:
    results: list[bytes] = []

    def draw() -> None:
        results.append(render_digest_chart(sample_digest()))

    threads = [threading.Thread(target=draw) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 4 and all(decode(png).size[0] == WIDTH_PX for png in results)
