"""The disclosure engine: primary cells with literals, the LP audit as the differencing attacker, and generated waves
on which complementary suppression leaves nothing derivable."""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.concerns.disclosure import (
    REST,
    CellKey,
    GeoTree,
    Hierarchy,
    Leak,
    audit,
    cell_values,
    hierarchy_cells,
    primary,
    protect,
)
from app.concerns.suppression import suppress_row

MIN_N = 5


# --- primary cells -----------------------------------------------------------------------------------------------

def _cells_of(*rows: tuple[int, int]) -> tuple[list[list[int]], list[tuple[int, ...]]]:
    """One finest cell per row: quantities [n, k] and one published cell per finest cell."""
    return [[n for n, _ in rows], [k for _, k in rows]], [(i,) for i in range(len(rows))]


def test_groups_under_the_threshold_are_primary_and_at_the_threshold_are_not() -> None:
    quantities, cells = _cells_of((4, 2), (5, 2), (1, 1), (40, 12))
    assert primary(quantities, cells, MIN_N) == {0, 2}


def test_an_empty_group_is_not_primary() -> None:
    quantities, cells = _cells_of((0, 0), (12, 3))
    assert primary(quantities, cells, MIN_N) == set()


def test_small_groups_that_all_answered_alike_are_primary() -> None:
    quantities, cells = _cells_of((7, 0), (7, 7), (9, 9), (7, 3), (10, 0), (10, 10), (30, 0))
    assert primary(quantities, cells, MIN_N) == {0, 1, 2}


def test_homogeneity_is_checked_for_every_quantity_after_n() -> None:
    quantities = [[8], [3], [8]]  # n, k, and a second subset count where all 8 said yes
    assert primary(quantities, [(0,)], MIN_N) == {0}
    assert primary(quantities, [(0,)], MIN_N, homogeneous_below=8) == set()


# --- the audit catches differencing -------------------------------------------------------------------------------

def test_a_child_hidden_alone_is_derived_from_its_parent_and_siblings() -> None:
    # finest: three children; cells: parent, child a, child b, child c
    quantities = [[20, 3, 11], [6, 1, 4]]
    cells = [(0, 1, 2), (0,), (1,), (2,)]
    leaks = audit(quantities, cells, {2}, MIN_N)
    assert {(leak.cell, leak.quantity) for leak in leaks} == {(2, 0), (2, 1)}
    n_leak = next(leak for leak in leaks if leak.quantity == 0)
    assert n_leak.low == pytest.approx(3) and n_leak.high == pytest.approx(3)


def test_hiding_a_sibling_too_gives_the_protection_interval() -> None:
    quantities = [[20, 3, 11], [6, 1, 4]]
    cells = [(0, 1, 2), (0,), (1,), (2,)]
    assert audit(quantities, cells, {2, 3}, MIN_N) == []


def test_a_small_cell_left_published_is_a_leak() -> None:
    quantities = [[20, 3, 11], [6, 1, 4]]
    cells = [(0, 1, 2), (0,), (1,), (2,)]
    assert audit(quantities, cells, set(), MIN_N) == [Leak(2, 0, 3, 3)]


def _wave(structure: Hierarchy, people: dict[tuple[tuple[Hashable, ...], tuple[Hashable, ...]], tuple[int, int]]
          ) -> list[list[int]]:
    """Quantities [n, k] from {(leaf geo, categories): (n, k)}."""
    n = [0] * len(structure.finest)
    k = [0] * len(structure.finest)
    for (geo, categories), (count, big) in people.items():
        n[structure.index(geo, categories)] = count
        k[structure.index(geo, categories)] = big
    return [n, k]


