"""Partners tied to their party and four eyes on a pledge: the party and state of each follow-up update (pending,
withdrawn, corrected), the accounts' signatures per side, who submitted, reopening, and the approval setting.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('pledge_settings',
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.Column('partner_updates_need_approval', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], name=op.f('fk_pledge_settings_municipality_id_municipality'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('municipality_id', name=op.f('pk_pledge_settings'))
    )
    op.create_table('pledge_signature',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pledge_id', sa.Integer(), nullable=False),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('side', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('party_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('signer_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('signed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['party_id'], ['party.id'], name=op.f('fk_pledge_signature_party_id_party'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['pledge_id'], ['pledge.id'], name=op.f('fk_pledge_signature_pledge_id_pledge'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['staff_user.id'], name=op.f('fk_pledge_signature_user_id_staff_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pledge_signature')),
    sa.UniqueConstraint('pledge_id', 'round', 'side', name=op.f('uq_pledge_signature_pledge_id_round_side')),
    sa.UniqueConstraint('pledge_id', 'round', 'user_id', name=op.f('uq_pledge_signature_pledge_id_round_user_id'))
    )
    with op.batch_alter_table('pledge_signature', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pledge_signature_pledge_id'), ['pledge_id'], unique=False)

    with op.batch_alter_table('pledge', schema=None) as batch_op:
        batch_op.add_column(sa.Column('submitted_by', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('reopen_requested_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_pledge_submitted_by_staff_user'), 'staff_user', ['submitted_by'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('pledge_update', schema=None) as batch_op:
        batch_op.add_column(sa.Column('party_id', sa.Integer(), nullable=True))
        # Updates already posted were public at once: they stay published.
        batch_op.add_column(sa.Column('state', sa.String(length=20), nullable=False, server_default='published'))
        batch_op.add_column(sa.Column('corrected_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('withdrawn_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('reviewed_by', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_pledge_update_party_id_party'), 'party', ['party_id'], ['id'], ondelete='SET NULL')
        batch_op.create_foreign_key(batch_op.f('fk_pledge_update_reviewed_by_staff_user'), 'staff_user', ['reviewed_by'], ['id'], ondelete='SET NULL')



def downgrade() -> None:
    with op.batch_alter_table('pledge_update', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_pledge_update_reviewed_by_staff_user'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_pledge_update_party_id_party'), type_='foreignkey')
        batch_op.drop_column('reviewed_by')
        batch_op.drop_column('withdrawn_at')
        batch_op.drop_column('corrected_at')
        batch_op.drop_column('state')
        batch_op.drop_column('party_id')

    with op.batch_alter_table('pledge', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_pledge_submitted_by_staff_user'), type_='foreignkey')
        batch_op.drop_column('reopen_requested_at')
        batch_op.drop_column('submitted_by')

    with op.batch_alter_table('pledge_signature', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pledge_signature_pledge_id'))

    op.drop_table('pledge_signature')
    op.drop_table('pledge_settings')
