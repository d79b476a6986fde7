"""Dialogue events, sign-ups and safety-walk observations.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
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
        "mail_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ref", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("recipient", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
        sa.Column("subject", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("headers", sa.JSON(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_until", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("last_error", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_outbox")),
    )
    with op.batch_alter_table("mail_outbox", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mail_outbox_ref"), ["ref"], unique=False)

    op.create_table(
        "dialogue_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("title", sa.JSON(), nullable=False),
        sa.Column("description", sa.JSON(), nullable=False),
        sa.Column("place", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("starts_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("ends_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("signup_deadline", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("interpretation_languages", sa.JSON(), nullable=False),
        sa.Column("accessibility", sa.Text(), server_default="", nullable=False),
        sa.Column("related_url", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("reminder_sent_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("purged_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("final_counts", sa.JSON(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["area_id"], ["area.id"], name=op.f("fk_dialogue_event_area_id_area"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_dialogue_event_municipality_id_municipality"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dialogue_event")),
    )
    with op.batch_alter_table("dialogue_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dialogue_event_municipality_id"), ["municipality_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_dialogue_event_starts_at"), ["starts_at"], unique=False)

    op.create_table(
        "dialogue_signup",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("token", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
        sa.Column("phone", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("contact_key", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
        sa.Column("people", sa.Integer(), nullable=False),
        sa.Column("interpretation_language", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("needs", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
        sa.Column("language", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("attended", sa.Boolean(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["dialogue_event.id"],
            name=op.f("fk_dialogue_signup_event_id_dialogue_event"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dialogue_signup")),
        sa.UniqueConstraint("event_id", "contact_key", name=op.f("uq_dialogue_signup_event_id_contact_key")),
        sa.UniqueConstraint("token", name=op.f("uq_dialogue_signup_token")),
    )
    with op.batch_alter_table("dialogue_signup", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dialogue_signup_event_id"), ["event_id"], unique=False)

    op.create_table(
        "walk_observation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=True),
        sa.Column("landmark", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("problem", sa.Text(), nullable=False),
        sa.Column("measure", sa.Text(), server_default="", nullable=False),
        sa.Column("party_id", sa.Integer(), nullable=True),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("rejection_reason", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["area_id"], ["area.id"], name=op.f("fk_walk_observation_area_id_area"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["dialogue_event.id"],
            name=op.f("fk_walk_observation_event_id_dialogue_event"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_walk_observation_municipality_id_municipality"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["party_id"], ["party.id"], name=op.f("fk_walk_observation_party_id_party"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_walk_observation")),
    )
    with op.batch_alter_table("walk_observation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_walk_observation_event_id"), ["event_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_walk_observation_municipality_id"), ["municipality_id"], unique=False)

    op.create_table(
        "walk_photo",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("observation_id", sa.Integer(), nullable=False),
        sa.Column("filename", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("content_type", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["observation_id"],
            ["walk_observation.id"],
            name=op.f("fk_walk_photo_observation_id_walk_observation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_walk_photo")),
        sa.UniqueConstraint("filename", name=op.f("uq_walk_photo_filename")),
    )
    with op.batch_alter_table("walk_photo", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_walk_photo_observation_id"), ["observation_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("walk_photo", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_walk_photo_observation_id"))

    op.drop_table("walk_photo")
    with op.batch_alter_table("walk_observation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_walk_observation_municipality_id"))
        batch_op.drop_index(batch_op.f("ix_walk_observation_event_id"))

    op.drop_table("walk_observation")
    with op.batch_alter_table("dialogue_signup", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dialogue_signup_event_id"))

    op.drop_table("dialogue_signup")
    with op.batch_alter_table("dialogue_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dialogue_event_starts_at"))
        batch_op.drop_index(batch_op.f("ix_dialogue_event_municipality_id"))

    op.drop_table("dialogue_event")
    with op.batch_alter_table("mail_outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mail_outbox_ref"))

    op.drop_table("mail_outbox")
