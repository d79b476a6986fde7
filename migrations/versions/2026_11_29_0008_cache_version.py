"""Public page cache: version counters that writes bump and every app process reads before serving a cached page.

Revision ID: 0008
Revises: 0006
Create Date: 2026-11-29
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0008"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    table = op.create_table(
        "cache_version",
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.Column("changed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_cache_version")),
    )
    now = datetime.now(UTC).replace(microsecond=0)
    # The rows exist from the start, so a bump is always a plain UPDATE (no insert race between processes).
    op.bulk_insert(table, [{"name": name, "value": 0, "changed_at": now} for name in ("content", "signups")])


def downgrade() -> None:
    op.drop_table("cache_version")
