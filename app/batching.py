"""Group commit: one writer thread per process takes queued writes and commits them together.

Every commit costs a flush to disk (SQLite with synchronous=FULL: ~4 ms here; PostgreSQL: a WAL flush). When each
request commits alone, that flush caps the rate and SQLite's single write lock queues everyone behind it. Here a
request hands its write to the writer thread and awaits the outcome; the writer takes everything waiting (up to
`max_batch`), runs one handler call over the whole batch in one transaction and commits once. A request learns
its outcome only after the commit, so an acknowledged write is a stored write.

A handler gets the connection and the batch and returns one outcome per item; it must not commit. If the batch
fails, each item is retried alone, so one poisoned item cannot fail its neighbours; an item that fails alone gets
its exception (the route's error handler turns database trouble into a 503 page).

A handler whose writes leave overwritten personal data behind (a submitted draft's answers in SQLite's WAL) names
a `residue` test on its outcomes; the committer then runs its janitor (app.db.truncate_wal) off the requests' path:
once the writer has been idle for `janitor_idle` seconds, or at most every `janitor_every` seconds under load,
never once per submission.
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Generic, TypeVar

from sqlalchemy import Connection, Engine

log = logging.getLogger("app.batching")

T = TypeVar("T")
R = TypeVar("R")
P = TypeVar("P")
Handler = Callable[[Connection, Sequence[T]], list[R]]


class TwoPhase(Generic[T, P, R]):
    """A handler in two phases: `read` (queries and checks) runs before the write lock is taken, `write` under it.

    On SQLite the write lock is the whole database's; taking it only for the writes lets the other workers' batches
    commit while this one reads. Called directly, both phases run on the one connection given (tests, scripts).
    """

    def __init__(self, read: Callable[[Connection, Sequence[T]], P], write: Callable[[Connection, P], list[R]],
                 residue: Callable[[Sequence[R]], bool] | None = None):
        self.read = read
        self.write = write
        self.residue = residue  # whether a committed batch left overwritten data for the janitor
        self.__name__ = write.__name__.lstrip("_")

    def __call__(self, connection: Connection, items: Sequence[T]) -> list[R]:
        return self.write(connection, self.read(connection, items))


class GroupCommitter(Generic[T, R]):
    def __init__(self, engine: Engine, handler: Handler[T, R], *, max_batch: int = 64, name: str = "writer",
                 janitor: Callable[[], bool] | None = None, janitor_idle: float = 0.5,
                 janitor_every: float = 10.0) -> None:
        self.reader = engine
        self.engine = engine.execution_options(sqlite_immediate=True) if engine.dialect.name == "sqlite" else engine
        self.handler = handler
        self.max_batch = max_batch
        self.name = name
        self.batches = 0  # counted for tests and logs: how many commits served how many items
        self.items = 0
        self.residue: Callable[[Sequence[R]], bool] | None = getattr(handler, "residue", None)
        self.janitor = janitor if self.residue is not None else None
        self.janitor_idle = janitor_idle
        self.janitor_every = janitor_every
        self.dirty = False  # a committed batch left residue the janitor has not cleaned yet
        self.cleanings = 0
        self._cleaned_at = time.monotonic()
        self._queue: queue.SimpleQueue[tuple[T, asyncio.AbstractEventLoop, asyncio.Future[R]]] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    async def submit(self, item: T) -> R:
        """Queues `item` and waits until its batch is committed (or failed)."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[R] = loop.create_future()
        self._ensure_thread()
        self._queue.put((item, loop, future))
        return await future

    def _ensure_thread(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            try:
                first = self._queue.get(timeout=self.janitor_idle if self.dirty else None)
            except queue.Empty:  # idle with residue: clean now
                self.clean()
                continue
            batch = [first]
            while len(batch) < self.max_batch:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            self._write(batch)
            if self.dirty and time.monotonic() - self._cleaned_at >= self.janitor_every:
                self.clean()

    def clean(self) -> None:
        """Runs the janitor now, if there is residue (the writer thread calls it; tests may too)."""
        if self.janitor is None or not self.dirty:
            return
        try:
            done = self.janitor()
        except Exception as exc:  # a failed clean-up must not stop the writer; it is tried again
            log.warning("%s: janitor failed (%s)", self.name, type(exc).__name__)
            done = False
        self._cleaned_at = time.monotonic()
        if done:
            self.dirty = False
            self.cleanings += 1

    def _write(self, batch: list[tuple[T, asyncio.AbstractEventLoop, asyncio.Future[R]]]) -> None:
        items = [item for item, _loop, _future in batch]
        outcomes: list[R | _Failed]
        try:
            outcomes = list(self._commit(items))
        except Exception as exc:  # every waiting request must hear about it
            if len(batch) == 1:
                outcomes = [_Failed(exc)]
            else:
                log.warning("batch of %d failed (%s); retrying one by one", len(batch), type(exc).__name__)
                outcomes = []
                for item in items:
                    try:
                        outcomes.extend(self._commit([item]))
                    except Exception as single:
                        outcomes.append(_Failed(single))
        for (_item, loop, future), outcome in zip(batch, outcomes, strict=True):
            loop.call_soon_threadsafe(_settle, future, outcome)

    def _commit(self, items: list[T]) -> list[R]:
        if isinstance(self.handler, TwoPhase):
            with self.reader.connect() as connection:  # a read-only transaction, rolled back on close
                plan = self.handler.read(connection, items)
            with _writer_turn(self.engine), self.engine.connect() as connection, connection.begin():
                outcomes: list[R] = self.handler.write(connection, plan)
        else:
            with _writer_turn(self.engine), self.engine.connect() as connection, connection.begin():
                outcomes = self.handler(connection, items)
        if len(outcomes) != len(items):
            raise RuntimeError(f"{self.name}: handler returned {len(outcomes)} outcomes for {len(items)} items")
        if self.residue is not None and self.residue(outcomes):
            self.dirty = True
        self.batches += 1
        self.items += len(items)
        return outcomes


@contextmanager
def _writer_turn(engine: Engine) -> Iterator[None]:
    """On an SQLite file, writers of all processes (uvicorn workers) take turns on an OS file lock first.

    SQLite's own busy handler polls with sleeps of up to 100 ms, so two workers' writers colliding cost
    tens of milliseconds; flock wakes the next writer the moment the lock is released."""
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    if not database or database == ":memory:":
        yield
        return
    with open(database + ".writer-lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class _Failed:
    """A write that failed (the outcome a handler returns may itself be an error value: it is passed on as is)."""

    def __init__(self, error: Exception) -> None:
        self.error = error


def _settle(future: asyncio.Future[Any], outcome: Any) -> None:
    if future.cancelled():
        return
    if isinstance(outcome, _Failed):
        future.set_exception(outcome.error)
    else:
        future.set_result(outcome)
