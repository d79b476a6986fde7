"""Benchmark: ranked concerns for one municipality and wave, and per area, over 1,000,000 battery answers.

Run by hand (not in the suite):

    .venv/bin/python bench/concerns_bench.py                      # SQLite (a temporary file)
    .venv/bin/python bench/concerns_bench.py --postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres

It generates 20 areas x 12 problem items (83,334 responses x 12 = 1,000,008 battery answers) plus background
answers (gender, age, feeling unsafe, sub-area: 333,336 more rows), closes the wave, runs ANALYZE, then measures
in separate processes, so each peak memory figure (ru_maxrss) is that method's own:
  - "build":  building the wave's published set once (the GROUP BYs, disclosure.protect and the audit per item,
              stored as JSON), as happens when a wave closes;
  - "whole":  what the dashboard and API do: read the stored set and rank the whole municipality;
  - "area":   the same for one area;
  - "areas":  every area's ranking in turn (divided by the number of areas: time per area).
Times are the median of 5 runs after one warm-up run ("build": one run).
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
    from sqlmodel import Session, col, select

    from app.concerns import published, queries, report
    from app.db import make_engine
    from app.models import Area
    from app.models.surveys import Survey

    engine = make_engine(url, pool_size=2)
    times = []
    result_rows = 0
    with Session(engine) as session:
        survey = session.get(Survey, survey_id)
        assert survey is not None
        area_ids = list(session.scalars(select(col(Area.id)).where(col(Area.municipality_id) == municipality_id)))
        for _ in range(1 if method == "build" else RUNS + 1):
            start = time.perf_counter()
            if method == "build":
                published.store(session, survey, published.PUBLIC)
                session.commit()
                result_rows = 1
            else:
                questions = queries.wave_questions(session, survey_id)
                found = published.for_public(session, survey)
                assert found is not None
                nodes = {"whole": [published.ALL], "area": [published.node_key(area_ids[0] or 0)],
                         "areas": [published.node_key(a or 0) for a in area_ids]}[method]
                for node in nodes:
                    ranked = report.ranked_cells({i: found.cell(i, node) for i in questions.items}, questions.items)
                    result_rows = len(ranked)
            elapsed = time.perf_counter() - start
            times.append(elapsed / (len(area_ids) if method == "areas" else 1))
    engine.dispose()
    kept = times if method == "build" else times[1:]
    return {"median_s": statistics.median(kept), "min_s": min(kept), "peak_mb": _peak_mb(), "rows": result_rows}


def generate(url: str) -> tuple[int, int, int]:
    import random

    from sqlalchemy import text
    from sqlmodel import Session

    from app.db import make_engine, migrate
    from app.models import Area, Municipality
    from app.models.surveys import SurveyStatus
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
        info.survey.status = SurveyStatus.closed
        session.add(info.survey)
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
        for method in ("build", "whole", "area", "areas"):
            out = subprocess.run([sys.executable, __file__, "--measure", method, url, str(survey_id), str(town_id)],
                                 capture_output=True, text=True, check=True, cwd=ROOT)
            results[method] = json.loads(out.stdout.strip().splitlines()[-1])
            r = results[method]
            print(f"{method:6s} median {r['median_s']:.4f} s (min {r['min_s']:.4f} s), peak {r['peak_mb']:.0f} MB")
        # "area" does exactly the work of "whole" for one area (read the set, rank): the fair comparison.
        ratio = results["area"]["median_s"] / results["whole"]["median_s"]
        print(f"per-area ranking / whole-municipality ranking: {ratio:.2f}x")
        ok = results["area"]["median_s"] < 0.3 and ratio <= 2
        print("target (per area < 0.3 s and within 2x of the whole municipality):", "met" if ok else "NOT met")
        print(f"load average: {' '.join(f'{v:.2f}' for v in os.getloadavg())}; cpus: {os.cpu_count()}")


if __name__ == "__main__":
    main()
