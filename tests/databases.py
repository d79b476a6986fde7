"""Throw-away databases for a test run: an SQLite file, or a fresh PostgreSQL database per run.

A fresh PostgreSQL database per run keeps parallel runs (and developers) from seeing each other's rows.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

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
