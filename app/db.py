"""Engines for SQLite and PostgreSQL, the per-request session, and migrations."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from fastapi import Request
from sqlalchemy import Engine, create_engine, event
from sqlmodel import Session

from app.config import ROOT, get_settings


def make_engine(url: str, *, pool_size: int | None = None) -> Engine:
    """An engine for `url`; SQLite gets WAL, foreign keys, durable commits and a busy timeout."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 15})
        _configure_sqlite(engine)
        return engine
    size = pool_size or get_settings().db_pool_size
    # Sync routes run on a 40-thread pool: size the pool to that so PostgreSQL is not reconnected under load.
    return create_engine(url, pool_size=size, max_overflow=size, pool_pre_ping=True, pool_recycle=1800)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy emit BEGIN itself so SAVEPOINTs work (SQLAlchemy's pysqlite notes).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Writers that must not lose a race ask for IMMEDIATE: they take the write lock up front.
        immediate = conn.get_execution_options().get("sqlite_immediate", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


_engine: Engine | None = None


def get_engine() -> Engine:
    global _engine
    if _engine is None:
        _engine = make_engine(get_settings().database_url)
    return _engine


def set_engine(engine: Engine | None) -> None:
    """Tests and the CLI point the app at another database."""
    global _engine
    _engine = engine


WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def get_session(request: Request) -> Iterator[Session]:
    """FastAPI dependency: one session per request, closed afterwards.

    On SQLite a request that may write begins its transactions with BEGIN IMMEDIATE: a deferred transaction that
    reads and then writes fails at once with "database is locked" when another writer committed in between (the
    busy timeout does not apply to that upgrade), while an immediate one waits its turn for the write lock.
    """
    engine: Engine = getattr(request.app.state, "engine", None) or get_engine()
    if request.method in WRITE_METHODS and engine.dialect.name == "sqlite":
        engine = engine.execution_options(sqlite_immediate=True)
    with Session(engine, expire_on_commit=False) as session:
        yield session


def alembic_config(url: str) -> Config:
    config = Config(toml_file=str(ROOT / "pyproject.toml"))
    config.attributes["database_url"] = url
    return config


def migrate(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)
