"""The group committer (app/batching.py) against a real database: writes waiting together share one commit,
every writer hears its own outcome only after the commit, and one bad item cannot fail its neighbours."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy import Connection, Engine, func, insert, select

from app import clock
from app.batching import GroupCommitter, TwoPhase
from app.db import make_engine, migrate
from app.models.limits import RateCounter
from tests.databases import fresh_database

TABLE = RateCounter.__table__  # type: ignore[attr-defined]
R = TypeVar("R")


def run(coroutine: Coroutine[Any, Any, R]) -> R:
    """asyncio.run in a thread of its own: a browser test in the same worker may leave a loop running here."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


@pytest.fixture(scope="module")
def engine(tmp_root: Path) -> Iterator[Engine]:
    with fresh_database(tmp_root, "batching") as url:
        migrate(url)
        engine = make_engine(url, pool_size=2)
        yield engine
        engine.dispose()


def store(connection: Connection, keys: Sequence[str]) -> list[int]:
    """Inserts one row per key; a key "poison" fails the statement (and so the batch's transaction)."""
    expires = clock.now() + timedelta(hours=1)
    for key in keys:
        if key == "poison":
            raise ValueError("poison")
    connection.execute(insert(TABLE), [{"key": key, "count": len(key), "expires_at": expires} for key in keys])
    return [len(key) for key in keys]


def stored(engine: Engine, prefix: str) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(TABLE)
                                      .where(TABLE.c.key.like(prefix + "%"))).scalar_one())


def test_waiting_writes_share_commits_and_each_hears_its_own_outcome(engine: Engine) -> None:
    committer = GroupCommitter(engine, store, max_batch=16)

    async def submit_all() -> list[int]:
        return await asyncio.gather(*(committer.submit("many-" + "x" * (n % 50) + str(n)) for n in range(100)))

    outcomes = run(submit_all())
    assert outcomes == [len("many-" + "x" * (n % 50) + str(n)) for n in range(100)]  # in order, each its own
    assert stored(engine, "many-") == 100
    assert committer.items == 100 and committer.batches < 100  # grouped: fewer commits than writes


def test_a_failing_item_is_retried_alone_and_fails_alone(engine: Engine) -> None:
    committer = GroupCommitter(engine, store, max_batch=64)

    async def submit_all() -> list[int | BaseException]:
        keys = [f"mixed-{n}" for n in range(10)] + ["poison"] + [f"mixed-{n}" for n in range(10, 20)]
        return await asyncio.gather(*(committer.submit(key) for key in keys), return_exceptions=True)

    outcomes = run(submit_all())
    failures = [o for o in outcomes if isinstance(o, BaseException)]
    assert len(failures) == 1 and isinstance(failures[0], ValueError)
    assert stored(engine, "mixed-") == 20 and stored(engine, "poison") == 0


def test_a_failed_commit_acknowledges_nothing(engine: Engine) -> None:
    """A duplicate key fails at the database: the writer hears the error and nothing of its batch is kept."""
    committer = GroupCommitter(engine, store)

    async def submit_all() -> list[int | BaseException]:
        first = await committer.submit("dup-1")
        again = await asyncio.gather(committer.submit("dup-1"), return_exceptions=True)
        return [first, *again]

    first, again = run(submit_all())
    assert first == 5 and isinstance(again, Exception)
    assert stored(engine, "dup-") == 1


def test_a_handler_that_miscounts_is_an_error_not_a_silent_loss(engine: Engine) -> None:
    def forgets(connection: Connection, items: Sequence[str]) -> list[int]:
        return []

    committer = GroupCommitter(engine, forgets, name="broken")
    with pytest.raises(RuntimeError, match="0 outcomes for 1 items"):
        run(committer.submit("lost"))


def test_the_janitor_runs_once_the_writer_is_idle_after_a_batch_with_residue(engine: Engine) -> None:
    """After batches that left residue (submitted drafts), the writer runs its janitor itself, off the requests'
    path; batches without residue never call it."""
    cleaned = threading.Event()
    calls: list[int] = []

    def janitor() -> bool:
        calls.append(1)
        cleaned.set()
        return True

    handler = TwoPhase(lambda _c, keys: list(keys), store, residue=lambda counts: any(n > 9 for n in counts))
    committer = GroupCommitter(engine, handler, janitor=janitor, janitor_idle=0.05)
    assert run(committer.submit("jan-short")) == 9
    assert committer.batches == 1 and not committer.dirty and not calls  # no residue, no janitor
    assert run(committer.submit("jan-residue")) == 11
    assert cleaned.wait(timeout=30), "the idle writer never ran the janitor"
    assert calls == [1]
