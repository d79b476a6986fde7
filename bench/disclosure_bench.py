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


def realistic_wave(rng: random.Random, respondents: int, items: int) -> tuple[Hierarchy, list[list[list[int]]]]:
    """The wave's structure and, per item, its quantities [n, k] over the finest cells."""
    structure = hierarchy_cells(TREE, {"gender": list(GENDERS), "age": list(AGES)})
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


def run_wave(structure: Hierarchy, items: list[list[list[int]]]) -> tuple[float, int, int]:
    """Seconds for protect + audit over every item, hidden cells and primary cells in total."""
    hidden_total = primary_total = 0
    started = time.perf_counter()
    for quantities in items:
        hidden = protect(quantities, structure.cells, MIN_N, relations=structure.relations)
        if audit(quantities, structure.cells, hidden, MIN_N):
            raise SystemExit("the audit found a leak after protect: a bug")
        hidden_total += len(hidden)
        primary_total += len(primary(quantities, structure.cells, MIN_N))
    return time.perf_counter() - started, hidden_total, primary_total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--waves", type=int, default=3)
    parser.add_argument("--respondents", type=int, default=1500)
    parser.add_argument("--items", type=int, default=13)
    args = parser.parse_args()
    times: list[float] = []
    for seed in range(args.waves):
        structure, items = realistic_wave(random.Random(seed), args.respondents, args.items)
        seconds, hidden, primaries = run_wave(structure, items)
        times.append(seconds)
        print(f"wave {seed}: {len(structure.cells)} cells x {args.items} items, {len(structure.finest)} finest; "
              f"{primaries} primary, {hidden} hidden in all; {seconds:.2f} s")
    print(f"per wave: median {statistics.median(times):.2f} s (nproc {os.cpu_count()}, load {os.getloadavg()})")


if __name__ == "__main__":
    main()