def _suppressed_per_table(structure: Hierarchy, quantities: list[list[int]]) -> set[int]:
    """The old rule: each table (a relation: a total and its parts) suppressed on its own by `suppress_row`.
    A cell hidden in one table is still shown in another (an area's total heads its own tables)."""
    values = cell_values(quantities, structure.cells)
    shown: set[int] = set()
    for relation in structure.relations:
        row = suppress_row([values[c][0] for c in relation.children], MIN_N)
        shown |= {c for c, hidden in zip(relation.children, row.hidden, strict=True) if not hidden}
        if not row.total_hidden:
            shown.add(relation.parent)
    return set(range(len(structure.cells))) - shown


def test_the_issues_case_no_area_derived_from_municipality_minus_parent_area() -> None:
    """Wave 2026, "Störande grannar": whole municipality n 161, parent area 158, "no area" 3. Suppressed inside
    each table (the old way), "no area" is hidden in the municipality's area table, but the whole municipality's
    total and the parent area's own table give it back. The audit must find it; protect must close it."""
    structure = hierarchy_cells({"P": {"S1": {}, "S2": {}}}, {"gender": ("woman", "man")})
    quantities = _wave(structure, {
        (("P", "S1"), ("woman",)): (40, 12), (("P", "S1"), ("man",)): (38, 9),
        (("P", "S2"), ("woman",)): (36, 10), (("P", "S2"), ("man",)): (35, 8),
        (("P", REST), ("woman",)): (5, 1), (("P", REST), ("man",)): (4, 1),
        ((REST,), ("woman",)): (2, 1), ((REST,), ("man",)): (1, 1)})
    values = cell_values(quantities, structure.cells)
    position = {key: i for i, key in enumerate(structure.keys)}
    whole, parent, no_area = (position[CellKey(geo, None, None)] for geo in [(), ("P",), (REST,)])
    assert (values[whole][0], values[parent][0], values[no_area][0]) == (161, 158, 3)

    old_hidden = _suppressed_per_table(structure, quantities)
    assert no_area in old_hidden and whole not in old_hidden and parent not in old_hidden
    leaks = audit(quantities, structure.cells, old_hidden, MIN_N)
    derived = {(leak.cell, leak.quantity): (leak.low, leak.high) for leak in leaks}
    assert derived[(no_area, 0)] == pytest.approx((3, 3))  # 161 - 158
    assert derived[(no_area, 1)] == pytest.approx((2, 2))  # and their "big problem" count the same way

    hidden = protect(quantities, structure.cells, MIN_N, relations=structure.relations)
    assert no_area in hidden
    assert audit(quantities, structure.cells, hidden, MIN_N) == []
    assert whole not in hidden  # the municipality's total is not given up for it


def test_the_issues_case_sub_area_men_from_the_parent_view_minus_the_siblings() -> None:
    """"A sub-area's men cell = parent view's men cell - the sibling views' men cells": S1's men (3) are hidden
    in S1's own table, but the parent's gender table and S2's and S3's give them back."""
    structure = hierarchy_cells({"P": {"S1": {}, "S2": {}, "S3": {}}}, {"gender": ("woman", "man")}, rest=False)
    quantities = _wave(structure, {
        (("P", "S1"), ("woman",)): (30, 9), (("P", "S1"), ("man",)): (3, 2),
        (("P", "S2"), ("woman",)): (25, 8), (("P", "S2"), ("man",)): (22, 6),
        (("P", "S3"), ("woman",)): (18, 4), (("P", "S3"), ("man",)): (20, 7)})
    position = {key: i for i, key in enumerate(structure.keys)}
    s1_men = position[CellKey(("P", "S1"), "gender", "man")]
    old_hidden = _suppressed_per_table(structure, quantities)
    assert s1_men in old_hidden
    leaks = {(leak.cell, leak.quantity): (leak.low, leak.high)
             for leak in audit(quantities, structure.cells, old_hidden, MIN_N)}
    assert leaks[(s1_men, 0)] == pytest.approx((3, 3))  # 45 - 22 - 20
    assert leaks[(s1_men, 1)] == pytest.approx((2, 2))

    hidden = protect(quantities, structure.cells, MIN_N, relations=structure.relations)
    assert s1_men in hidden
    assert audit(quantities, structure.cells, hidden, MIN_N) == []


