"""occurrence proven flag

`occurrence.proven`: whether accepted (not superseded) evidence exists, filled in from the
evidence, and added to the per-control window index so that coverage is counted from the
index alone (docs/performance.md).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 03:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (the migration template imports it)
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WINDOW = ["control_id", "period_start", "status", "due_at"]
BACKFILL = sa.text(
    "UPDATE occurrence SET proven = true WHERE EXISTS (SELECT 1 FROM evidence "
    "WHERE evidence.occurrence_id = occurrence.id AND evidence.superseded_at IS NULL)"
)


def upgrade() -> None:
    with op.batch_alter_table("occurrence", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("proven", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.drop_index("ix_occurrence_control_window")
        batch_op.create_index("ix_occurrence_control_window", [*WINDOW, "proven"], unique=False)
    op.execute(BACKFILL)


def downgrade() -> None:
    with op.batch_alter_table("occurrence", schema=None) as batch_op:
        batch_op.drop_index("ix_occurrence_control_window")
        batch_op.create_index("ix_occurrence_control_window", WINDOW, unique=False)
        batch_op.drop_column("proven")
