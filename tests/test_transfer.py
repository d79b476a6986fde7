"""Moving a whole instance from SQLite to PostgreSQL and back (`python -m app export` / `import`).

The demo data plus rows that are easy to get wrong (microsecond datetimes, non-ASCII text and JSON, floats,
booleans, a text primary key, the audit log, the mail outbox, uploads) go SQLite -> file -> PostgreSQL -> file ->
SQLite with equal row counts and checksums; a non-empty or unmigrated target, a damaged file and a checksum that
differs after loading are refused with the target left untouched.
"""

from __future__ import annotations

import gzip
import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Connection, Table, text
from sqlmodel import Session, select

from app import cli, demo, transfer
from app.config import get_settings
from app.db import make_engine, migrate
from app.models import AuditLog, LoginAttempt
from app.models.dialogues import MailOutbox, WalkObservation, WalkPhoto
from app.models.surveys import Survey, SurveyDraft
from tests.databases import fresh_postgres_database, postgres_server


@pytest.fixture(scope="module")
def postgres() -> str:
    server = postgres_server()
    if server is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but no PostgreSQL answers on 127.0.0.1:5432 and TEST_DATABASE_URL is unset")
        pytest.skip("no PostgreSQL server answers on 127.0.0.1:5432")
    return server


@pytest.fixture
def pg_database(postgres: str) -> Iterator[str]:
    """A uniquely named, empty PostgreSQL database, dropped afterwards."""
    with fresh_postgres_database(postgres, "transfer") as url:
        yield url


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A migrated SQLite instance with the demo data and tricky rows; yields (url, upload folder)."""
    folder = tmp_path_factory.mktemp("transfer-source")
    url = f"sqlite:///{folder / 'source.sqlite3'}"
    migrate(url)
    engine = make_engine(url)
    uploads = folder / "uploads"
    (uploads / "walk-photos").mkdir(parents=True)
    (uploads / "walk-photos" / "photo1.jpg").write_bytes(b"\xff\xd8\xff stand-in")
    with Session(engine) as session:
        demo.load(session)
        survey = session.exec(select(Survey)).first()
        observation = session.exec(select(WalkObservation)).first()
        assert survey is not None and observation is not None
        moment = datetime(2026, 3, 29, 1, 59, 59, 123456, tzinfo=UTC)
        session.add(AuditLog(at=moment, action="update", entity="pledge", entity_id=1,
                             before={"titel": "Trygg väg", "n": 0.1, "ok": True},
                             after={"titel": "مرحبا – ÅÄÖ", "list": [1, None, 2.5], "ok": False}))
        session.add(MailOutbox(recipient="bo@exempel.se", subject="Påminnelse", body="Hej\nrad två ✓",
                               headers={"Reply-To": "x@y.se"}, attempts=2, claimed_until=moment + timedelta(hours=1)))
        session.add(LoginAttempt(email="nagon@exempel.se", attempted_at=moment))
        session.add(SurveyDraft(token_hash="Zz" + "a" * 62, survey_id=survey.id or 0, answers={"q1": ["a", "b"]},
                                expires_at=moment))
        session.add(SurveyDraft(token_hash="aa" + "Z" * 62, survey_id=survey.id or 0, answers={},
                                expires_at=moment))
        session.add(WalkPhoto(observation_id=observation.id or 0, filename="photo1.jpg", content_type="image/jpeg"))
        session.commit()
    engine.dispose()
    yield url, uploads


def _run(monkeypatch: pytest.MonkeyPatch, url: str, uploads: Path, *args: str) -> int:
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("UPLOAD_DIR", str(uploads))
    get_settings.cache_clear()
    try:
        return cli.main(list(args))
    finally:
        get_settings.cache_clear()


def _sums(url: str) -> dict[str, tuple[int, str]]:
    """Row count and SHA-256 of every table, read in one transaction."""
    engine = make_engine(url, pool_size=1)
    try:
        with engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                conn = conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                return {table.name: transfer.checksum_table(conn, table) for table in transfer.tables()}
    finally:
        engine.dispose()


def _counts(url: str) -> dict[str, int]:
    return {name: rows for name, (rows, _) in _sums(url).items()}


@pytest.fixture(scope="module")
def exported(source: tuple[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    url, uploads = source
    path = tmp_path_factory.mktemp("transfer-file") / "instance.jsonl.gz"
    with pytest.MonkeyPatch.context() as mp:
        assert _run(mp, url, uploads, "export", str(path)) == 0
    return path


def test_sqlite_to_postgresql_and_back_keeps_every_row(
        source: tuple[str, Path], exported: Path, pg_database: str, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    sqlite_url, uploads = source
    expected = _sums(sqlite_url)
    assert expected["survey_answer"][0] > 1000 and expected["audit_log"][0] >= 1
    assert expected["mail_outbox"][0] == 1 and expected["walk_photo"][0] == 1 and expected["survey_draft"][0] == 2

    migrate(pg_database)
    assert _run(monkeypatch, pg_database, uploads, "import", str(exported)) == 0
    out = capsys.readouterr().out
    assert "DIFFERS" not in out and "every row count and checksum matches" in out
    line = next(row for row in out.splitlines() if row.startswith("survey_answer "))
    rows, digest = expected["survey_answer"]
    assert line.split() == ["survey_answer", str(rows), str(rows), digest[:16], "ok"]  # per-table count and sum
    assert "Uploaded files referenced: 1" in out and "all present" in out
    assert _sums(pg_database) == expected

    # Sequences were moved past the imported ids: a new row gets a fresh id instead of a key conflict.
    pg = make_engine(pg_database, pool_size=1)
    with Session(pg) as session:
        row = AuditLog(action="after-import", entity="test")
        session.add(row)
        session.commit()
        assert (row.id or 0) > expected["audit_log"][0]
    pg.dispose()

    # And back: PostgreSQL -> file -> a fresh SQLite database gives the same checksums (the new row included).
    again = _sums(pg_database)
    back_file, back_url = tmp_path / "back.jsonl", f"sqlite:///{tmp_path / 'back.sqlite3'}"
    assert _run(monkeypatch, pg_database, uploads, "export", str(back_file)) == 0
    migrate(back_url)
    assert _run(monkeypatch, back_url, uploads, "import", str(back_file)) == 0
    assert _sums(back_url) == again


def _rewrite(src: Path, dst: Path, change: str) -> None:
    """Copy an export with one survey_answer row altered ("damaged") or its last lines cut off ("truncated")."""
    with gzip.open(src, "rt", encoding="utf-8") as compressed:
        lines = compressed.read().splitlines()
    table = ""
    for i, line in enumerate(lines):
        block = json.loads(line)
        if isinstance(block, dict) and "table" in block:
            table = block["table"]
        elif change == "damaged" and table == "survey_answer" and isinstance(block, list):
            block[-1] = "late" if block[-1] != "late" else "night"
            lines[i] = json.dumps(block)
            break
    if change == "truncated":
        lines = lines[:-5]
    dst.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_refused_or_failed_imports_leave_the_target_untouched(
        source: tuple[str, Path], exported: Path, pg_database: str, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    _, uploads = source
    assert _run(monkeypatch, pg_database, uploads, "import", str(exported)) == 2
    assert "not migrated" in capsys.readouterr().err

    migrate(pg_database)
    fresh = _sums(pg_database)
    for change, message in [("damaged", "damaged"), ("truncated", "incomplete")]:
        bad = tmp_path / f"{change}.jsonl"
        _rewrite(exported, bad, change)
        assert _run(monkeypatch, pg_database, uploads, "import", str(bad)) == 1, change
        assert message in capsys.readouterr().err
        assert _sums(pg_database) == fresh, change  # one transaction: nothing stayed behind

    real = transfer.checksum_table

    def lossy(conn: Connection, table: Table) -> tuple[int, str]:  # as if the target changed a value on the way in
        rows, digest = real(conn, table)
        return (rows, "0" * 64) if table.name == "audit_log" else (rows, digest)

    with monkeypatch.context() as patched:
        patched.setattr(transfer, "checksum_table", lossy)
        assert _run(monkeypatch, pg_database, uploads, "import", str(exported)) == 1
    captured = capsys.readouterr()
    assert "DIFFERS" in captured.out and "rolled back" in captured.err
    assert _sums(pg_database) == fresh
    engine = make_engine(pg_database, pool_size=1)
    with engine.connect() as conn:  # the sequences were not moved either
        assert conn.execute(text("SELECT last_value FROM audit_log_id_seq")).scalar_one() == 1
    engine.dispose()

    # The target really was left as new: the real import now succeeds, and a second one is refused.
    assert _run(monkeypatch, pg_database, uploads, "import", str(exported)) == 0
    loaded = _sums(pg_database)
    capsys.readouterr()
    assert _run(monkeypatch, pg_database, uploads, "import", str(exported)) == 2
    assert "not empty" in capsys.readouterr().err
    assert _sums(pg_database) == loaded
