"""Small-cell suppression: no published figure may reveal a group of fewer than SUPPRESSION_MIN_N answers.

Primary suppression hides every cell whose base n is below the threshold. Secondary suppression then hides
further cells of the same row (smallest first) until the hidden cells of the row together hold either nothing
or at least the threshold: since the row total is published, `total - sum(published)` is exactly the sum of
the hidden cells, and that difference must never be a group below the threshold (nor a single hidden cell).
A row whose total is below the threshold is hidden whole, total included.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class RowSuppression:
    hidden: tuple[bool, ...]
    total_hidden: bool


def suppress_row(counts: Sequence[int], min_n: int) -> RowSuppression:
    """Which cells of an additive row (cells sum to the published total) must be hidden."""
    total = sum(counts)
    if total < min_n:
        return RowSuppression(hidden=tuple(True for _ in counts), total_hidden=True)
    mask = [0 < c < min_n for c in counts]

    def hidden_sum() -> int:
        return sum(c for c, h in zip(counts, mask, strict=True) if h)

    # total - published = sum of the hidden cells: that must be nothing or a group of at least min_n.
    while 0 < hidden_sum() < min_n:
        candidates = [i for i, h in enumerate(mask) if not h and counts[i] > 0]
        if not candidates:  # cannot happen while total >= min_n; kept as a guard against an endless loop
            break
        mask[min(candidates, key=lambda i: (counts[i], i))] = True
    return RowSuppression(hidden=tuple(mask), total_hidden=False)
