"""Rate limits shared by every app process and instance, counted in the database (table rate_counter).

The client's address is never stored: the key is an HMAC of (purpose, window, address) under the app's secret key,
so it changes every window, and rows are purged once their window has passed.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta

from sqlalchemy import Connection, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from app import clock
from app.config import get_settings
from app.models.limits import RateCounter

TABLE = RateCounter.__table__  # type: ignore[attr-defined]


def window_start(now: datetime, seconds: int) -> int:
    return int(now.timestamp()) // seconds * seconds


def client_key(purpose: str, client: str, now: datetime, seconds: int = 3600) -> str:
    """The counter's key for this client in the current window (pure, given the secret key)."""
    message = f"{purpose}|{window_start(now, seconds)}|{client}".encode()
    return hmac.new(get_settings().secret_key.encode(), message, hashlib.sha256).hexdigest()


def hit(connection: Connection, key: str, *, now: datetime, seconds: int = 3600) -> int:
    """Counts one event under `key` in the caller's transaction and returns the count so far (this one included).

    An UPDATE first (the common case once a client is known), else an INSERT (and a purge of passed windows); a
    racing INSERT from another process loses on the primary key and falls back to the UPDATE. Works alike on
    SQLite and PostgreSQL.
    """
    bump = update(TABLE).where(TABLE.c.key == key).values(count=TABLE.c.count + 1).returning(TABLE.c.count)
    counted = connection.execute(bump).scalar()
    if counted is not None:
        return int(counted)
    expires = datetime.fromtimestamp(window_start(now, seconds) + seconds, tz=now.tzinfo) + timedelta(seconds=1)
    try:
        with connection.begin_nested():
            purge(connection, now)
            connection.execute(insert(TABLE).values(key=key, count=1, expires_at=expires))
        return 1
    except IntegrityError:
        return int(connection.execute(bump).scalar_one())


def count(connection: Connection, key: str) -> int:
    """The events counted so far under `key` (0 for none), counting nothing."""
    return int(connection.execute(select(TABLE.c.count).where(TABLE.c.key == key)).scalar() or 0)


def purge(connection: Connection, now: datetime | None = None) -> int:
    """Deletes counters whose window has passed; returns how many."""
    result = connection.execute(delete(TABLE).where(TABLE.c.expires_at < (now or clock.now())))
    return int(result.rowcount)


def hold(connection: Connection, key: str, *, now: datetime, seconds: int) -> None:
    """Marks `key` as waiting until `seconds` from now (a cool-down, not a count), in the caller's transaction."""
    until = now + timedelta(seconds=seconds)
    if connection.execute(update(TABLE).where(TABLE.c.key == key).values(expires_at=until)).rowcount:
        return
    try:
        with connection.begin_nested():
            connection.execute(insert(TABLE).values(key=key, count=1, expires_at=until))
    except IntegrityError:
        connection.execute(update(TABLE).where(TABLE.c.key == key).values(expires_at=until))


def wait_seconds(connection: Connection, key: str, now: datetime) -> int:
    """Seconds left of a cool-down set by `hold` (0 when none is running)."""
    until = connection.execute(select(TABLE.c.expires_at).where(TABLE.c.key == key)).scalar()
    if until is None:
        return 0
    if until.tzinfo is None:  # SQLite hands back what it stored; the app stores UTC
        until = until.replace(tzinfo=now.tzinfo)
    return max(0, int((until - now).total_seconds()))

