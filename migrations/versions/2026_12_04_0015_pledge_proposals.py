"""Pending changes to published pledges (four eyes on changes, not only on first publication).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('pledge_proposal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pledge_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=True),
    sa.Column('values', sa.JSON(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('proposed_by', sa.Integer(), nullable=True),
    sa.Column('side', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('decided_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['decided_by'], ['staff_user.id'], name=op.f('fk_pledge_proposal_decided_by_staff_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['pledge_id'], ['pledge.id'], name=op.f('fk_pledge_proposal_pledge_id_pledge'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['proposed_by'], ['staff_user.id'], name=op.f('fk_pledge_proposal_proposed_by_staff_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pledge_proposal'))
    )
    with op.batch_alter_table('pledge_proposal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pledge_proposal_pledge_id'), ['pledge_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('pledge_proposal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pledge_proposal_pledge_id'))
    op.drop_table('pledge_proposal')
