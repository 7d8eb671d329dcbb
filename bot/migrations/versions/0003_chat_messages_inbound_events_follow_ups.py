"""chat messages, inbound events, follow-ups

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 14:32:11.449771
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "inboundevent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("event_id", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inboundevent")),
        sa.UniqueConstraint("platform", "event_id", name=op.f("uq_inboundevent_platform")),
    )
    op.create_table(
        "chatmessage",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("channel", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("message_id", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("occurrence_id", sa.Integer(), nullable=True),
        sa.Column("campaign_id", sa.Integer(), nullable=True),
        sa.Column("page", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaign.id"], name=op.f("fk_chatmessage_campaign_id_campaign")
        ),
        sa.ForeignKeyConstraint(
            ["occurrence_id"],
            ["occurrence.id"],
            name=op.f("fk_chatmessage_occurrence_id_occurrence"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chatmessage")),
        sa.UniqueConstraint(
            "platform", "channel", "message_id", name=op.f("uq_chatmessage_platform")
        ),
    )
    with op.batch_alter_table("chatmessage", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_chatmessage_campaign_id"), ["campaign_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_chatmessage_occurrence_id"), ["occurrence_id"], unique=False
        )

    op.create_table(
        "followup",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("campaign_item_id", sa.Integer(), nullable=True),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("open", "done", name="followupstatus", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["assignee_id"], ["person.id"], name=op.f("fk_followup_assignee_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaign.id"], name=op.f("fk_followup_campaign_id_campaign")
        ),
        sa.ForeignKeyConstraint(
            ["campaign_item_id"],
            ["campaignitem.id"],
            name=op.f("fk_followup_campaign_item_id_campaignitem"),
        ),
        sa.ForeignKeyConstraint(
            ["done_by_id"], ["person.id"], name=op.f("fk_followup_done_by_id_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_followup")),
    )
    with op.batch_alter_table("followup", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_followup_assignee_id"), ["assignee_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_followup_campaign_id"), ["campaign_id"], unique=False)

    with op.batch_alter_table("campaignitem", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("subject_email", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=True)
        )
        batch_op.add_column(sa.Column("system_owner_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_campaignitem_system_owner_id_person"),
            "person",
            ["system_owner_id"],
            ["id"],
        )

    with op.batch_alter_table("evidence", schema=None) as batch_op:
        batch_op.add_column(sa.Column("campaign_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_evidence_campaign_id"), ["campaign_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_evidence_campaign_id_campaign"), "campaign", ["campaign_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("evidence", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_evidence_campaign_id_campaign"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_evidence_campaign_id"))
        batch_op.drop_column("campaign_id")

    with op.batch_alter_table("campaignitem", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_campaignitem_system_owner_id_person"), type_="foreignkey"
        )
        batch_op.drop_column("system_owner_id")
        batch_op.drop_column("subject_email")

    with op.batch_alter_table("followup", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_followup_campaign_id"))
        batch_op.drop_index(batch_op.f("ix_followup_assignee_id"))

    op.drop_table("followup")
    with op.batch_alter_table("chatmessage", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_chatmessage_occurrence_id"))
        batch_op.drop_index(batch_op.f("ix_chatmessage_campaign_id"))

    op.drop_table("chatmessage")
    op.drop_table("inboundevent")
