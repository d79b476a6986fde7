"""Failed letter-code attempts counted per survey (no codes, clients or times are kept).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('survey_code_failure',
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['survey_id'], ['survey.id'],
                            name=op.f('fk_survey_code_failure_survey_id_survey'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('survey_id', name=op.f('pk_survey_code_failure'))
    )


def downgrade() -> None:
    op.drop_table('survey_code_failure')
