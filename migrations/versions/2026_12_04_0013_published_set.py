"""A wave's published figures after disclosure control: one JSON snapshot per wave and audience.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('concern_published_set',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('audience', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('built_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('responses', sa.Integer(), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['survey_id'], ['survey.id'],
                            name=op.f('fk_concern_published_set_survey_id_survey'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_concern_published_set')),
    sa.UniqueConstraint('survey_id', 'audience', name=op.f('uq_concern_published_set_survey_id_audience'))
    )


def downgrade() -> None:
    op.drop_table('concern_published_set')
