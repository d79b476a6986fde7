"""Throw-away databases for a test run: an SQLite file, or a fresh PostgreSQL database per run.

A fresh PostgreSQL database per run keeps parallel runs (and developers) from seeing each other's rows.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlmodel import Session

from app.db import Database, Sessions

T = TypeVar("T")
R = TypeVar("R")

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")


def on_postgres() -> bool:
    return TEST_DATABASE_URL.startswith("postgresql")


@contextmanager
def fresh_database(folder: Path, name: str) -> Iterator[str]:
    """Yield the URL of an empty database that is dropped afterwards."""
    if not on_postgres():
        yield f"sqlite:///{folder / (name + '.sqlite3')}"
        return
    server = make_url(TEST_DATABASE_URL.replace("postgresql://", "postgresql+psycopg://", 1))
    db_name = f"trygg_{name}_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{db_name}"'))
    try:
        yield server.set(database=db_name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)'))
        admin.dispose()


DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def postgres_server() -> str | None:
    """A PostgreSQL server for tests that need one whatever the pass (several app instances, outages):
    TEST_DATABASE_URL when it is PostgreSQL, else the local default server if it answers, else None."""
    if on_postgres():
        return TEST_DATABASE_URL.replace("postgresql://", "postgresql+psycopg://", 1)
    import socket

    with socket.socket() as sock:
        sock.settimeout(1)
        if sock.connect_ex(("127.0.0.1", 5432)) == 0:
            return DEFAULT_POSTGRES
    return None


@contextmanager
def fresh_postgres_database(server: str, name: str) -> Iterator[str]:
    """Yield the URL of an empty, uniquely named database on `server`, dropped afterwards."""
    url = make_url(server)
    db_name = f"trygg_{name}_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{db_name}"'))
    try:
        yield url.set(database=db_name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)'))
        admin.dispose()


class InlineDatabase(Database):
    """Reads and writes of the hot path go through the test's own session (and its rolled-back transaction)."""

    cache_seconds = 0.0

    def __init__(self, session: Session) -> None:
        self.session = session

    async def read(self, function: Callable[[Session], R]) -> R:
        result: R = function(self.session)
        return result

    async def write(self, handler: Callable[[Connection, Sequence[T]], list[R]], item: T) -> R:
        self.session.flush()
        connection = self.session.connection()
        with connection.begin_nested():
            outcome = handler(connection, [item])[0]
        self.session.expire_all()
        return outcome


class OneSession(Sessions):
    """`app.state.sessions` for tests: every session the app opens is the test's own one (`current()` at the time),
    never closed or rolled back by the app, and the hot path's Database writes through it."""

    def __init__(self, current: Callable[[], Session]) -> None:
        self.current = current

    def engine(self) -> Engine | None:
        return None

    @contextmanager
    def open(self, *, immediate: bool = False) -> Iterator[Session]:
        yield self.current()

    def database(self) -> Database:
        return InlineDatabase(self.current())

