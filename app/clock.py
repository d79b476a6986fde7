"""The current time in one place, so rules that depend on it can be tested by moving the clock."""

from __future__ import annotations

from datetime import UTC, date, datetime


def now() -> datetime:
    """Aware UTC, as SQLModel's UTCDateTime columns store and return it."""
    return datetime.now(UTC).replace(microsecond=0)


def today() -> date:
    return now().date()
