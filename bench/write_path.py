"""Where a survey submission's write goes (run by hand, not in the suite):

    .venv/bin/python bench/write_path.py [--responses 2000] [--batch 10 --batch 40]
        [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/test] [--skip-postgres]

In one process, without HTTP: seeds bench/survey_load.py's survey (one page, 15 answers), starts N drafts, then
runs the group committer's handler for posted pages (answering.post_pages: the read phase, then the write phase in
its own transaction and a commit) over batches of B drafts, as the writer thread does. Reports the CPU time per
submitted response, and, from a second pass under cProfile (timing this thread's CPU), the share spent inside
the database driver's calls (execute, executemany, commit, reached through SQLAlchemy's do_execute & co.): work
no Python-side change can remove short of writing fewer rows, fewer indexes or less durably. Compare with the
bare endpoint's CPU per request in bench/survey_load.py. Only on SQLite: its driver is C all the way down, so the
profiler adds nothing inside those calls; psycopg's calls are partly Python, which the profiler would inflate.

`--janitor` adds, on SQLite, the cost of truncating the WAL (app.db.truncate_wal) in the same run: wall-clock time
per response with no checkpoint, and with a TRUNCATE checkpoint after every batch (the worst case; the group
committer runs it at most every `janitor_every` seconds under load, or once idle).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import survey_load  # noqa: E402 - after the path insert

# SQLAlchemy's thin wrappers around the DBAPI's cursor.execute/executemany and connection.commit
DRIVER_CALLS = frozenset({"do_execute", "do_executemany", "do_execute_no_params", "do_commit"})


def posts(url: str, count: int) -> list[Any]:
    """`count` started drafts of the bench survey, each with a full page of answers ready to post."""
    from sqlmodel import Session, select

    from app.db import make_engine
    from app.models.surveys import Channel, Survey
    from app.surveys import answering, questionnaires, rules
    from app.surveys.codes import token_hash

    engine = make_engine(url)
    with Session(engine) as session:
        survey = session.exec(select(Survey)).one()
        questionnaire = questionnaires.load_questionnaire(session, survey)
    starts = [answering.DraftStart(survey, "sv", Channel.web) for _ in range(count)]
    with engine.begin() as connection:
        answering.begin_drafts(connection, starts)
    engine.dispose()
    made = []
    for n, start in enumerate(starts):
        form = survey_load.answers_form(n, "")
        values = rules.FormValues({key: [value] for key, value in form.items() if key.startswith("q-")})
        made.append(answering.PagePost(questionnaire, token_hash(start.token), 1, values, language="sv"))
    return made


def submit_all(url: str, batch: int, items: list[Any], profile: cProfile.Profile | None) -> float:
    """Runs post_pages over `items` in batches; returns CPU seconds (this thread) per response."""
    from app.db import make_engine
    from app.surveys import answering

    engine = make_engine(url)
    writer = engine.execution_options(sqlite_immediate=True) if engine.dialect.name == "sqlite" else engine
    started = time.thread_time()
    if profile:
        profile.enable()
    for first in range(0, len(items), batch):
        with engine.connect() as connection:
            plan = answering.post_pages.read(connection, items[first:first + batch])
        with writer.connect() as connection, connection.begin():
            outcomes = answering.post_pages.write(connection, plan)
        if any(o.kind != answering.Outcome.submitted for o in outcomes):
            raise RuntimeError(f"not stored: {[o.kind for o in outcomes]}")
    if profile:
        profile.disable()
    used = time.thread_time() - started
    engine.dispose()
    return used / len(items)


def wall_per_response(url: str, batch: int, items: list[Any], checkpoint: bool) -> float:
    """Wall-clock seconds per response for post_pages over `items`, with or without a WAL truncation per batch."""
    from app.db import make_engine, truncate_wal
    from app.surveys import answering

    engine = make_engine(url)
    writer = engine.execution_options(sqlite_immediate=True)
    started = time.perf_counter()
    for first in range(0, len(items), batch):
        with engine.connect() as connection:
            plan = answering.post_pages.read(connection, items[first:first + batch])
        with writer.connect() as connection, connection.begin():
            answering.post_pages.write(connection, plan)
        if checkpoint and not truncate_wal(engine):
            raise RuntimeError("checkpoint did not finish")
    used = time.perf_counter() - started
    engine.dispose()
    return used / len(items)


def janitor(url: str, responses: int, batches: list[int]) -> None:
    survey_load.seed(url)
    for batch in batches:
        plain, cleaned = [], []
        for _round in range(3):  # alternated, so drift on a shared machine hits both alike
            plain.append(wall_per_response(url, batch, posts(url, responses), False))
            cleaned.append(wall_per_response(url, batch, posts(url, responses), True))
        base, with_janitor = min(plain), min(cleaned)
        print(f"  SQLite, batches of {batch}: {base * 1e6:.0f} µs per response without, {with_janitor * 1e6:.0f} µs "
              f"with a WAL truncation after every batch (x{with_janitor / base:.2f}); load {os.getloadavg()[0]:.2f}",
              flush=True)


def driver_seconds(profile: cProfile.Profile) -> float:
    """CPU inside the DBAPI's calls, from the profile (the wrappers never call each other: no double count)."""
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    return sum(cumulative for (filename, _line, name), (_calls, _primitive, _own, cumulative, _callers)
               in stats.items() if name in DRIVER_CALLS and filename.endswith("sqlalchemy/engine/default.py"))


