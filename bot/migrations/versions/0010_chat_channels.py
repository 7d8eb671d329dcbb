"""chat channels resolved to ids

`chatchannel`: a channel named in the catalog (`#leadership`) and the id Slack gave it when
it was first used, so that history checks and updates (ids only) work and a renamed channel
keeps receiving messages.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 06:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "chatchannel",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("channel_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chatchannel")),
        sa.UniqueConstraint("platform", "name", name=op.f("uq_chatchannel_platform")),
    )


def downgrade() -> None:
    op.drop_table("chatchannel")
