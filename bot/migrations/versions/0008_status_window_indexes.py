"""status window indexes

A covering index per control for the Type II window aggregates of `status` and the digest
(it replaces the plain control_id index, its prefix), and a partial index of accepted
evidence per occurrence (docs/performance.md).

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
            "ix_occurrence_control_window",
            ["control_id", "period_start", "status", "due_at"],
            unique=False,
        )
        batch_op.drop_index("ix_occurrence_control_id")
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
        batch_op.create_index("ix_occurrence_control_id", ["control_id"], unique=False)
        batch_op.drop_index("ix_occurrence_control_window")
