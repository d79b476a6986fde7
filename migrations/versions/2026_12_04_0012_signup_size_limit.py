"""Sign-up size per event: dialogue_event.max_people_per_signup (staff setting, default 2).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('dialogue_event') as batch_op:
        batch_op.add_column(sa.Column('max_people_per_signup', sa.Integer(), server_default='2', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('dialogue_event') as batch_op:
        batch_op.drop_column('max_people_per_signup')