def run(label: str, url: str, responses: int, batches: list[int]) -> list[dict[str, Any]]:
    _slug, survey_id = survey_load.seed(url)
    rows = []
    for batch in batches:
        plain = submit_all(url, batch, posts(url, responses), None)
        profile = cProfile.Profile(time.thread_time) if label == "SQLite" else None
        profiled = submit_all(url, batch, posts(url, responses), profile)
        in_driver = driver_seconds(profile) / responses if profile else float("nan")
        rows.append({"database": label, "batch": batch, "cpu_us": plain * 1e6, "driver_us": in_driver * 1e6,
                     "profiled_us": profiled * 1e6})
        driver = f"in the driver's calls {in_driver * 1e6:.0f} µs" if profile else "driver share not measured"
        print(f"  {label}, batches of {batch}: {plain * 1e6:.0f} µs CPU per response; {driver} "
              f"(second pass: {profiled * 1e6:.0f} µs per response)", flush=True)
    stored, answers = survey_load.count_responses(url, survey_id)
    expected = responses * 2 * len(batches)
    if stored != expected:
        raise RuntimeError(f"{label}: {stored} responses stored, {expected} expected")
    print(f"  {label}: {stored} responses and {answers} answer rows stored, as expected", flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--responses", type=int, default=2000)
    parser.add_argument("--batch", type=int, action="append", help="batch size (repeatable); default 10 and 40")
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--janitor", action="store_true", help="only the WAL truncation's cost (SQLite)")
    args = parser.parse_args()
    batches = args.batch or [10, 40]
    print(f"write path, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} CPU; "
          f"{args.responses} responses per pass", flush=True)
    if args.janitor:
        with tempfile.TemporaryDirectory() as folder:
            janitor(f"sqlite:///{folder}/janitor.sqlite3", args.responses, batches)
        return
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        rows += run("SQLite", f"sqlite:///{folder}/write.sqlite3", args.responses, batches)
    if not args.skip_postgres:
        with survey_load.pg_database(args.postgres, "bench_write") as url:
            rows += run("PostgreSQL", url, args.responses, batches)
    print()
    print("| database | batch | CPU per response | of which in the driver's calls (SQLite, profiled) |")
    print("|---|---|---|---|")
    for row in rows:
        driver = "–" if row["driver_us"] != row["driver_us"] else f"{row['driver_us']:.0f} µs"  # NaN: not measured
        print(f"| {row['database']} | {row['batch']} | {row['cpu_us']:.0f} µs | {driver} |")


if __name__ == "__main__":
    main()
