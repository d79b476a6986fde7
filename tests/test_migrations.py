"""Models == migrations, one head, and a full downgrade -> upgrade round trip, on the suite's database kind."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import Column, Integer, inspect, text

from app.audit import Action
from app.db import alembic_config, make_engine, migrate
from app.models import Municipality, metadata
from tests.databases import fresh_database


@pytest.fixture
def empty_url(tmp_path: Path) -> Iterator[str]:
    with fresh_database(tmp_path, "migrations") as url:  # per test: a SQLite file left by one test is not empty
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


def test_old_audit_rows_take_the_new_action_names(empty_url: str) -> None:
    """Rows written under the three old schemes ("create", "concerns.retag", "pledge.focus_area.save") read under
    "<entity>.<verb>" after 0016, so the audit page's filter finds old and new rows alike; and back on downgrade."""
    config = alembic_config(empty_url)
    command.upgrade(config, "0015")
    engine = make_engine(empty_url, pool_size=1)
    old = [("create", "survey"), ("create", "area"), ("concerns.retag", "survey_answer"),
           ("pledge.focus_area.save", "pledge_focus_area"), ("two_factor_on", "staff_user")]
    try:
        with engine.begin() as conn:
            for action, entity in old:
                conn.execute(text("INSERT INTO audit_log (at, action, entity) VALUES (CURRENT_TIMESTAMP, :a, :e)"),
                             {"a": action, "e": entity})
        command.upgrade(config, "0016")
        with engine.connect() as conn:
            names = [row[0] for row in conn.execute(text("SELECT action FROM audit_log ORDER BY id"))]
        assert names == [Action.SURVEY_CREATE, Action.AREA_CREATE, Action.SURVEY_ANSWER_RETAG,
                         Action.PLEDGE_FOCUS_AREA_SAVE, Action.STAFF_USER_TWO_FACTOR_ON]
        command.downgrade(config, "0015")
        with engine.connect() as conn:
            back = [tuple(row) for row in conn.execute(text("SELECT action, entity FROM audit_log ORDER BY id"))]
        assert back == old
    finally:
        engine.dispose()
