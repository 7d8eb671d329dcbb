"""The digest chart as PNG bytes: on-time trend, overdue and open by criterion (matplotlib Agg).

Sized for chat: drawn 900 px wide, twice the 450 px a chat shows it at, with every text at
least 22 px, so that no label is under 11 px on screen. The two panels are stacked, not side
by side: side by side, twelve week labels at that size do not fit.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from PIL import Image as PILImage

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.ticker import Locator

    from bot.digest.facts import Digest

DPI = 100
WIDTH_PX = 900  # shown at SHOWN_WIDTH_PX: each PNG pixel is half a screen pixel
SHOWN_WIDTH_PX = 450  # a card in a Teams chat, a Slack message on a laptop
TEXT_PX = 22  # the smallest text in the PNG: 11 px when shown 450 px wide
LABEL_PX = 24  # axis ticks, legends, axis titles
TITLE_PX = 28
# Height: the figure title, the trend panel, and one row per criterion below it.
_TOP_PX, _TREND_PX, _GAP_PX, _ROW_PX, _AXIS_PX = 50, 290, 60, 32, 60
COLORS = 32  # a small palette keeps the PNG small (it travels through the outbox)
ON_TIME, OPEN, OVERDUE, GRID, INK = "#2f7d4f", "#4a78b5", "#c8453b", "#d9d9d9", "#333333"


def points(px: float) -> float:
    """A size in PNG pixels as matplotlib points (1 pt = 1/72 in; DPI pixels per inch)."""
    return px * 72 / DPI


def chart_height_px(digest: Digest) -> int:
    """Taller for more criteria: each keeps a row its labels fit in."""
    rows = max(len(digest.criteria), 2)
    return _TOP_PX + _TREND_PX + _GAP_PX + rows * _ROW_PX + _AXIS_PX


def draw_digest_figure(digest: Digest) -> Figure:
    """The chart as a matplotlib figure (WIDTH_PX wide), not yet saved."""
    # Imported here: matplotlib takes about half a second to load, which only the digest
    # should pay, not every command. The OO API (no pyplot) keeps it thread-safe.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    height = chart_height_px(digest)
    figure = Figure(figsize=(WIDTH_PX / DPI, height / DPI), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    criteria_share = max(len(digest.criteria), 2) * _ROW_PX + _AXIS_PX
    trend_axes, criteria_axes = figure.subplots(2, 1, height_ratios=(_TREND_PX, criteria_share))
    _trend(trend_axes, digest)
    _criteria(criteria_axes, digest)
    figure.suptitle(
        f"{digest.program} · week {digest.week_label}",
        fontsize=points(TITLE_PX),
        color=INK,
        weight="bold",
    )
    return figure


def render_digest_chart(digest: Digest) -> bytes:
    """Draw the digest's chart and return it as a small, palette PNG."""
    raw = io.BytesIO()
    draw_digest_figure(digest).savefig(raw, format="png", dpi=DPI, facecolor="white")
    return _shrink(raw.getvalue())


def _shrink(png: bytes) -> bytes:
    """Quantize to a small palette without dithering: flat chart colours compress well."""
    with PILImage.open(io.BytesIO(png)) as image:
        small = image.convert("RGB").quantize(colors=COLORS, dither=PILImage.Dither.NONE)
    out = io.BytesIO()
    small.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _style(axes: Axes, title: str) -> None:
    axes.set_title(title, fontsize=points(LABEL_PX), color=INK, loc="left")
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    axes.tick_params(labelsize=points(LABEL_PX), colors=INK)


def _trend(axes: Axes, digest: Digest) -> None:
    """Stacked bars per week: work due that week done on time, and the rest; % on top."""
    _style(axes, "Work done on time, by week it was due")
    positions = list(range(len(digest.trend)))
    on_time = [week.on_time for week in digest.trend]
    rest = [week.due - week.on_time for week in digest.trend]
    axes.bar(positions, on_time, 0.7, color=ON_TIME, label="on time")
    axes.bar(positions, rest, 0.7, bottom=on_time, color=OVERDUE, label="late or not done")
    top = max((week.due for week in digest.trend), default=0)
    for x, week in zip(positions, digest.trend, strict=True):
        if week.rate is not None:
            axes.text(
                x, week.due + top * 0.03, f"{week.rate:.0f}%", ha="center",
                fontsize=points(TEXT_PX), color=INK,
            )  # fmt: skip
    axes.set_ylim(0, max(top * 1.45, 1))  # room for the percentages and the legend
    axes.set_xticks(positions, [week.label for week in digest.trend])
    axes.yaxis.grid(True, color=GRID, linewidth=1)
    axes.yaxis.set_major_locator(_integer_ticks())
    axes.set_axisbelow(True)
    axes.legend(fontsize=points(LABEL_PX), frameon=False, loc="upper left", ncols=2)


def _integer_ticks() -> Locator:
    from matplotlib.ticker import MaxNLocator  # loaded with the figure already

    return MaxNLocator(integer=True, nbins=4)


def _criteria(axes: Axes, digest: Digest) -> None:
    """One stacked bar per criterion: overdue work, then open work not yet due."""
    _style(axes, "Overdue and open work, by criterion")
    groups = digest.criteria  # all of them, so that weeks compare at a glance
    if not groups:
        axes.text(
            0.5, 0.5, "no controls in scope", ha="center", va="center", color=INK,
            fontsize=points(LABEL_PX),
        )  # fmt: skip
        axes.set_axis_off()
        return
    positions = list(range(len(groups)))
    overdue = [c.overdue for c in groups]
    axes.barh(positions, overdue, 0.7, color=OVERDUE, label="overdue")
    axes.barh(positions, [c.open for c in groups], 0.7, left=overdue, color=OPEN, label="open")
    axes.set_yticks(positions, [c.group for c in groups])
    axes.invert_yaxis()
    axes.set_xlim(0, max((c.overdue + c.open for c in groups), default=0) * 1.1 or 1)
    axes.xaxis.grid(True, color=GRID, linewidth=1)
    axes.set_axisbelow(True)
    axes.xaxis.set_major_locator(_integer_ticks())
    axes.legend(fontsize=points(LABEL_PX), frameon=False, loc="lower right")
