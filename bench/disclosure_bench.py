"""Benchmark: the disclosure engine's cost per wave (complementary suppression + the LP audit), pure CPU.

Run by hand (not in the suite):

    .venv/bin/python bench/disclosure_bench.py [--waves 3] [--respondents 1500] [--items 13]

A realistic wave: one municipality, 6 areas with 15 sub-areas between them (one area has none), "no area" and
"no sub-area" units, gender in 4 categories and age in 8 (both with "not stated"), published as every unit x
{total, each gender, each age} (`hierarchy_cells`). Respondents are drawn like a real survey of ~1,500: skewed
area sizes, few "other" and "not stated" answers, ~10 % "don't know" per item and a "big problem" share per item
between 5 % and 60 %. For each item, `protect` (which audits until no leak is left) then a final `audit`; the
figure is the time for all items of a wave, median over the waves.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.concerns.disclosure import REST, GeoTree, Hierarchy, audit, hierarchy_cells, primary, protect

MIN_N = 5
TREE: GeoTree = {"a1": {"s1": {}, "s2": {}, "s3": {}}, "a2": {"s4": {}, "s5": {}, "s6": {}}, "a3": {"s7": {}, "s8": {}},
        "a4": {"s9": {}, "s10": {}, "s11": {}}, "a5": {"s12": {}, "s13": {}, "s14": {}, "s15": {}}, "a6": {}}
GENDERS = {"woman": 48, "man": 47, "other": 1, "not_stated": 4}
AGES = {"16-24": 10, "25-34": 14, "35-44": 15, "45-54": 16, "55-64": 16, "65-74": 14, "75+": 12, "not_stated": 3}
AREA_WEIGHTS = {"a1": 25, "a2": 20, "a3": 15, "a4": 15, "a5": 20, "a6": 5}


def realistic_wave(rng: random.Random, respondents: int, items: int, *,
                   rest_breakdowns: bool = True) -> tuple[Hierarchy, list[list[list[int]]]]:
    """The wave's structure and, per item, its quantities [n, k] over the finest cells."""
    structure = hierarchy_cells(TREE, {"gender": list(GENDERS), "age": list(AGES)}, rest_breakdowns=rest_breakdowns)
    people: list[int] = []
    for _ in range(respondents):
        if rng.random() < 0.03:
            geo: tuple[str | None, ...] = (REST,)
        else:
            area = rng.choices(list(AREA_WEIGHTS), list(AREA_WEIGHTS.values()))[0]
            subs = list(TREE[area])
            if not subs:
                geo = (area,)
            elif rng.random() < 0.06:
                geo = (area, REST)
            else:
                geo = (area, rng.choices(subs, [1 + i for i in range(len(subs))])[0])
        gender = rng.choices(list(GENDERS), list(GENDERS.values()))[0]
        age = rng.choices(list(AGES), list(AGES.values()))[0]
        people.append(structure.index(geo, (gender, age)))
    waves: list[list[list[int]]] = []
    for _ in range(items):
        share = rng.uniform(0.05, 0.6)
        n = [0] * len(structure.finest)
        k = [0] * len(structure.finest)
        for finest in people:
            if rng.random() < 0.1:
                continue  # don't know: not in n
            n[finest] += 1
            k[finest] += rng.random() < share
        waves.append([n, k])
    return structure, waves


def run_wave(structure: Hierarchy, items: list[list[list[int]]]) -> tuple[float, float, float, int, int]:
    """Wall seconds for protect + audit over every item, CPU seconds of protect and of audit, hidden cells
    and primary cells in total. CPU time is the figure to compare on a shared machine."""
    hidden_total = primary_total = 0
    protect_cpu = audit_cpu = 0.0
    started = time.perf_counter()
    for quantities in items:
        cpu = time.process_time()
        hidden = protect(quantities, structure.cells, MIN_N, relations=structure.relations)
        protect_cpu += time.process_time() - cpu
        cpu = time.process_time()
        if audit(quantities, structure.cells, hidden, MIN_N):
            raise SystemExit("the audit found a leak after protect: a bug")
        audit_cpu += time.process_time() - cpu
        hidden_total += len(hidden)
        primary_total += len(primary(quantities, structure.cells, MIN_N))
    return time.perf_counter() - started, protect_cpu, audit_cpu, hidden_total, primary_total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--waves", type=int, default=3)
    parser.add_argument("--respondents", type=int, default=1500)
    parser.add_argument("--items", type=int, default=13)
    parser.add_argument("--rest-totals-only", action="store_true", help="no gender/age cells for 'no (sub-)area'")
    args = parser.parse_args()
    walls: list[float] = []
    cpus: list[float] = []
    for seed in range(args.waves):
        structure, items = realistic_wave(random.Random(seed), args.respondents, args.items,
                                          rest_breakdowns=not args.rest_totals_only)
        wall, protect_cpu, audit_cpu, hidden, primaries = run_wave(structure, items)
        walls.append(wall)
        cpus.append(protect_cpu + audit_cpu)
        print(f"wave {seed}: {len(structure.cells)} cells x {args.items} items, {len(structure.finest)} finest; "
              f"{primaries} primary, {hidden} hidden in all; wall {wall:.2f} s, "
              f"CPU protect {protect_cpu:.2f} s + audit {audit_cpu:.2f} s")
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    print(f"per wave: median wall {statistics.median(walls):.2f} s, CPU {statistics.median(cpus):.2f} s "
          f"(nproc {os.cpu_count()}, load average {load})")


if __name__ == "__main__":
    main()
