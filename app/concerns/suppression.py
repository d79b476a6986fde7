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
    hidden = [0 < c < min_n for c in counts]

    def hidden_sum() -> int:
        return sum(c for c, h in zip(counts, hidden, strict=True) if h)

    # A single hidden cell would equal total - published; make the hidden part a group of >= min_n in >= 2 cells.
    while any(hidden) and (hidden_sum() < min_n or sum(hidden) < 2):
        candidates = [i for i, h in enumerate(hidden) if not h and counts[i] > 0]
        if not candidates:
            break
        hidden[min(candidates, key=lambda i: (counts[i], i))] = True
    return RowSuppression(hidden=tuple(hidden), total_hidden=False)


def is_small(n: int, min_n: int) -> bool:
    """A lone figure (not part of an additive row) is published only with at least min_n answers."""
    return n < min_n
