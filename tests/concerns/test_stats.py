"""The concern statistics on literal data."""

from __future__ import annotations

import pytest

from app.concerns import stats


def test_wilson_interval_of_half() -> None:
    low, high = stats.wilson_interval(5, 10)
    assert low == pytest.approx(0.2366, abs=1e-4)
    assert high == pytest.approx(0.7634, abs=1e-4)


def test_wilson_interval_at_zero_stays_inside_zero_one() -> None:
    low, high = stats.wilson_interval(0, 10)
    assert low == 0.0
    assert high == pytest.approx(0.2775, abs=1e-4)
    assert stats.wilson_interval(10, 10)[1] == 1.0


def test_wilson_rejects_impossible_counts() -> None:
    with pytest.raises(ValueError):
        stats.wilson_interval(11, 10)


def test_big_problem_share_excludes_dont_know() -> None:
    share = stats.big_problem_share({"very_big": 3, "fairly_big": 2, "fairly_small": 4, "no_problem": 1,
                                     "dont_know": 90})
    assert (share.k, share.n) == (5, 10)
    assert share.share == 0.5


def test_share_without_answers_is_empty() -> None:
    share = stats.big_problem_share({"dont_know": 4})
    assert share.n == 0 and share.share is None and share.low is None


def test_unsafe_share_counts_not_going_out_from_fear_and_drops_other_reasons() -> None:
    share = stats.unsafe_share({"very_safe": 4, "fairly_safe": 2, "fairly_unsafe": 1, "very_unsafe": 1,
                                "not_out_fear": 2, "not_out_other": 5})
    assert (share.k, share.n) == (4, 10)


def test_two_proportion_test_flags_a_real_change() -> None:
    change = stats.two_proportion_test(50, 100, 65, 100)
    assert change is not None
    assert change.difference == pytest.approx(0.15)
    assert change.z == pytest.approx(2.1456, abs=1e-3)
    assert change.p_value == pytest.approx(0.0319, abs=1e-3)
    assert change.significant


def test_two_proportion_test_small_change_is_not_significant() -> None:
    change = stats.two_proportion_test(50, 100, 55, 100)
    assert change is not None and not change.significant
    assert stats.two_proportion_test(0, 0, 3, 10) is None
    same = stats.two_proportion_test(0, 10, 0, 10)
    assert same is not None and same.p_value == 1.0
