"""k-anonymity for respondent-level rows (exports): no combination of background answers shown is shared by fewer
than k respondents. Pure: rows of strings in, rows of strings out.

The method is greedy local suppression, one rare row at a time: a row whose combination of background values (its
equivalence class) is rarer than k gets one value blanked, chosen so that the row joins the largest class that
already exists, and among equal choices the value fewest respondents share (it says the most about this one).
Blanks only merge classes, so the loop ends after at most one round per column. A row with every background
value blank shows no combination at all and is left as it is.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

BLANK = ""


def k_anonymise(rows: Sequence[Sequence[str]], k: int) -> list[list[str]]:
    """The rows (background values only, one list per respondent) with the rarest values blanked until every
    combination with a value in it is shared by at least `k` rows."""
    out = [list(row) for row in rows]
    if k <= 1 or not out:
        return out
    width = len(out[0])
    frequency = [Counter(row[column] for row in out) for column in range(width)]
    classes = Counter(tuple(row) for row in out)
    changed = True
    while changed:
        changed = False
        for row in sorted(out, key=lambda r: classes[tuple(r)]):  # the rarest classes first
            here = tuple(row)
            if classes[here] >= k or all(value == BLANK for value in row):
                continue

            def choice(column: int, row: list[str] = row) -> tuple[int, int, int]:
                joined = classes[tuple(BLANK if c == column else v for c, v in enumerate(row))]
                return (-joined, frequency[column][row[column]], -column)

            column = min((c for c in range(width) if row[c] != BLANK), key=choice)
            classes[here] -= 1
            row[column] = BLANK
            classes[tuple(row)] += 1
            changed = True
    return out


def is_k_anonymous(rows: Sequence[Sequence[str]], k: int) -> bool:
    """Whether every combination with a value in it is shared by at least `k` rows (for tests and checks)."""
    classes = Counter(tuple(row) for row in rows)
    return all(n >= k for combination, n in classes.items() if any(v != BLANK for v in combination))
