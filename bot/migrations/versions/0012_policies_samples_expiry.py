"""policies, auditor samples, evidence that expires

`policy`, `policyversion`, `policyapproval`: the catalog's policies, each version's document
(hash, file or link) and each approver's decision bound to that hash. `sample`: an auditor's
reproducible draw (seed, population hash, selection). `evidence.expires_at` and
`task.expires`: evidence valid for a time no longer counts as coverage once it expires.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 13:05:04.227284
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('policy',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('approver_ids', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('review_cycle', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('audience', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('control_keys', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=True),
    sa.Column('current_version_id', sa.Integer(), nullable=True),
    sa.Column('retired_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['owner_id'], ['person.id'], name=op.f('fk_policy_owner_id_person')),
    sa.ForeignKeyConstraint(['task_id'], ['task.id'], name=op.f('fk_policy_task_id_task')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_policy')),
    sa.UniqueConstraint('key', name=op.f('uq_policy_key'))
    )
    with op.batch_alter_table('policy', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_policy_owner_id'), ['owner_id'], unique=False)

    op.create_table('policyversion',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('policy_id', sa.Integer(), nullable=False),
    sa.Column('version', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('status', sa.Enum('awaiting_approval', 'changes_requested', 'published', 'superseded', 'withdrawn', name='versionstatus', native_enum=False, length=32), nullable=False),
    sa.Column('sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('document_name', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
    sa.Column('storage_key', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
    sa.Column('media_type', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True),
    sa.Column('size', sa.Integer(), nullable=True),
    sa.Column('link', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('occurrence_id', sa.Integer(), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('campaign_id', sa.Integer(), nullable=True),
    sa.Column('details', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'], name=op.f('fk_policyversion_campaign_id_campaign')),
    sa.ForeignKeyConstraint(['occurrence_id'], ['occurrence.id'], name=op.f('fk_policyversion_occurrence_id_occurrence')),
    sa.ForeignKeyConstraint(['policy_id'], ['policy.id'], name=op.f('fk_policyversion_policy_id_policy')),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['person.id'], name=op.f('fk_policyversion_submitted_by_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_policyversion')),
    sa.UniqueConstraint('policy_id', 'version', name=op.f('uq_policyversion_policy_id'))
    )
    with op.batch_alter_table('policyversion', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_policyversion_policy_id'), ['policy_id'], unique=False)

    op.create_table('sample',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('population_kind', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('control_id', sa.Integer(), nullable=True),
    sa.Column('campaign_id', sa.Integer(), nullable=True),
    sa.Column('window_start', sa.Date(), nullable=True),
    sa.Column('window_end', sa.Date(), nullable=True),
    sa.Column('seed', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('population_size', sa.Integer(), nullable=False),
    sa.Column('population_sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('selection', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('details', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'], name=op.f('fk_sample_campaign_id_campaign')),
    sa.ForeignKeyConstraint(['control_id'], ['control.id'], name=op.f('fk_sample_control_id_control')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sample'))
    )
    with op.batch_alter_table('sample', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sample_campaign_id'), ['campaign_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sample_control_id'), ['control_id'], unique=False)

    op.create_table('policyapproval',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('step', sa.Integer(), nullable=False),
    sa.Column('approver_id', sa.Integer(), nullable=False),
    sa.Column('decision', sa.Enum('approved', 'changes_requested', name='approvaldecision', native_enum=False, length=32), nullable=False),
    sa.Column('sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('comment', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('invalidated_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['approver_id'], ['person.id'], name=op.f('fk_policyapproval_approver_id_person')),
    sa.ForeignKeyConstraint(['version_id'], ['policyversion.id'], name=op.f('fk_policyapproval_version_id_policyversion')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_policyapproval'))
    )
    with op.batch_alter_table('policyapproval', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_policyapproval_version_id'), ['version_id'], unique=False)

    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_evidence_expires_at'), ['expires_at'], unique=False)

    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expires', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.drop_column('expires')

    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evidence_expires_at'))
        batch_op.drop_column('expires_at')

    with op.batch_alter_table('policyapproval', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_policyapproval_version_id'))

    op.drop_table('policyapproval')
    with op.batch_alter_table('sample', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sample_control_id'))
        batch_op.drop_index(batch_op.f('ix_sample_campaign_id'))

    op.drop_table('sample')
    with op.batch_alter_table('policyversion', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_policyversion_policy_id'))

    op.drop_table('policyversion')
    with op.batch_alter_table('policy', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_policy_owner_id'))

    op.drop_table('policy')
