"""k-anonymity of respondent rows, as a property: whatever the rows, every combination left is shared by at least
k rows, and values are only ever blanked (never changed or moved to another respondent)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from app.surveys.anonymity import BLANK, is_k_anonymous, k_anonymise

VALUES = st.sampled_from(["", "a", "b", "c"])


@settings(max_examples=300, deadline=None)
@given(rows=st.integers(1, 4).flatmap(lambda width: st.lists(st.lists(VALUES, min_size=width, max_size=width),
                                                             max_size=40)),
       k=st.integers(1, 6))
def test_every_combination_left_is_shared_by_k_rows_and_values_are_only_blanked(rows: list[list[str]],
                                                                                k: int) -> None:
    safe = k_anonymise(rows, k)
    assert is_k_anonymous(safe, k)
    assert len(safe) == len(rows)
    assert all(new in (old, BLANK) for before, after in zip(rows, safe, strict=True)
               for old, new in zip(before, after, strict=True))
    if is_k_anonymous(rows, k):
        assert safe == rows  # nothing is blanked that did not need to be
