"""review sources on tasks, verification time on follow-ups

`task.review`: where an access review's accounts come from (the catalog's `review:`), who
decides and where the prompt goes. `followup.checked_at`: when the source was last pulled
to verify that the revoked access is gone (at most once a day per follow-up).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 13:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (the migration template imports it)
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.add_column(sa.Column("review", JSON, nullable=True))
    with op.batch_alter_table("followup", schema=None) as batch_op:
        batch_op.add_column(sa.Column("checked_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("followup", schema=None) as batch_op:
        batch_op.drop_column("checked_at")
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.drop_column("review")
