"""Models == migrations, one head, and a full downgrade -> upgrade round trip, on the suite's database kind."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import Column, Integer, inspect

from app.db import alembic_config, make_engine, migrate
from app.models import Municipality, metadata
from tests.databases import fresh_database


@pytest.fixture
def empty_url(tmp_root: Path) -> Iterator[str]:
    with fresh_database(tmp_root / "mig", "migrations") as url:
        (tmp_root / "mig").mkdir(exist_ok=True)
        yield url


def test_one_head() -> None:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert len(script.get_heads()) == 1


def test_models_match_migrations(empty_url: str) -> None:
    migrate(empty_url)
    command.check(alembic_config(empty_url))  # raises when autogenerate would find a difference


def test_drift_is_detected(empty_url: str) -> None:
    """A column added to a model without a revision must fail the check above."""
    migrate(empty_url)
    column = Column("not_in_any_migration", Integer, nullable=True)
    table = metadata.tables[Municipality.__tablename__]
    table.append_column(column)
    try:
        with pytest.raises(CommandError, match="New upgrade operations detected"):
            command.check(alembic_config(empty_url))
    finally:
        table._columns.remove(column)


def test_downgrade_then_upgrade_round_trip(empty_url: str) -> None:
    migrate(empty_url)
    config = alembic_config(empty_url)
    command.downgrade(config, "base")
    engine = make_engine(empty_url, pool_size=1)
    try:
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    finally:
        engine.dispose()
    command.upgrade(config, "head")
    command.check(config)
    engine = make_engine(empty_url, pool_size=1)
    try:
        assert set(metadata.tables) <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
