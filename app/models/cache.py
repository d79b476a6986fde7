"""Version counters of the public page cache (app/cache.py): a write that changes what public pages show bumps one."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger

from app.models.base import Field, SQLModel, created_at_field


class CacheVersion(SQLModel, table=True):
    """One row per group of tables ("content", "signups"); every app process compares its cached pages to these."""

    __tablename__ = "cache_version"
    name: str = Field(primary_key=True, max_length=40)
    value: int = Field(default=0, sa_type=BigInteger)
    changed_at: datetime = created_at_field()
