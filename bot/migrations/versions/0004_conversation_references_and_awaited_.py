"""conversation references and awaited files

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 15:44:01.799452
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "conversationref",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column(
            "reference",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversationref")),
        sa.UniqueConstraint("key", name=op.f("uq_conversationref_key")),
    )
    op.create_table(
        "awaitedfile",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("occurrence_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["occurrence_id"],
            ["occurrence.id"],
            name=op.f("fk_awaitedfile_occurrence_id_occurrence"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_awaitedfile_person_id_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_awaitedfile")),
        sa.UniqueConstraint("conversation", name=op.f("uq_awaitedfile_conversation")),
    )


def downgrade() -> None:
    op.drop_table("awaitedfile")
    op.drop_table("conversationref")
