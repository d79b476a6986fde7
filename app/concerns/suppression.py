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


def suppress_row(counts: Sequence[int], min_n: int, hidden: Sequence[bool] | None = None) -> RowSuppression:
    """Which cells of an additive row (cells sum to the published total) must be hidden.

    `hidden` marks cells already hidden for another reason (a column of a table); they stay hidden.
    """
    total = sum(counts)
    if total < min_n:
        return RowSuppression(hidden=tuple(True for _ in counts), total_hidden=True)
    mask = [0 < c < min_n or bool(hidden and hidden[i]) for i, c in enumerate(counts)]

    def hidden_sum() -> int:
        return sum(c for c, h in zip(counts, mask, strict=True) if h)

    # total - published = sum of the hidden cells: that must be nothing or a group of at least min_n.
    while 0 < hidden_sum() < min_n:
        candidates = [i for i, h in enumerate(mask) if not h and counts[i] > 0]
        if not candidates:  # cannot happen while total >= min_n; kept as a guard against an endless loop
            break
        mask[min(candidates, key=lambda i: (counts[i], i))] = True
    return RowSuppression(hidden=tuple(mask), total_hidden=False)


@dataclass(frozen=True)
class TableSuppression:
    hidden: tuple[tuple[bool, ...], ...]
    row_total_hidden: tuple[bool, ...]
    column_total_hidden: tuple[bool, ...]


def suppress_table(matrix: Sequence[Sequence[int]], min_n: int) -> TableSuppression:
    """Suppression of a two-way table whose row and column totals are both published.

    The row rule is applied to every row and column in turn until nothing changes, so no row or column lets
    `total - published` name a hidden group below the threshold.
    """
    rows = len(matrix)
    cols = len(matrix[0]) if rows else 0
    mask = [[False] * cols for _ in range(rows)]
    changed = True
    while changed:
        changed = False
        for r in range(rows):
            result = suppress_row(matrix[r], min_n, mask[r])
            if list(result.hidden) != mask[r]:
                mask[r] = list(result.hidden)
                changed = True
        for c in range(cols):
            column = [matrix[r][c] for r in range(rows)]
            result = suppress_row(column, min_n, [mask[r][c] for r in range(rows)])
            for r in range(rows):
                if result.hidden[r] and not mask[r][c]:
                    mask[r][c] = True
                    changed = True
    return TableSuppression(hidden=tuple(tuple(row) for row in mask),
                            row_total_hidden=tuple(sum(row) < min_n for row in matrix),
                            column_total_hidden=tuple(sum(matrix[r][c] for r in range(rows)) < min_n
                                                      for c in range(cols)))


def is_small(n: int, min_n: int) -> bool:
    """A lone figure (not part of an additive row) is published only with at least min_n answers."""
    return n < min_n
