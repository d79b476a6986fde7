"""Concerns: crime statistics, free-text themes and chosen priorities.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('concern_theme_term',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.Column('stem', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('theme', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], name=op.f('fk_concern_theme_term_municipality_id_municipality'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_concern_theme_term')),
    sa.UniqueConstraint('municipality_id', 'stem', name=op.f('uq_concern_theme_term_municipality_id_stem'))
    )
    with op.batch_alter_table('concern_theme_term', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_concern_theme_term_municipality_id'), ['municipality_id'], unique=False)

    op.create_table('concern_priority',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('series_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('wave', sa.Integer(), nullable=False),
    sa.Column('area_id', sa.Integer(), nullable=True),
    sa.Column('item_code', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('item_label', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('share', sa.Float(), nullable=True),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.Column('low', sa.Float(), nullable=True),
    sa.Column('high', sa.Float(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('chosen_by', sa.Integer(), nullable=True),
    sa.Column('chosen_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['area_id'], ['area.id'], name=op.f('fk_concern_priority_area_id_area'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['chosen_by'], ['staff_user.id'], name=op.f('fk_concern_priority_chosen_by_staff_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], name=op.f('fk_concern_priority_municipality_id_municipality'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['survey_id'], ['survey.id'], name=op.f('fk_concern_priority_survey_id_survey'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_concern_priority')),
    sa.UniqueConstraint('survey_id', 'area_id', 'item_code', name=op.f('uq_concern_priority_survey_id_area_id_item_code'))
    )
    with op.batch_alter_table('concern_priority', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_concern_priority_municipality_id'), ['municipality_id'], unique=False)

    op.create_table('crime_statistic',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.Column('area_id', sa.Integer(), nullable=False),
    sa.Column('category', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('period', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('uploaded_by', sa.Integer(), nullable=True),
    sa.Column('uploaded_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['area_id'], ['area.id'], name=op.f('fk_crime_statistic_area_id_area'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], name=op.f('fk_crime_statistic_municipality_id_municipality'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by'], ['staff_user.id'], name=op.f('fk_crime_statistic_uploaded_by_staff_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crime_statistic')),
    sa.UniqueConstraint('municipality_id', 'area_id', 'category', 'period', name=op.f('uq_crime_statistic_municipality_id_area_id_category_period'))
    )
    with op.batch_alter_table('crime_statistic', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_crime_statistic_municipality_id'), ['municipality_id'], unique=False)

    op.create_table('concern_answer_theme',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('answer_id', sa.Integer(), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('theme', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('tagged_by', sa.Integer(), nullable=True),
    sa.Column('tagged_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['answer_id'], ['survey_answer.id'], name=op.f('fk_concern_answer_theme_answer_id_survey_answer'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['survey_id'], ['survey.id'], name=op.f('fk_concern_answer_theme_survey_id_survey'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tagged_by'], ['staff_user.id'], name=op.f('fk_concern_answer_theme_tagged_by_staff_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_concern_answer_theme')),
    sa.UniqueConstraint('answer_id', 'theme', name=op.f('uq_concern_answer_theme_answer_id_theme'))
    )
    with op.batch_alter_table('concern_answer_theme', schema=None) as batch_op:
        batch_op.create_index('ix_concern_answer_theme_survey', ['survey_id', 'theme'], unique=False)

    with op.batch_alter_table('survey_answer', schema=None) as batch_op:
        batch_op.create_index('ix_survey_answer_concerns_area', ['survey_id', 'question_id', 'response_id', 'item_code', 'value_code'], unique=False)




def downgrade() -> None:
    with op.batch_alter_table('survey_answer', schema=None) as batch_op:
        batch_op.drop_index('ix_survey_answer_concerns_area')

    with op.batch_alter_table('concern_answer_theme', schema=None) as batch_op:
        batch_op.drop_index('ix_concern_answer_theme_survey')

    op.drop_table('concern_answer_theme')
    with op.batch_alter_table('crime_statistic', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_crime_statistic_municipality_id'))

    op.drop_table('crime_statistic')
    with op.batch_alter_table('concern_priority', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_concern_priority_municipality_id'))

    op.drop_table('concern_priority')
    with op.batch_alter_table('concern_theme_term', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_concern_theme_term_municipality_id'))

    op.drop_table('concern_theme_term')
