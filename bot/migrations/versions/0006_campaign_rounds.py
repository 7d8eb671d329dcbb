"""campaign rounds: topics, item versions and deadlines, awaited certificates

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("topic", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True)
        )
        batch_op.create_index(batch_op.f("ix_campaign_topic"), ["topic"], unique=False)
    with op.batch_alter_table("campaignitem", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("version", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
        )
        batch_op.add_column(sa.Column("due_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("due_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index("ix_campaignitem_decision_due", ["decision", "due_at"], unique=False)
    with op.batch_alter_table("awaitedfile", schema=None) as batch_op:
        batch_op.add_column(sa.Column("campaign_item_id", sa.Integer(), nullable=True))
        batch_op.alter_column("occurrence_id", existing_type=sa.Integer(), nullable=True)
        batch_op.create_foreign_key(
            batch_op.f("fk_awaitedfile_campaign_item_id_campaignitem"),
            "campaignitem",
            ["campaign_item_id"],
            ["id"],
        )


def downgrade() -> None:
    op.execute("DELETE FROM awaitedfile WHERE occurrence_id IS NULL")
    with op.batch_alter_table("awaitedfile", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_awaitedfile_campaign_item_id_campaignitem"), type_="foreignkey"
        )
        batch_op.alter_column("occurrence_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column("campaign_item_id")
    with op.batch_alter_table("campaignitem", schema=None) as batch_op:
        batch_op.drop_index("ix_campaignitem_decision_due")
        batch_op.drop_column("due_at")
        batch_op.drop_column("due_on")
        batch_op.drop_column("version")
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_campaign_topic"))
        batch_op.drop_column("topic")
