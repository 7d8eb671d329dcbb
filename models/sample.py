"""Auditor samples: a reproducible draw from a population, with its seed and its hash."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlmodel import Field, SQLModel

from models.base import json_field, ts_field


class Sample(SQLModel, table=True):
    """What was drawn, from what, and how: enough to draw the same sample again."""

    id: int | None = Field(default=None, primary_key=True)
    # "occurrences" (of a control, due in the window), "campaign_items" or "follow_ups" (of a
    # campaign): bot.sampling.facts.PopulationKind.
    population_kind: str = Field(max_length=32)
    control_id: int | None = Field(default=None, foreign_key="control.id", index=True)
    campaign_id: int | None = Field(default=None, foreign_key="campaign.id", index=True)
    window_start: dt.date | None = None
    window_end: dt.date | None = None
    seed: str = Field(max_length=100)
    population_size: int
    population_sha256: str = Field(max_length=64)
    # The ids drawn (occurrence, campaign item or follow-up ids), in the order they were drawn.
    selection: list[int] = json_field(default=list, nullable=False)
    created_by: str = Field(max_length=254)
    created_at: dt.datetime = ts_field()
    details: dict[str, Any] = json_field(default=dict, nullable=False)
