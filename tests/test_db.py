"""The SQLite write path: requests that may write take the write lock up front instead of failing on upgrade."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from starlette.requests import Request

from app.db import Sessions, get_session, make_engine


def _engine(tmp_path: Path) -> Any:
    engine = make_engine(f"sqlite:///{tmp_path / 'lock.sqlite3'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (n INTEGER)"))
    return engine


def test_deferred_read_then_write_fails_when_another_writer_committed(tmp_path: Path) -> None:
    """The trap itself: why writing requests must not use a deferred transaction on SQLite."""
    engine = _engine(tmp_path)
    with engine.connect() as reader, engine.connect() as other:
        reader.begin()
        reader.execute(text("SELECT count(*) FROM t")).scalar_one()
        with other.begin():
            other.execute(text("INSERT INTO t VALUES (1)"))
        with pytest.raises(OperationalError, match="locked"):
            reader.execute(text("INSERT INTO t VALUES (2)"))
    engine.dispose()


def test_immediate_transactions_wait_for_each_other(tmp_path: Path) -> None:
    engine = _engine(tmp_path).execution_options(sqlite_immediate=True)
    errors: list[Exception] = []

    def read_then_write() -> None:
        try:
            with engine.begin() as conn:
                count = conn.execute(text("SELECT count(*) FROM t")).scalar_one()
                conn.execute(text("INSERT INTO t VALUES (:n)"), {"n": count + 1})
        except Exception as exc:  # collected: the assertion below names it
            errors.append(exc)

    threads = [threading.Thread(target=read_then_write) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*), max(n) FROM t")).one() == (20, 20)  # serialised, none lost
    engine.dispose()


@pytest.mark.parametrize(("method", "immediate"), [("GET", False), ("POST", True)])
def test_writing_requests_get_immediate_sessions(tmp_path: Path, method: str, immediate: bool) -> None:
    engine = _engine(tmp_path)

    class State:
        pass

    app = type("App", (), {"state": State()})()
    app.state.sessions = Sessions(engine)
    request = Request({"type": "http", "method": method, "app": app, "headers": []})
    session = next(get_session(request))
    try:
        assert session.connection().get_execution_options().get("sqlite_immediate", False) is immediate
    finally:
        session.close()
        engine.dispose()
