"""How a sample is told: what it was drawn from, the seed and hash, each drawn item (views)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from bot.audit.values import short_hash, time_text
from bot.core.messages import Field, ListItem, Message
from bot.sampling.facts import SampleDetail, SampledItem

# A chat answer to a draw or an addition lists at most this many: a longer list would be
# paged, and paging runs the typed command again, which would draw another sample.
SHOWN_IN_ANSWER = 10


def _item(item: SampledItem) -> ListItem:
    day = f" · due {item.day:%a %d %b %Y}" if item.day else ""
    added = f" · added in round {item.round}" if item.round else ""
    evidence = f"{item.evidence} evidence" if item.evidence else "no evidence"
    return ListItem(f"{item.ref}{day} · {item.state}", f"{item.what} · {evidence}{added}")


def sample_view(
    detail: SampleDetail, *, typed: Callable[[str], str], shown: int | None = None
) -> Message:
    """A sample: its population, seed and hash, then its items (the first `shown`, when the
    answer must not be paged; the latest addition's when it is about one)."""
    items = detail.items[-detail.added :] if detail.added else detail.items
    listed = items if shown is None else items[:shown]
    rest = len(items) - len(listed)
    more = f"{rest} more: `{typed(f'sample show {detail.sample_id}')}`. " if rest else ""
    lead = (
        f"Added {detail.added}; the sample now holds {len(detail.items)} of "
        f"{detail.population_size}."
        if detail.added
        else f"{len(detail.items)} drawn from a population of {detail.population_size}, "
        "spread across it."
    )
    return Message(
        title=f"Sample {detail.sample_id}: {detail.label}",
        context=f"Seed {detail.seed} · population SHA-256 {short_hash(detail.population_sha256)}",
        text=lead,
        fields=(
            Field("Size", detail.rule),
            Field("Drawn by", f"{detail.drawn_by}, {time_text(detail.drawn_at, dt.UTC)}"),
        ),
        items=tuple(_item(i) for i in listed),
        # The bundle's command first: at the end of a line its `--` is where it would break.
        footer=f"{more}The auditor's bundle: `soc2bot export --sample {detail.sample_id}`. "
        f"Draw more: `{typed(f'sample add {detail.sample_id} 5')}`.",
    )
