"""The digest chart as PNG bytes: on-time trend, open vs overdue by criterion (matplotlib Agg)."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from PIL import Image as PILImage

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.ticker import Locator

    from bot.digest.facts import Digest

WIDTH, HEIGHT, DPI = 8.0, 4.5, 100  # 800 × 450 px
COLORS = 48  # a small palette keeps the PNG well under Teams' ~28 KB activity limit
ON_TIME, OPEN, OVERDUE, GRID, INK = "#2f7d4f", "#4a78b5", "#c8453b", "#d9d9d9", "#333333"


def render_digest_chart(digest: Digest) -> bytes:
    """Draw the digest's chart (800×450) and return it as a small, palette PNG."""
    # Imported here: matplotlib takes about half a second to load, which only the digest
    # should pay, not every command. The OO API (no pyplot) keeps it thread-safe.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(WIDTH, HEIGHT), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    trend_axes, criteria_axes = figure.subplots(1, 2, width_ratios=(1.25, 1))
    _trend(trend_axes, digest)
    _criteria(criteria_axes, digest)
    figure.suptitle(
        f"{digest.program} · week {digest.week_label}", fontsize=11, color=INK, weight="bold"
    )
    raw = io.BytesIO()
    figure.savefig(raw, format="png", dpi=DPI, facecolor="white")
    return _shrink(raw.getvalue())


def _shrink(png: bytes) -> bytes:
    """Quantize to a small palette without dithering: flat chart colours compress well."""
    with PILImage.open(io.BytesIO(png)) as image:
        small = image.convert("RGB").quantize(colors=COLORS, dither=PILImage.Dither.NONE)
    out = io.BytesIO()
    small.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _style(axes: Axes, title: str) -> None:
    axes.set_title(title, fontsize=10, color=INK, loc="left")
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    axes.tick_params(labelsize=8, colors=INK)


def _trend(axes: Axes, digest: Digest) -> None:
    """Stacked bars per week: work due that week done on time, and the rest; % on top."""
    _style(axes, "On-time completion, last 12 weeks")
    positions = list(range(len(digest.trend)))
    on_time = [week.on_time for week in digest.trend]
    rest = [week.due - week.on_time for week in digest.trend]
    axes.bar(positions, on_time, 0.65, color=ON_TIME, label="done on time")
    axes.bar(positions, rest, 0.65, bottom=on_time, color=OVERDUE, label="late or not done")
    top = max((week.due for week in digest.trend), default=0)
    for x, week in zip(positions, digest.trend, strict=True):
        if week.rate is not None:
            axes.text(x, week.due + top * 0.02, f"{week.rate:.0f}%", ha="center", fontsize=7)
    axes.set_ylim(0, max(top * 1.3, 1))  # room for the legend above the bars
    axes.set_xticks(positions, [week.label for week in digest.trend], rotation=45, ha="right")
    axes.set_ylabel("work due that week", fontsize=8, color=INK)
    axes.yaxis.grid(True, color=GRID, linewidth=0.6)
    axes.yaxis.set_major_locator(_integer_ticks())
    axes.set_axisbelow(True)
    axes.legend(fontsize=8, frameon=False, loc="upper center", ncols=2)


def _integer_ticks() -> Locator:
    from matplotlib.ticker import MaxNLocator  # loaded with the figure already

    return MaxNLocator(integer=True)


def _criteria(axes: Axes, digest: Digest) -> None:
    _style(axes, "Open vs overdue by criterion")
    groups = digest.criteria  # all of them, so that weeks compare at a glance
    if not groups:
        axes.text(0.5, 0.5, "no controls in scope", ha="center", va="center", color=INK)
        axes.set_axis_off()
        return
    names = [c.group for c in groups]
    positions = list(range(len(names)))
    axes.barh([p - 0.2 for p in positions], [c.open for c in groups], 0.4, color=OPEN, label="open")
    axes.barh(
        [p + 0.2 for p in positions],
        [c.overdue for c in groups],
        0.4,
        color=OVERDUE,
        label="overdue",
    )
    axes.set_yticks(positions, names)
    axes.invert_yaxis()
    axes.xaxis.grid(True, color=GRID, linewidth=0.6)
    axes.set_axisbelow(True)
    axes.xaxis.set_major_locator(_integer_ticks())
    axes.legend(fontsize=8, frameon=False, loc="best")
