"""Where the bot can reach someone later (Teams conversation references) and pending uploads."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlmodel import Field, SQLModel

from models.base import json_field, ts_field


class ConversationRef(SQLModel, table=True):
    """A stored Bot Framework conversation reference, refreshed on every inbound activity."""

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    key: str = Field(max_length=300, unique=True)
    reference: dict[str, Any] = json_field(default=dict, nullable=False)
    updated_at: dt.datetime = ts_field()


class AwaitedFile(SQLModel, table=True):
    """A conversation where the bot waits for a file after "Attach evidence" was pressed."""

    id: int | None = Field(default=None, primary_key=True)
    conversation: str = Field(max_length=300, unique=True)
    occurrence_id: int | None = Field(default=None, foreign_key="occurrence.id")
    # Or a training certificate for this campaign item ("Attach certificate").
    campaign_item_id: int | None = Field(default=None, foreign_key="campaignitem.id")
    person_id: int = Field(foreign_key="person.id")
    expires_at: dt.datetime = ts_field()