def test_a_small_group_that_all_answered_alike_is_derivable_though_its_parts_sizes_are_not() -> None:
    # parent = a + b + c; a (n 3) and b (n 4) hidden, c published: a + b = 7 respondents, k(a + b) = 5 - 5 = 0.
    quantities = [[3, 4, 13], [0, 0, 5]]
    cells = [(0, 1, 2), (0,), (1,), (2,)]
    leaks = audit(quantities, cells, {1, 2}, MIN_N)
    assert {(leak.cell, leak.quantity) for leak in leaks} == {(1, 1), (2, 1)}
    assert all(leak.high == 0 for leak in leaks)


def test_a_forced_cell_is_hidden_and_protected_like_a_primary_one() -> None:
    quantities = [[20, 30, 11], [6, 9, 4]]
    cells = [(0, 1, 2), (0,), (1,), (2,), ()]
    assert audit(quantities, cells, {2}, MIN_N) != []  # hidden alone, child b is parent minus a and c
    hidden = protect(quantities, cells, MIN_N, forced={2, 4})
    assert {2, 4} <= hidden and 0 not in hidden and len(hidden) == 3
    assert audit(quantities, cells, hidden, MIN_N) == []


def test_nothing_published_leaves_nothing_to_derive() -> None:
    quantities = [[3, 1], [1, 0]]
    cells = [(0, 1), (0,), (1,)]
    # Hiding only b: a (n 3) and the total (n 4) are left published, and b = total - a.
    assert {leak.cell for leak in audit(quantities, cells, {2}, MIN_N)} == {0, 1, 2}
    assert audit(quantities, cells, {0, 1, 2}, MIN_N) == []


def test_a_cell_no_published_figure_bounds_is_no_leak() -> None:
    # Finest b (n 2) is in no published cell: the hidden cells holding it can be anything above.
    quantities = [[30, 2], [10, 1]]
    cells = [(0, 1), (0,), (1,)]
    assert audit(quantities, cells, {0, 2}, MIN_N) == []


# --- the wave's structure -----------------------------------------------------------------------------------------

def test_hierarchy_publishes_every_unit_by_total_and_each_category() -> None:
    structure = hierarchy_cells({"A": {"A1": {}, "A2": {}}, "B": {}}, {"gender": ("w", "m"), "age": ("y", "o")})
    units = {key.geo for key in structure.keys}
    assert units == {(), ("A",), ("A", "A1"), ("A", "A2"), ("A", REST), ("B",), (REST,)}
    assert len(structure.cells) == len(units) * (1 + 2 + 2)
    assert len(structure.finest) == 5 * 4  # leaves A1, A2, A-rest, B, rest x 2 x 2
    position = {key: i for i, key in enumerate(structure.keys)}
    assert set(structure.cells[position[CellKey((), None, None)]]) == set(range(len(structure.finest)))


def test_rest_units_can_publish_their_total_only() -> None:
    structure = hierarchy_cells({"A": {"A1": {}, "A2": {}}, "B": {}}, {"gender": ("w", "m")}, rest_breakdowns=False)
    assert {key for key in structure.keys if key.geo in {(REST,), ("A", REST)}} == {
        CellKey(("A", REST), None, None), CellKey((REST,), None, None)}
    assert len(structure.cells) == 5 * 3 + 2
    assert all(structure.keys[c].breakdown is None for relation in structure.relations for c in relation.children
               if structure.keys[c].geo[-1:] == (REST,))


@given(st.data(), st.booleans())
@settings(max_examples=30, deadline=None, derandomize=True)
def test_every_relation_of_the_hierarchy_adds_up(data: st.DataObject, rest_breakdowns: bool) -> None:
    structure = hierarchy_cells({"A": {"A1": {}, "A2": {}}, "B": {}}, {"gender": ("w", "m", "x")},
                                rest_breakdowns=rest_breakdowns)
    n = data.draw(st.lists(st.integers(0, 9), min_size=len(structure.finest), max_size=len(structure.finest)))
    values = cell_values([n], structure.cells)
    for relation in structure.relations:
        assert values[relation.parent][0] == sum(values[c][0] for c in relation.children)
        children = [set(structure.cells[c]) for c in relation.children]
        assert set().union(*children) == set(structure.cells[relation.parent])
        assert sum(map(len, children)) == len(structure.cells[relation.parent])  # disjoint


