"""One-off follow-up work created by a campaign, such as removing a revoked account."""

from __future__ import annotations

import datetime as dt
import enum

from sqlmodel import Field, SQLModel

from models.base import enum_column, ts_field


class FollowUpStatus(enum.StrEnum):
    OPEN = "open"
    DONE = "done"


class FollowUp(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    campaign_item_id: int | None = Field(default=None, foreign_key="campaignitem.id")
    title: str = Field(max_length=300)
    assignee_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    due_on: dt.date
    status: FollowUpStatus = Field(
        default=FollowUpStatus.OPEN, sa_column=enum_column(FollowUpStatus, nullable=False)
    )
    created_at: dt.datetime = ts_field()
    done_at: dt.datetime | None = ts_field(nullable=True)
    done_by_id: int | None = Field(default=None, foreign_key="person.id")
    # When the review's source was last pulled to check that the access is gone.
    checked_at: dt.datetime | None = ts_field(nullable=True)
