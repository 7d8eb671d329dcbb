"""status window indexes

A covering index for the Type II window aggregates (it replaces the plain period_start
index, its prefix) and a partial index of accepted evidence per occurrence.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 00:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (the migration template imports it)
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ACCEPTED = sa.text("superseded_at IS NULL")


def upgrade() -> None:
    with op.batch_alter_table("occurrence", schema=None) as batch_op:
        batch_op.create_index(
            "ix_occurrence_window",
            ["period_start", "control_id", "status", "due_at"],
            unique=False,
        )
        batch_op.drop_index("ix_occurrence_period_start")
    with op.batch_alter_table("evidence", schema=None) as batch_op:
        batch_op.create_index(
            "ix_evidence_accepted",
            ["occurrence_id"],
            unique=False,
            sqlite_where=ACCEPTED,
            postgresql_where=ACCEPTED,
        )


def downgrade() -> None:
    with op.batch_alter_table("evidence", schema=None) as batch_op:
        batch_op.drop_index("ix_evidence_accepted")
    with op.batch_alter_table("occurrence", schema=None) as batch_op:
        batch_op.create_index("ix_occurrence_period_start", ["period_start"], unique=False)
        batch_op.drop_index("ix_occurrence_window")
