"""Move a whole instance between databases (SQLite -> PostgreSQL, and back) through one export file.

`export` writes every table of the Alembic-managed schema, in foreign-key order and primary-key order, to a JSON
Lines file (gzip when the name ends in .gz) with a row count and a SHA-256 per table. `import` loads such a file
into an empty database at the same Alembic head in ONE transaction, reads every table back, and commits only if
each count and checksum equals the file's; otherwise it rolls back and the target is left untouched.

Checksums are computed from normalised values, so SQLite and PostgreSQL give the same figure for the same rows:
datetimes as UTC ISO 8601 with microseconds, dates ISO, booleans as true/false, JSON values canonical (sorted keys),
decimals as plain strings, floats as their shortest round-trip repr.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import IO, Any, cast

from alembic.script import ScriptDirectory
from sqlalchemy import Column, Connection, Engine, String, Table, delete, func, insert, inspect, select, text, update
from sqlalchemy.exc import StatementError
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import TypeDecorator

import app.models  # noqa: F401 - registers every table on the metadata
from app.config import Settings
from app.db import alembic_config
from app.models.base import metadata

FORMAT = "trygghetsdialog-export"
FORMAT_VERSION = 1
BATCH = 1000


class TransferError(Exception):
    """The transfer was refused or failed; the message says why and what to do."""

    def __init__(self, message: str, exit_code: int = 2) -> None:
        super().__init__(message)
        self.exit_code = exit_code


@dataclass
class TableResult:
    name: str
    expected_rows: int
    expected_sha256: str
    rows: int = -1
    sha256: str = ""

    @property
    def ok(self) -> bool:
        return self.rows == self.expected_rows and self.sha256 == self.expected_sha256


@dataclass
class Report:
    revision: str
    tables: list[TableResult] = field(default_factory=list)
    uploads_missing: list[str] = field(default_factory=list)
    uploads_total: int = 0

    @property
    def ok(self) -> bool:
        return all(table.ok for table in self.tables)

    def lines(self) -> list[str]:
        out = [f"{'table':<24} {'rows':>9} {'target':>9}  sha256 (first 16)  result"]
        for t in self.tables:
            mark = "ok" if t.ok else "DIFFERS"
            shown = t.sha256[:16] if t.sha256 == t.expected_sha256 else f"{t.expected_sha256[:16]}≠{t.sha256[:16]}"
            out.append(f"{t.name:<24} {t.expected_rows:>9} {t.rows:>9}  {shown}  {mark}")
        return out


# ------------------------------------------------------------------------------------------------ values


def normalise(value: Any) -> Any:
    """A JSON-ready value that is the same whichever database the row came from."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)  # naive columns hold UTC in this app
        return aware.astimezone(UTC).isoformat(timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, (bytes, memoryview)):
        return {"$base64": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, dict):
        return {str(key): normalise(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [normalise(item) for item in value]
    raise TypeError(f"cannot export a value of type {type(value).__name__}")


def _python_type(column: Column[Any]) -> type | None:
    engine_type = column.type.impl_instance if isinstance(column.type, TypeDecorator) else column.type
    try:
        kind: type = engine_type.python_type
    except NotImplementedError:
        return None
    return kind


def _decoder(column: Column[Any]) -> Callable[[Any], Any]:
    """Turn a normalised (file) value back into what the column's type expects."""
    kind = _python_type(column)
    if kind is datetime:
        return lambda v: None if v is None else datetime.fromisoformat(v)
    if kind is date:
        return lambda v: None if v is None else date.fromisoformat(v)
    if kind is Decimal:
        return lambda v: None if v is None else Decimal(v)
    if kind is bytes:
        return lambda v: None if v is None else base64.b64decode(v["$base64"])
    return lambda v: v


def _row_line(values: list[Any]) -> str:
    return json.dumps(values, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=True)


# ------------------------------------------------------------------------------------------------ schema


def tables() -> list[Table]:
    """Every table of the schema, parents before children."""
    return list(metadata.sorted_tables)


def _order_by(table: Table, dialect: str) -> list[ColumnElement[Any]]:
    """Primary-key order, with text keys in byte order on both databases (PostgreSQL collations differ)."""
    keys: list[ColumnElement[Any]] = []
    for column in table.primary_key.columns:
        if dialect == "postgresql" and isinstance(column.type, String):
            keys.append(column.collate("C"))
        else:
            keys.append(column)
    return keys


def head_revision(url: str) -> str:
    head = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
    return str(head)


def current_revision(conn: Connection) -> str | None:
    if not inspect(conn).has_table("alembic_version"):
        return None
    found = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    return ",".join(sorted(found)) or None


def _check_schema(conn: Connection, url: str, role: str) -> str:
    head = head_revision(url)
    found = current_revision(conn)
    if found != head:
        raise TransferError(
            f"The {role} database is at Alembic revision {found or '(none: not migrated)'}, but this code's head is "
            f"{head}. Run `python -m app migrate` against it first.")
    present = set(inspect(conn).get_table_names()) - {"alembic_version"}
    expected = {table.name for table in tables()}
    if present != expected:
        extra, missing = sorted(present - expected), sorted(expected - present)
        raise TransferError(f"The {role} database's tables differ from the schema (extra: {extra or '-'}; "
                            f"missing: {missing or '-'}).")
    return head


# ------------------------------------------------------------------------------------------------ reading


def _rows(conn: Connection, table: Table) -> Iterator[list[Any]]:
    query = select(*table.columns).order_by(*_order_by(table, conn.dialect.name))
    # On the statement, not the connection: Connection.execution_options() changes the connection itself.
    result = conn.execute(query.execution_options(yield_per=BATCH))
    for row in result:
        yield [normalise(value) for value in row]


def checksum_table(conn: Connection, table: Table) -> tuple[int, str]:
    digest = hashlib.sha256()
    count = 0
    for values in _rows(conn, table):
        digest.update(_row_line(values).encode("utf-8") + b"\n")
        count += 1
    return count, digest.hexdigest()


def _open(path: Path, mode: str, gzipped: bool) -> IO[str]:
    if gzipped:
        return cast(IO[str], gzip.open(path, mode + "t", encoding="utf-8"))
    return path.open(mode, encoding="utf-8")


def _upload_files(conn: Connection) -> list[str]:
    """Paths (relative to UPLOAD_DIR) of every uploaded file the database refers to."""
    found: list[str] = []
    names = {"walk_photo": "walk-photos", "pledge_attachment": "pledges"}
    for table_name, folder in names.items():
        table = metadata.tables[table_name]
        for (name,) in conn.execute(select(table.c.filename).order_by(table.c.id)):
            found.append(f"{folder}/{Path(name).name}")
    return found


def export(engine: Engine, url: str, path: Path, upload_root: Path | None = None) -> Report:
    """Write every table to `path`; returns the counts and checksums written."""
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():  # one snapshot, so tables are consistent with each other
            revision = _check_schema(conn, url, "source")
            report = Report(revision=revision)
            tmp = path.with_name(path.name + ".partial")
            with _open(tmp, "w", path.suffix == ".gz") as out:
                header = {"format": FORMAT, "version": FORMAT_VERSION, "revision": revision,
                          "source": conn.dialect.name, "exported_at": datetime.now(UTC).isoformat()}
                out.write(json.dumps(header) + "\n")
                for table in tables():
                    out.write(json.dumps({"table": table.name, "columns": [c.name for c in table.columns]}) + "\n")
                    digest, count = hashlib.sha256(), 0
                    for values in _rows(conn, table):
                        line = _row_line(values)
                        digest.update(line.encode("utf-8") + b"\n")
                        out.write(line + "\n")
                        count += 1
                    out.write(json.dumps({"end": table.name, "rows": count, "sha256": digest.hexdigest()}) + "\n")
                    report.tables.append(TableResult(table.name, count, digest.hexdigest(), count, digest.hexdigest()))
                uploads = _upload_files(conn)
                report.uploads_total = len(uploads)
                if upload_root is not None:
                    report.uploads_missing = [name for name in uploads if not (upload_root / name).is_file()]
                out.write(json.dumps({"uploads": uploads, "complete": True}) + "\n")
            tmp.replace(path)
    return report


# ------------------------------------------------------------------------------------------------ writing


def seeded_tables(url: str) -> set[str]:
    """Tables that the migrations themselves fill (e.g. counters), found by migrating a scratch SQLite database."""
    return set(_seeded_at(head_revision(url)))


@lru_cache(maxsize=4)
def _seeded_at(revision: str) -> frozenset[str]:
    from app.db import make_engine, migrate

    with tempfile.TemporaryDirectory(prefix="trygg-transfer-") as folder:
        scratch = f"sqlite:///{Path(folder) / 'scratch.sqlite3'}"
        migrate(scratch)
        engine = make_engine(scratch)
        try:
            with engine.connect() as conn:
                return frozenset(table.name for table in tables()
                                 if conn.execute(select(func.count()).select_from(table)).scalar_one())
        finally:
            engine.dispose()


def _check_empty(conn: Connection, seeded: set[str]) -> None:
    """Refuse a target that holds anything but what a fresh migration puts there."""
    filled = [(table.name, n) for table in tables() if table.name not in seeded
              and (n := conn.execute(select(func.count()).select_from(table)).scalar_one())]
    if filled:
        listed = ", ".join(f"{name} ({n} rows)" for name, n in filled[:5])
        raise TransferError(f"The target database is not empty: {listed}{' …' if len(filled) > 5 else ''}. "
                            "Import only into a freshly migrated, empty database; nothing was changed.")


def _read_blocks(source: IO[str]) -> Iterator[tuple[str, Any]]:
    for number, line in enumerate(source, start=1):
        try:
            yield str(number), json.loads(line)
        except json.JSONDecodeError:
            raise TransferError(f"Line {number} of the export file is not valid JSON; is the file complete?") \
                from None


def _self_references(table: Table) -> list[Column[Any]]:
    return [fk.parent for fk in table.foreign_keys if fk.column.table is table]


def _insert_rows(conn: Connection, table: Table, columns: list[str], rows: list[list[Any]],
                 later: list[dict[str, Any]]) -> None:
    decoders = [_decoder(table.c[name]) for name in columns]
    deferred = {c.name for c in _self_references(table)}
    records = []
    for values in rows:
        record = {name: decode(value) for name, decode, value in zip(columns, decoders, values, strict=True)}
        held = {name: record[name] for name in deferred if record.get(name) is not None}
        if held:  # a row may point at a later row of its own table: insert without the link, set it afterwards
            later.append({"_key": {c.name: record[c.name] for c in table.primary_key.columns}, **held})
            record.update(dict.fromkeys(held))
        records.append(record)
    if records:
        conn.execute(insert(table), records)


def _reset_sequences(conn: Connection) -> None:
    """PostgreSQL: the next generated id of every table comes after the largest imported id."""
    if conn.dialect.name != "postgresql":
        return  # SQLite gives rowid tables max(id) + 1 by itself
    for table in tables():
        for column in table.primary_key.columns:
            sequence = conn.execute(text("SELECT pg_get_serial_sequence(:t, :c)"),
                                    {"t": table.name, "c": column.name}).scalar()
            if sequence:
                top = conn.execute(select(func.max(column))).scalar() or 0
                conn.execute(text("SELECT setval(CAST(:s AS regclass), :v, false)"), {"s": sequence, "v": top + 1})


def import_file(engine: Engine, url: str, path: Path, upload_root: Path | None = None) -> Report:
    """Load `path` into the empty database behind `engine` in one transaction; commit only if every table's
    count and checksum read back from the target equal the file's. Raises TransferError otherwise."""
    if not path.is_file():
        raise TransferError(f"No such export file: {path}")
    known = {table.name: table for table in tables()}
    with engine.connect() as conn, _open(path, "r", path.suffix == ".gz") as source:
        transaction = conn.begin()
        try:
            revision = _check_schema(conn, url, "target")
            seeded = seeded_tables(url)
            _check_empty(conn, seeded)
            for name in seeded:  # rows a fresh migration put there are replaced by the source's own
                conn.execute(delete(known[name]))
            blocks = _read_blocks(source)
            header: dict[str, Any] = next(blocks, ("0", {}))[1]
            kind = [header.get("format"), header.get("version")] if isinstance(header, dict) else []
            if kind != [FORMAT, FORMAT_VERSION]:
                raise TransferError(f"{path} is not a {FORMAT} file (version {FORMAT_VERSION}).")
            if header.get("revision") != revision:
                raise TransferError(f"The file was exported at Alembic revision {header.get('revision')}, the target "
                                    f"is at {revision}. Export and import with the same version of the app.")
            report = Report(revision=revision)
            seen: set[str] = set()
            complete = False
            table: Table | None = None
            columns: list[str] = []
            pending: list[list[Any]] = []
            later: list[dict[str, Any]] = []
            digest = hashlib.sha256()
            count = 0
            for number, block in blocks:
                if isinstance(block, list):
                    if table is None:
                        raise TransferError(f"Line {number}: a row outside any table.")
                    digest.update(_row_line(block).encode("utf-8") + b"\n")
                    count += 1
                    pending.append(block)
                    if len(pending) >= BATCH:
                        _insert_rows(conn, table, columns, pending, later)
                        pending = []
                elif "table" in block:
                    name = block["table"]
                    if name not in known or name in seen:
                        raise TransferError(f"Line {number}: unknown or repeated table {name!r}.")
                    table, columns, digest, count, later = known[name], list(block["columns"]), hashlib.sha256(), 0, []
                    if set(columns) != {c.name for c in table.columns}:
                        raise TransferError(f"Line {number}: the columns of {name} differ from the schema.")
                    seen.add(name)
                elif "end" in block:
                    if table is None or block["end"] != table.name:
                        raise TransferError(f"Line {number}: a table end without its start.")
                    _insert_rows(conn, table, columns, pending, later)
                    pending = []
                    for link in later:
                        key = link.pop("_key")
                        conn.execute(update(table).where(*(table.c[k] == v for k, v in key.items())).values(**link))
                    if count != block["rows"] or digest.hexdigest() != block["sha256"]:
                        raise TransferError(f"The export file is damaged: table {table.name} has {count} rows with "
                                            f"checksum {digest.hexdigest()[:16]}, its end line says {block['rows']} "
                                            f"and {str(block['sha256'])[:16]}. Nothing was imported.", 1)
                    report.tables.append(TableResult(table.name, int(block["rows"]), str(block["sha256"])))
                    table = None
                elif "uploads" in block:
                    uploads = [str(name) for name in block["uploads"]]
                    report.uploads_total = len(uploads)
                    if upload_root is not None:
                        report.uploads_missing = [n for n in uploads if not (upload_root / n).is_file()]
                    complete = bool(block.get("complete"))
            if not complete or table is not None or seen != set(known):
                raise TransferError("The export file is incomplete (it ends early or lacks tables). "
                                    "Nothing was imported.", 1)
            for result in report.tables:  # read back what the target now holds, as the source was read
                result.rows, result.sha256 = checksum_table(conn, known[result.name])
            if not report.ok:
                transaction.rollback()
                return report
            _reset_sequences(conn)
            transaction.commit()
            return report
        except (KeyError, TypeError, ValueError, AttributeError, EOFError, gzip.BadGzipFile) as exc:
            transaction.rollback()
            raise TransferError(f"The export file is damaged ({type(exc).__name__}: {exc}). Nothing was imported.",
                                1) from None
        except StatementError as exc:
            transaction.rollback()
            raise TransferError(f"The target database refused a row ({exc.orig}). Nothing was imported.", 1) from None
        except BaseException:
            if transaction.is_active:
                transaction.rollback()
            raise


# ------------------------------------------------------------------------------------------------ command line


def upload_root(settings: Settings) -> Path:
    return settings.upload_dir or settings.outbox_dir.parent / "uploads"


def run(command: str, file: str, settings: Settings) -> int:
    """`python -m app export|import FILE` against DATABASE_URL; prints the table report; returns the exit code."""
    from app.db import make_engine

    url, path, uploads = settings.database_url, Path(file), upload_root(settings)
    engine = make_engine(url, pool_size=1)
    try:
        action = export if command == "export" else import_file
        report = action(engine, url, path, uploads)
    except TransferError as exc:
        print(f"{command} refused: {exc}", file=sys.stderr)
        return exc.exit_code
    finally:
        engine.dispose()
    print("\n".join(report.lines()))
    print(f"Alembic revision {report.revision}; {len(report.tables)} tables, "
          f"{sum(t.expected_rows for t in report.tables)} rows.")
    print(f"Uploaded files referenced: {report.uploads_total}, under {uploads}"
          + (f"; MISSING there: {', '.join(report.uploads_missing[:10])}"
             f"{' …' if len(report.uploads_missing) > 10 else ''}" if report.uploads_missing else " (all present)."))
    if command == "import" and report.uploads_missing:
        print("Copy the old UPLOAD_DIR's walk-photos/ and pledges/ folders to this UPLOAD_DIR.", file=sys.stderr)
    if not report.ok:
        print(f"{command} FAILED: a row count or checksum differs (marked DIFFERS); the target was rolled back "
              "and is unchanged.", file=sys.stderr)
        return 1
    if command == "export":
        print(f"Exported to {path}.")
    else:
        print(f"Imported {path}: every row count and checksum matches the export.")
    return 0
