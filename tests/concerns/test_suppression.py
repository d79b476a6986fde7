"""Small-cell suppression: literal cases and property tests that no published figure reveals a small group."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from app.concerns.suppression import suppress_row

MIN_N = 5


def test_small_cell_and_its_smallest_neighbour_are_hidden() -> None:
    result = suppress_row([10, 3, 8, 1], MIN_N)
    assert result.hidden == (False, True, True, True)
    assert not result.total_hidden


def test_one_small_cell_takes_a_neighbour_with_it() -> None:
    assert suppress_row([10, 4, 20], MIN_N).hidden == (True, True, False)


def test_row_below_threshold_is_hidden_whole() -> None:
    result = suppress_row([2, 2], MIN_N)
    assert result.hidden == (True, True) and result.total_hidden


def test_row_without_small_cells_is_published() -> None:
    assert suppress_row([5, 0, 7], MIN_N).hidden == (False, False, False)


def _check_line(counts: list[int], hidden: list[bool], min_n: int) -> None:
    total = sum(counts)
    if total < min_n:
        assert all(hidden)
        return
    for count, is_hidden in zip(counts, hidden, strict=True):
        if 0 < count < min_n:
            assert is_hidden, "a small cell was published"
    derivable = total - sum(c for c, h in zip(counts, hidden, strict=True) if not h)
    assert derivable == 0 or derivable >= min_n, "total minus the published cells reveals a small group"


@settings(max_examples=400, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=30), min_size=1, max_size=12), st.integers(1, 10))
def test_no_published_row_reveals_a_small_group(counts: list[int], min_n: int) -> None:
    result = suppress_row(counts, min_n)
    _check_line(counts, list(result.hidden), min_n)
