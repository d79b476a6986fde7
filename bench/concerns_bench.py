"""Benchmark: ranked concerns with intervals for one municipality and wave, over 1,000,000 battery answers.

Run by hand (not in the suite):

    .venv/bin/python bench/concerns_bench.py                      # SQLite (a temporary file)
    .venv/bin/python bench/concerns_bench.py --postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres

It generates 20 areas x 12 problem items (83,334 responses x 12 = 1,000,008 battery answers) plus background
answers (gender, age, feeling unsafe, sub-area: 333,336 more rows), runs ANALYZE, then measures in separate
processes, so each peak memory figure (ru_maxrss) is that method's own:
  - "sql":      what the dashboard does: GROUP BY in SQL, shaped in pandas, ranked with Wilson intervals;
  - "sql-area": the same per area (joins the response for its sub-area);
  - "pandas":   the baseline: read every answer row of the wave into pandas, then groupby.
Times are the median of 5 runs after one warm-up run.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

AREAS = 20
RESPONSES = 83_334  # x 12 items = 1,000,008 battery answers
RUNS = 5


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(method: str, url: str, survey_id: int, municipality_id: int) -> dict[str, float]:
    import pandas as pd
    from sqlalchemy import text
    from sqlmodel import Session

    from app.concerns import report, service
    from app.db import make_engine
    from app.models import Municipality

    engine = make_engine(url, pool_size=2)
    times = []
    result_rows = 0
    with Session(engine) as session:
        municipality = session.get(Municipality, municipality_id)
        assert municipality is not None
        for _ in range(RUNS + 1):
            start = time.perf_counter()
            questions = service.wave_questions(session, survey_id)
            if method == "sql":
                frame = service.battery_counts(session, survey_id, questions.battery)
                ranked = report.ranked_concerns(service.nested(frame, ["item_code"]), questions.items, 5)
                result_rows = len(ranked)
            elif method == "sql-area":
                frame = service.battery_counts(session, survey_id, questions.battery, group="area")
                per_area = service.nested(frame, ["grp", "item_code"])
                result_rows = sum(len(report.ranked_concerns(items, questions.items, 5))
                                  for items in per_area.values())
            else:
                everything = pd.read_sql(
                    text("SELECT a.*, r.area_id, r.channel FROM survey_answer a "
                         "JOIN survey_response r ON r.id = a.response_id WHERE a.survey_id = :sid"),
                    session.connection(), params={"sid": survey_id})
                battery = everything[everything["question_id"].isin(questions.battery)]
                counts = battery.groupby(["item_code", "value_code"]).size().reset_index(name="n")
                ranked = report.ranked_concerns(service.nested(counts, ["item_code"]), questions.items, 5)
                result_rows = len(ranked)
                del everything, battery
            times.append(time.perf_counter() - start)
    engine.dispose()
    return {"median_s": statistics.median(times[1:]), "min_s": min(times[1:]), "peak_mb": _peak_mb(),
            "rows": result_rows}


def generate(url: str) -> tuple[int, int, int]:
    import random

    from sqlalchemy import text
    from sqlmodel import Session

    from app.db import make_engine, migrate
    from app.models import Area, Municipality
    from tests.concerns import factories as cf

    migrate(url)
    engine = make_engine(url, pool_size=2)
    rng = random.Random(7)
    with Session(engine) as session:
        town = Municipality(slug="bench", name="Benchköping")
        session.add(town)
        session.flush()
        areas = []
        for i in range(AREAS):
            area = Area(municipality_id=town.id or 0, slug=f"omrade-{i}", name=f"Område {i}", population=5000)
            session.add(area)
            areas.append(area)
        session.flush()
        info = cf.survey(session, town, areas)
        weights = {item: rng.random() * 0.6 for item in cf.ITEMS}
        batch: list[dict[str, object]] = []
        for n in range(RESPONSES):
            problems = {}
            for item in cf.ITEMS:
                r = rng.random()
                problems[item] = ("dont_know" if r < 0.07 else rng.choice(("very_big", "fairly_big"))
                                  if r < 0.07 + weights[item] else rng.choice(("fairly_small", "no_problem")))
            batch.append({"area_id": areas[n % AREAS].id, "channel": rng.choice(("web", "qr", "paper")),
                          "problems": problems, "gender": rng.choice(cf.GENDERS), "age": rng.choice(cf.AGES),
                          "unsafe": rng.choice(cf.UNSAFE)})
            if len(batch) == 5000:
                cf.add_responses(session, info, batch, chunk=20_000)
                batch = []
        cf.add_responses(session, info, batch, chunk=20_000)
        session.commit()
        survey_id, town_id = info.id, town.id or 0
        answers = session.execute(text("SELECT count(*) FROM survey_answer")).scalar_one()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE"))
    engine.dispose()
    return survey_id, town_id, int(answers)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres", help="a PostgreSQL server URL; a fresh database is created and dropped")
    parser.add_argument("--measure", nargs=4, metavar=("METHOD", "URL", "SURVEY", "MUNICIPALITY"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        method, url, survey, municipality = args.measure
        print(json.dumps(measure(method, url, int(survey), int(municipality))))
        return
    if args.postgres:
        os.environ["TEST_DATABASE_URL"] = args.postgres
    from tests.databases import fresh_database

    with tempfile.TemporaryDirectory() as tmp, fresh_database(Path(tmp), "concerns_bench") as url:
        started = time.perf_counter()
        survey_id, town_id, answers = generate(url)
        print(f"database: {'PostgreSQL' if url.startswith('postgresql') else 'SQLite'}; "
              f"{answers:,} answer rows generated in {time.perf_counter() - started:.0f} s")
        results = {}
        for method in ("sql", "sql-area", "pandas"):
            out = subprocess.run([sys.executable, __file__, "--measure", method, url, str(survey_id), str(town_id)],
                                 capture_output=True, text=True, check=True, cwd=ROOT)
            results[method] = json.loads(out.stdout.strip().splitlines()[-1])
            r = results[method]
            print(f"{method:9s} median {r['median_s']:.3f} s (min {r['min_s']:.3f} s), peak {r['peak_mb']:.0f} MB")
        ratio = results["pandas"]["median_s"] / results["sql"]["median_s"]
        print(f"load-everything-into-pandas baseline / SQL GROUP BY: {ratio:.1f}x slower, "
              f"{results['pandas']['peak_mb'] / results['sql']['peak_mb']:.1f}x the memory")
        ok = results["sql"]["median_s"] < 1 and results["sql"]["peak_mb"] < 300
        print("target (< 1 s, < 300 MB):", "met" if ok else "NOT met")


if __name__ == "__main__":
    main()