# --- generated waves ----------------------------------------------------------------------------------------------

@st.composite
def waves(draw: st.DrawFn) -> tuple[Hierarchy, list[list[int]]]:
    """Small hierarchies (1-3 areas with 0-3 sub-areas), one or two sparse breakdowns, 1-2 quantities."""
    areas = draw(st.integers(1, 3))
    tree: GeoTree = {f"a{a}": {f"a{a}s{s}": {} for s in range(draw(st.integers(0, 3)))} for a in range(areas)}
    breakdowns: dict[str, Sequence[Hashable]] = {"gender": ("w", "m", "x")[:draw(st.integers(2, 3))]}
    if draw(st.booleans()):
        breakdowns["age"] = ("y", "o")
    structure = hierarchy_cells(tree, breakdowns, rest_breakdowns=draw(st.booleans()))
    size = len(structure.finest)
    # Sparse: mostly zeros and small counts, now and then a larger group.
    count = st.one_of(st.just(0), st.just(0), st.integers(1, 4), st.integers(5, 30))
    n = draw(st.lists(count, min_size=size, max_size=size))
    quantities = [n]
    if draw(st.booleans()):
        quantities.append([draw(st.integers(0, v)) for v in n])
    return structure, quantities


@given(waves())
@settings(max_examples=120, deadline=None, derandomize=True)
def test_protect_leaves_no_hidden_cell_derivable(wave: tuple[Hierarchy, list[list[int]]]) -> None:
    structure, quantities = wave
    hidden = protect(quantities, structure.cells, MIN_N, relations=structure.relations)
    assert primary(quantities, structure.cells, MIN_N) <= hidden
    assert audit(quantities, structure.cells, hidden, MIN_N) == []


@given(waves())
@settings(max_examples=40, deadline=None, derandomize=True)
def test_protect_without_the_relations_pass_is_safe_too(wave: tuple[Hierarchy, list[list[int]]]) -> None:
    structure, quantities = wave
    hidden = protect(quantities, structure.cells, MIN_N)
    assert primary(quantities, structure.cells, MIN_N) <= hidden
    assert audit(quantities, structure.cells, hidden, MIN_N) == []


@given(waves())
@settings(max_examples=120, deadline=None, derandomize=True)
def test_the_audit_catches_every_cell_hidden_alone_in_a_relation(wave: tuple[Hierarchy, list[list[int]]]) -> None:
    """Publishing everything but the primary cells: a primary cell that is the only hidden member of an additive
    relation is the parent minus the siblings (or the sum of the children), and the audit must say so."""
    structure, quantities = wave
    hidden = primary(quantities, structure.cells, MIN_N)
    values = cell_values(quantities, structure.cells)
    lone = {member for parent, children in structure.relations
            for member in [parent, *children] if member in hidden
            and len([m for m in [parent, *children] if m in hidden]) == 1}
    leaks = audit(quantities, structure.cells, hidden, MIN_N)
    derived = {leak.cell: leak for leak in leaks if leak.quantity == 0}
    assert lone <= set(derived)
    for cell in lone:
        assert derived[cell].low == pytest.approx(values[cell][0])
        assert derived[cell].high == pytest.approx(values[cell][0])
    assert all(math.isfinite(leak.high) for leak in leaks)
    # An attacker who knows k <= n in every finest cell learns at least what one who does not learns.
    loose = audit(quantities, structure.cells, hidden, MIN_N, nested=False)
    assert {(leak.cell, leak.quantity) for leak in loose} <= {(leak.cell, leak.quantity) for leak in leaks}
