"""Pure statistics for concerns: shares with Wilson intervals, mean scores, ranks, change between waves.

Everything here takes plain numbers or small count tables (the output of a GROUP BY) and returns dataclasses;
nothing touches the database, so each function is tested with literal data.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

Z95 = 1.959963984540054
BIG_CODES = ("very_big", "fairly_big")
# Score of each answer on the problem scale, for the mean score (0 = no problem at all, 3 = very big problem).
SCORES: dict[str, int] = {"very_big": 3, "fairly_big": 2, "fairly_small": 1, "no_problem": 0}
UNSAFE_CODES = ("fairly_unsafe", "very_unsafe", "not_out_fear")
UNSAFE_EXCLUDED = ("not_out_other",)


def wilson_interval(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval for k successes in n trials; (0, 1) when there are no trials."""
    if n <= 0:
        return (0.0, 1.0)
    if not 0 <= k <= n:
        raise ValueError("k must be between 0 and n")
    p = k / n
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    # At k = 0 or k = n the bound is exactly 0 or 1; rounding would otherwise leave 0.9999999999999999.
    return (0.0 if k == 0 else max(0.0, centre - half), 1.0 if k == n else min(1.0, centre + half))


@dataclass(frozen=True)
class Share:
    """k of n answers (don't-know excluded) with a 95 % Wilson interval."""

    k: int
    n: int
    share: float | None
    low: float | None
    high: float | None

    @classmethod
    def of(cls, k: int, n: int) -> Share:
        if n <= 0:
            return cls(k=0, n=0, share=None, low=None, high=None)
        low, high = wilson_interval(k, n)
        return cls(k=k, n=n, share=k / n, low=low, high=high)


def big_problem_share(counts: Mapping[str, int]) -> Share:
    """Share answering a very or fairly big problem among those who took a position (don't know excluded)."""
    n = sum(v for code, v in counts.items() if code in SCORES)
    k = sum(counts.get(code, 0) for code in BIG_CODES)
    return Share.of(k, n)


def unsafe_share(counts: Mapping[str, int]) -> Share:
    """Share feeling very/fairly unsafe out alone late in the evening, or not going out because of it.

    "Does not go out for other reasons" is left out of the base, as Brå's NTU does.
    """
    n = sum(v for code, v in counts.items() if code not in UNSAFE_EXCLUDED)
    k = sum(counts.get(code, 0) for code in UNSAFE_CODES)
    return Share.of(k, n)


@dataclass(frozen=True)
class Change:
    """Difference in share since the previous wave and whether a two-proportion z-test finds it at 5 %."""

    difference: float
    z: float
    p_value: float
    significant: bool


def two_proportion_test(k1: int, n1: int, k2: int, n2: int) -> Change | None:
    """Pooled two-proportion z-test of wave 2 (k2/n2) against wave 1 (k1/n1); None if either has no answers."""
    if n1 <= 0 or n2 <= 0:
        return None
    p1, p2 = k1 / n1, k2 / n2
    pooled = (k1 + k2) / (n1 + n2)
    variance = pooled * (1 - pooled) * (1 / n1 + 1 / n2)
    if variance == 0:
        return Change(difference=p2 - p1, z=0.0, p_value=1.0, significant=False)
    z = (p2 - p1) / math.sqrt(variance)
    p_value = math.erfc(abs(z) / math.sqrt(2))
    return Change(difference=p2 - p1, z=z, p_value=p_value, significant=p_value < 0.05)
