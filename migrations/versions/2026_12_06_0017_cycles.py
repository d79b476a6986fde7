"""The five-step cycle: cycles, steps and their checklists, the collaboration agreement, and the lägesbild and
åtgärdsplan documents (versions, frozen figures at adoption).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0017'
down_revision: str | None = '0016'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('cycle',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('public', sa.Boolean(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], name=op.f('fk_cycle_municipality_id_municipality'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cycle'))
    )
    with op.batch_alter_table('cycle', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cycle_municipality_id'), ['municipality_id'], unique=False)

    op.create_table('agreement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=True),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('focus', sa.Text(), nullable=False),
    sa.Column('signatories', sa.JSON(), nullable=False),
    sa.Column('party_ids', sa.JSON(), nullable=False),
    sa.Column('pledge_ids', sa.JSON(), nullable=False),
    sa.Column('document_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('document_file', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['cycle_id'], ['cycle.id'], name=op.f('fk_agreement_cycle_id_cycle'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], name=op.f('fk_agreement_municipality_id_municipality'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agreement'))
    )
    with op.batch_alter_table('agreement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agreement_municipality_id'), ['municipality_id'], unique=False)

    op.create_table('cycle_step',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('owner_party_id', sa.Integer(), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('reminded_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['cycle_id'], ['cycle.id'], name=op.f('fk_cycle_step_cycle_id_cycle'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['owner_party_id'], ['party.id'], name=op.f('fk_cycle_step_owner_party_id_party'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cycle_step')),
    sa.UniqueConstraint('cycle_id', 'number', name=op.f('uq_cycle_step_cycle_id_number'))
    )
    with op.batch_alter_table('cycle_step', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cycle_step_cycle_id'), ['cycle_id'], unique=False)

    op.create_table('situation_document',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('series', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=True),
    sa.Column('sections', sa.JSON(), nullable=False),
    sa.Column('snapshot', sa.JSON(), nullable=True),
    sa.Column('adopted_on', sa.Date(), nullable=True),
    sa.Column('decision_body', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('public', sa.Boolean(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['cycle_id'], ['cycle.id'], name=op.f('fk_situation_document_cycle_id_cycle'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], name=op.f('fk_situation_document_municipality_id_municipality'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['survey_id'], ['survey.id'], name=op.f('fk_situation_document_survey_id_survey'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_situation_document')),
    sa.UniqueConstraint('municipality_id', 'kind', 'series', 'version', name=op.f('uq_situation_document_municipality_id_kind_series_version'))
    )
    with op.batch_alter_table('situation_document', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_situation_document_municipality_id'), ['municipality_id'], unique=False)

    op.create_table('cycle_check',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('step_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('text', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('evidence', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('done_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['step_id'], ['cycle_step.id'], name=op.f('fk_cycle_check_step_id_cycle_step'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cycle_check'))
    )
    with op.batch_alter_table('cycle_check', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cycle_check_step_id'), ['step_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('cycle_check', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cycle_check_step_id'))

    op.drop_table('cycle_check')
    with op.batch_alter_table('situation_document', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_situation_document_municipality_id'))

    op.drop_table('situation_document')
    with op.batch_alter_table('cycle_step', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cycle_step_cycle_id'))

    op.drop_table('cycle_step')
    with op.batch_alter_table('agreement', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agreement_municipality_id'))

    op.drop_table('agreement')
    with op.batch_alter_table('cycle', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cycle_municipality_id'))

    op.drop_table('cycle')
