"""Version counters of the public page cache: writes through a session bump the groups they touch, reads see them."""

from __future__ import annotations

import time
import weakref
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import Connection, Engine, event, update
from sqlalchemy import inspect as sa_inspect
from sqlalchemy import select as sa_select
from sqlalchemy.orm import ORMExecuteState, SessionTransaction, UOWTransaction
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, col

from app import clock
from app.models.cache import CacheVersion

CONTENT, SIGNUPS = "content", "signups"
GROUPS = (CONTENT, SIGNUPS)
# Tables no public page shows (or that change with every resident's answer and are not shown): writes to them
# never invalidate. Every other table is "content", except sign-ups, which only pages with seat counts follow.
IGNORED_TABLES = frozenset({"cache_version", "rate_counter", "survey_response", "survey_answer", "survey_draft",
                            "survey_letter_code", "concern_answer_theme", "login_attempt", "audit_log", "mail_outbox",
                            "pledge_subscriber", "invitation", "password_token", "recovery_code"})
GROUP_OF_TABLE = {"dialogue_signup": SIGNUPS}
_PENDING = "public_cache_groups"


# --- invalidation: writes bump the counters of the groups they touch, in their own transaction ----------------


def _note(session: OrmSession, table_name: str | None) -> None:
    if table_name and table_name not in IGNORED_TABLES:
        session.info.setdefault(_PENDING, set()).add(GROUP_OF_TABLE.get(table_name, CONTENT))


def _after_flush(session: OrmSession, _flush: UOWTransaction) -> None:
    for row in (*session.new, *session.dirty, *session.deleted):
        table = getattr(row, "__table__", None)
        _note(session, getattr(table, "name", None))


def _on_execute(state: ORMExecuteState) -> None:
    """Bulk INSERT/UPDATE/DELETE statements run through the session (not through a flush)."""
    if state.is_insert or state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        _note(state.session, getattr(table, "name", None))


def _before_commit(session: OrmSession) -> None:
    if session.new or session.dirty or session.deleted:
        session.flush()  # first, so the counter row is the last lock this transaction takes (no lock-order cycle)
    groups = session.info.pop(_PENDING, None)
    if groups and _has_table(session):
        session.execute(update(CacheVersion).where(col(CacheVersion.name).in_(sorted(groups)))
                        .values(value=CacheVersion.value + 1, changed_at=clock.now()))


def _after_rollback(session: OrmSession, previous: SessionTransaction) -> None:
    """Rolled-back writes bump nothing (a later read-only commit must not turn into a write: on SQLite that
    could fail to get the lock). A rolled-back savepoint keeps the note: at worst one needless bump."""
    if not previous.nested:
        session.info.pop(_PENDING, None)


_TABLE_SEEN: weakref.WeakKeyDictionary[Engine, float] = weakref.WeakKeyDictionary()


def _has_table(session: OrmSession) -> bool:
    """False on a database migrated only to an older revision: then nothing is cached and nothing is bumped."""
    return _table_present(session.get_bind().engine, session.connection)


def _table_present(engine: Engine, connection: Callable[[], Connection]) -> bool:
    seen = _TABLE_SEEN.get(engine)
    if seen == float("inf") or (seen is not None and time.monotonic() < seen):
        return seen == float("inf")
    present = sa_inspect(connection()).has_table(CacheVersion.__tablename__)
    _TABLE_SEEN[engine] = float("inf") if present else time.monotonic() + 10  # look again in 10 s
    return present


_VERSIONS = sa_select(CacheVersion.name, CacheVersion.value, CacheVersion.changed_at)  # type: ignore[call-overload]


def current_versions(session: Session) -> dict[str, tuple[int, datetime]] | None:
    if not _has_table(session):
        return None
    # Plain columns, not objects: a long-lived session's identity map would otherwise hand back stale values.
    return {name: (value, changed_at) for name, value, changed_at in session.execute(_VERSIONS).all()}


def engine_versions(engine: Engine) -> dict[str, tuple[int, datetime]] | None:
    """The same read straight from the engine: on PostgreSQL in autocommit, so one round trip instead of
    BEGIN, SELECT and ROLLBACK (a hit on the fast path costs a quarter as much)."""
    options = {"isolation_level": "AUTOCOMMIT"} if engine.dialect.name == "postgresql" else {}
    with engine.connect().execution_options(**options) as connection:
        if not _table_present(engine, lambda: connection):
            return None
        return {name: (value, changed_at) for name, value, changed_at in connection.execute(_VERSIONS).all()}


_LISTENERS = (("after_flush", _after_flush), ("do_orm_execute", _on_execute), ("before_commit", _before_commit),
              ("after_soft_rollback", _after_rollback))


def listen() -> None:
    """Registers the session listeners above on every ORM session of the process (idempotent)."""
    for name, listener in _LISTENERS:
        if not event.contains(OrmSession, name, listener):
            event.listen(OrmSession, name, listener)
