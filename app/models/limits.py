"""Rate-limit counters shared by every app process and instance (app/ratelimit.py)."""

from __future__ import annotations

from datetime import datetime

from app.models.base import Field, SQLModel


class RateCounter(SQLModel, table=True):
    """Events per (purpose, client, time window). The key is an HMAC of those three under the app's secret key:
    it changes every window and the row is deleted when the window has passed, so no address is kept."""

    __tablename__ = "rate_counter"
    key: str = Field(primary_key=True, max_length=64)
    count: int = 0
    expires_at: datetime = Field(index=True)
