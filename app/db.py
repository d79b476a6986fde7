"""Engines for SQLite and PostgreSQL, the per-request session, and migrations."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from fastapi import Request
from sqlalchemy import Engine, create_engine, event
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from app.batching import GroupCommitter, Handler
from app.config import ROOT, get_settings

T = TypeVar("T")
R = TypeVar("R")


def make_engine(url: str, *, pool_size: int | None = None) -> Engine:
    """An engine for `url`; SQLite gets WAL, foreign keys, durable commits, a busy timeout and secure delete."""
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
        # Deleted and overwritten content is zeroed in the file, not left in free space (drafts, used code hashes).
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Writers that must not lose a race ask for IMMEDIATE: they take the write lock up front.
        immediate = conn.get_execution_options().get("sqlite_immediate", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def truncate_wal(engine: Engine, *, wait_ms: int = 200) -> bool:
    """Copies SQLite's write-ahead log into the database file and truncates it to zero bytes, so content that was
    overwritten (a submitted draft's answers, a used letter code's hash) is no longer in the -wal file either.
    True when done; False when readers of an older snapshot kept it from finishing within `wait_ms` (try again
    later). Nothing to do on PostgreSQL."""
    if engine.dialect.name != "sqlite":
        return True
    raw = engine.raw_connection()  # outside any transaction: a checkpoint cannot run inside one
    try:
        cursor = raw.cursor()
        cursor.execute(f"PRAGMA busy_timeout={int(wait_ms)}")  # never stall the writer for long
        try:
            busy = cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        finally:
            cursor.execute("PRAGMA busy_timeout=15000")
            cursor.close()
    finally:
        raw.close()
    return busy is None or not busy[0]


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
    """FastAPI dependency: one session per request from `app.state.sessions`, closed afterwards, rolled back on any
    error. A request that may write gets an immediate session (see `Sessions.open`)."""
    sessions: Sessions = request.app.state.sessions
    with sessions.open(immediate=request.method in WRITE_METHODS) as session:
        yield session


@contextmanager
def writing(session: Session) -> Iterator[Session]:
    """The one way a service writes: everything inside commits together at the end, or nothing does. A
    ValidationFailed (or any error) raised inside rolls back, so the route can re-render the form at once."""
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise


class Database:
    """Database access for `async def` routes on a hot path (they skip the thread-pool hop of `get_session`):
    `read` runs a function with a fresh session in the thread pool, `write` hands an item to the handler's
    group committer (app/batching.py) and waits for its committed outcome."""

    cache_seconds = 2.0  # how long hot-path routes may reuse what they read (tests set 0)

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._committers: dict[Callable[..., Any], Any] = {}  # handler -> its GroupCommitter

    async def read(self, function: Callable[[Session], R]) -> R:
        def run() -> R:
            with Session(self.engine, expire_on_commit=False) as session:
                return function(session)
        return await run_in_threadpool(run)

    async def write(self, handler: Handler[T, R], item: T) -> R:
        committer: GroupCommitter[T, R] | None = self._committers.get(handler)
        if committer is None:
            committer = self._committers.setdefault(handler, GroupCommitter(
                self.engine, handler, name=handler.__name__, janitor=lambda: truncate_wal(self.engine)))
        return await committer.submit(item)


class Sessions:
    """How the app opens database sessions (`app.state.sessions`, set by create_app): the request's session, the
    hot path's `Database`, mail delivery after a response and the page cache's fast path all go through it, so
    one object decides where they read and write (tests put theirs on the app)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._database: Database | None = None

    def engine(self) -> Engine | None:
        """The engine to read committed state from without a session (the page cache's fast path), or None when
        these sessions come from elsewhere (then only `open` reads)."""
        return self._engine

    @contextmanager
    def open(self, *, immediate: bool = False) -> Iterator[Session]:
        """A session, closed afterwards; whatever fails inside, nothing of it stays half-written.

        On SQLite an `immediate` session begins its transactions with BEGIN IMMEDIATE: a deferred transaction that
        reads and then writes fails at once with "database is locked" when another writer committed in between
        (the busy timeout does not apply to that upgrade), while an immediate one waits its turn for the lock.
        """
        engine = self._engine
        if immediate and engine.dialect.name == "sqlite":
            engine = engine.execution_options(sqlite_immediate=True)
        with Session(engine, expire_on_commit=False) as session:
            try:
                yield session
            except BaseException:
                session.rollback()
                raise

    def database(self) -> Database:
        """The app's `Database` (one, so its group committers are shared by every request)."""
        if self._database is None:
            self._database = Database(self._engine)
        return self._database


async def get_database(request: Request) -> Database:
    """FastAPI dependency (async: no thread-pool hop): the app's `Database` (`app.state.database` when one was put
    there, else the one of `app.state.sessions`)."""
    database: Database | None = getattr(request.app.state, "database", None)
    if database is None:
        database = request.app.state.sessions.database()
    return database


def alembic_config(url: str) -> Config:
    config = Config(toml_file=str(ROOT / "pyproject.toml"))
    config.attributes["database_url"] = url
    return config


def migrate(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)
