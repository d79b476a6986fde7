"""Pledges: focus areas, activities, indicators, versions, updates and subscriptions.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "pledge_subscriber",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
        sa.Column("token", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("language", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("confirmed", sa.Boolean(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_pledge_subscriber_municipality_id_municipality"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pledge_subscriber")),
        sa.UniqueConstraint("token", name=op.f("uq_pledge_subscriber_token")),
    )
    with op.batch_alter_table("pledge_subscriber", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_pledge_subscriber_municipality_id"), ["municipality_id"], unique=False
        )

    op.create_table(
        "pledge",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("police_area_id", sa.Integer(), nullable=True),
        sa.Column("area_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.JSON(), nullable=False),
        sa.Column("intro", sa.JSON(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("published_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("closed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["area_id"], ["area.id"], name=op.f("fk_pledge_area_id_area"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_pledge_municipality_id_municipality"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["police_area_id"],
            ["police_area.id"],
            name=op.f("fk_pledge_police_area_id_police_area"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pledge")),
    )
    with op.batch_alter_table("pledge", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pledge_municipality_id"), ["municipality_id"], unique=False)

    op.create_table(
        "pledge_focus_area",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pledge_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.JSON(), nullable=False),
        sa.Column("problem", sa.JSON(), nullable=False),
        sa.Column("cause", sa.JSON(), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["pledge_id"],
            ["pledge.id"],
            name=op.f("fk_pledge_focus_area_pledge_id_pledge"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pledge_focus_area")),
    )
    with op.batch_alter_table("pledge_focus_area", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pledge_focus_area_pledge_id"), ["pledge_id"], unique=False)

    op.create_table(
        "pledge_indicator",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pledge_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.JSON(), nullable=False),
        sa.Column("series_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("question_code", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("item_code", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=True),
        sa.Column("baseline_wave", sa.Integer(), nullable=False),
        sa.Column("baseline_share", sa.Float(), nullable=False),
        sa.Column("baseline_n", sa.Integer(), nullable=False),
        sa.Column("target_share", sa.Float(), nullable=False),
        sa.Column("latest_wave", sa.Integer(), nullable=True),
        sa.Column("latest_share", sa.Float(), nullable=True),
        sa.Column("latest_n", sa.Integer(), nullable=True),
        sa.Column("measured_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["area_id"], ["area.id"], name=op.f("fk_pledge_indicator_area_id_area"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["pledge_id"],
            ["pledge.id"],
            name=op.f("fk_pledge_indicator_pledge_id_pledge"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pledge_indicator")),
    )
    with op.batch_alter_table("pledge_indicator", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pledge_indicator_pledge_id"), ["pledge_id"], unique=False)
        batch_op.create_index("ix_pledge_indicator_series", ["series_id"], unique=False)

    op.create_table(
        "pledge_signatory",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pledge_id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("role", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("signed_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["pledge_id"],
            ["pledge.id"],
            name=op.f("fk_pledge_signatory_pledge_id_pledge"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pledge_signatory")),
    )
    with op.batch_alter_table("pledge_signatory", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pledge_signatory_pledge_id"), ["pledge_id"], unique=False)

    op.create_table(
        "pledge_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pledge_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("snapshot", sa.JSON(), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["staff_user.id"],
            name=op.f("fk_pledge_version_actor_id_staff_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["pledge_id"], ["pledge.id"], name=op.f("fk_pledge_version_pledge_id_pledge"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pledge_version")),
    )
    with op.batch_alter_table("pledge_version", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pledge_version_pledge_id"), ["pledge_id"], unique=False)

    op.create_table(
        "pledge_activity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pledge_id", sa.Integer(), nullable=False),
        sa.Column("focus_area_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.JSON(), nullable=False),
        sa.Column("party_id", sa.Integer(), nullable=True),
        sa.Column("joint", sa.Boolean(), nullable=False),
        sa.Column("target_number", sa.Integer(), nullable=True),
        sa.Column("target_unit", sa.JSON(), nullable=False),
        sa.Column("target_text", sa.JSON(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=True),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("cancel_reason", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
        sa.Column("achieved", sa.Integer(), nullable=False),
        sa.Column("last_update_on", sa.Date(), nullable=True),
        sa.Column("observation_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["focus_area_id"],
            ["pledge_focus_area.id"],
            name=op.f("fk_pledge_activity_focus_area_id_pledge_focus_area"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["observation_id"],
            ["walk_observation.id"],
            name=op.f("fk_pledge_activity_observation_id_walk_observation"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["party_id"], ["party.id"], name=op.f("fk_pledge_activity_party_id_party"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["pledge_id"], ["pledge.id"], name=op.f("fk_pledge_activity_pledge_id_pledge"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pledge_activity")),
    )
    with op.batch_alter_table("pledge_activity", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pledge_activity_focus_area_id"), ["focus_area_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_pledge_activity_pledge_id"), ["pledge_id"], unique=False)

    op.create_table(
        "pledge_update",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pledge_id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("posted_on", sa.Date(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("achieved", sa.Integer(), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["pledge_activity.id"],
            name=op.f("fk_pledge_update_activity_id_pledge_activity"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["staff_user.id"],
            name=op.f("fk_pledge_update_author_id_staff_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["pledge_id"], ["pledge.id"], name=op.f("fk_pledge_update_pledge_id_pledge"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pledge_update")),
    )
    with op.batch_alter_table("pledge_update", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pledge_update_activity_id"), ["activity_id"], unique=False)
        batch_op.create_index("ix_pledge_update_pledge_date", ["pledge_id", "posted_on"], unique=False)

    op.create_table(
        "pledge_attachment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("update_id", sa.Integer(), nullable=False),
        sa.Column("filename", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("original_name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("content_type", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["update_id"],
            ["pledge_update.id"],
            name=op.f("fk_pledge_attachment_update_id_pledge_update"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pledge_attachment")),
        sa.UniqueConstraint("filename", name=op.f("uq_pledge_attachment_filename")),
    )
    with op.batch_alter_table("pledge_attachment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pledge_attachment_update_id"), ["update_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("pledge_attachment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pledge_attachment_update_id"))

    op.drop_table("pledge_attachment")
    with op.batch_alter_table("pledge_update", schema=None) as batch_op:
        batch_op.drop_index("ix_pledge_update_pledge_date")
        batch_op.drop_index(batch_op.f("ix_pledge_update_activity_id"))

    op.drop_table("pledge_update")
    with op.batch_alter_table("pledge_activity", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pledge_activity_pledge_id"))
        batch_op.drop_index(batch_op.f("ix_pledge_activity_focus_area_id"))

    op.drop_table("pledge_activity")
    with op.batch_alter_table("pledge_version", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pledge_version_pledge_id"))

    op.drop_table("pledge_version")
    with op.batch_alter_table("pledge_signatory", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pledge_signatory_pledge_id"))

    op.drop_table("pledge_signatory")
    with op.batch_alter_table("pledge_indicator", schema=None) as batch_op:
        batch_op.drop_index("ix_pledge_indicator_series")
        batch_op.drop_index(batch_op.f("ix_pledge_indicator_pledge_id"))

    op.drop_table("pledge_indicator")
    with op.batch_alter_table("pledge_focus_area", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pledge_focus_area_pledge_id"))

    op.drop_table("pledge_focus_area")
    with op.batch_alter_table("pledge", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pledge_municipality_id"))

    op.drop_table("pledge")
    with op.batch_alter_table("pledge_subscriber", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pledge_subscriber_municipality_id"))

    op.drop_table("pledge_subscriber")
