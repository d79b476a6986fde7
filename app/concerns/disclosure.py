"""Disclosure control for the tables a wave publishes: which cells to hide, and an audit proving the rest is safe.
(One module above 500 lines on purpose: one algorithm whose rules, audit and search read best together.)

Pure: counts in, a hidden set and leaks out; no database, no web. The caller (the wave's published-set builder)
flattens a wave into *finest cells* (one per leaf geography unit x gender x age x ...) holding non-negative
integer counts, and describes every publishable cell as the tuple of finest cells it adds up. Several
*quantities* share that structure and one hidden pattern: quantity 0 is n (respondents who took a stand on the
item), quantities 1.. count subsets of those respondents (k = "big problem").

The rules, in plain words:

- **Primary cells** (`primary`, the only place these rules live): a group of 1 to min_n - 1 respondents, and a
  group of 1 to homogeneous_below - 1 respondents who all answered alike (k is 0 or k is n). A group of nobody
  (n = 0) is *not* hidden for its own sake: it tells nothing about any respondent, and hiding every empty
  combination of a sparse breakdown would force far more suppression for no protection. Zeros in the sensitive
  figure (k = 0 with n > 0) are what reveals something about people, and those are hidden below 10.
- **Audit** (`audit`): for every hidden cell, a linear programme finds the smallest and the largest value the
  cell can take over all non-negative finest vectors that reproduce every published cell exactly, with k <= n
  in every finest cell (what an attacker who adds and subtracts published figures, across levels and tables,
  can learn; the continuous bounds rounded inwards to whole people). The two must lie at least the protection
  interval apart (default: min_n). That holds for n of
  every hidden cell, complements included, and for k (quantities 1..) of the cells hidden for their own sake;
  a complement's own k would be safe to publish, it is hidden only so that others cannot be derived.
  The interval asked for is capped by what a published cell containing the hidden one already says: if the
  whole area's k is 2, nothing can make its sub-group's k less certain than 0..2, and that is no leak.
  A cell with no finest cells is structurally zero and is neither audited nor counted as a leak.
- **Complementary suppression** (`protect`): first a cheap pass over the known additive relations (a unit =
  its genders = its ages; a parent's cell = its children's same cells): no relation may have exactly one hidden
  member, the hidden children of a published parent must hold 0 or at least the protection in n, and, where one
  of them is hidden for its own sake, at least the protection in k (or all of the parent's k). Then, while the
  audit finds a leak, hide one more published cell for it: among the published cells that take part in
  deriving the leaking bound (the rows with a non-zero weight in the linear programme's dual solution: siblings
  in a parent's decomposition, overlapping cells of the other breakdown), the one with the smallest positive n,
  so totals of large groups are hidden last. Every round hides at least one more cell, and hiding everything
  leaves nothing to derive from, so it terminates.

Use (one item of a wave; every item has its own n and so its own hidden pattern):

    h = hierarchy_cells(tree, {"gender": GENDERS, "age": AGES})    # tree: {area: {sub_area: {}}}
    n[h.index(leaf_geo, (gender, age))] += 1 ...                     # leaf_geo e.g. (area, sub_area), (area, REST)
    hidden = protect([n, k], h.cells, min_n, relations=h.relations)
    if audit([n, k], h.cells, hidden, min_n): refuse to publish      # h.keys[c] says what cell c is

Linear programmes are solved with HiGHS (highspy), one model per connected group of finest cells, warm-started
between objectives (primal simplex, no presolve). Every optimum found is kept as a feasible point: hiding more
cells only drops equations, so those points stay feasible, and a hidden cell they already stretch by the
protection interval needs no linear programme of its own.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import product
from typing import Any, NamedTuple, TypeAlias

import highspy
import numpy as np
import numpy.typing as npt

INF = math.inf
# LP values are floats: a dual weight below this is zero, and a bound this close to a whole number is that number.
_TOLERANCE = 1e-6
_ROUNDING = 1e-4
# HiGHS reports anything at or beyond this as infinite.
_HUGE = 1e15
# How many feasible points each model keeps to skip linear programmes with.
_POOL = 256


class DisclosureError(Exception):
    """No safe hidden set could be found, or the published figures contradict each other."""


@dataclass(frozen=True)
class Leak:
    cell: int  # index into `cells`
    quantity: int  # index into `quantities`
    low: float  # smallest value consistent with everything published
    high: float  # largest (math.inf when unbounded)


def cell_values(quantities: Sequence[Sequence[int]], cells: Sequence[tuple[int, ...]]) -> list[list[int]]:
    """values[c][q]: quantity q summed over cell c's finest cells (what the cell would publish)."""
    _check(quantities, cells)
    return [[sum(quantity[i] for i in cell) for quantity in quantities] for cell in cells]


def primary(quantities: Sequence[Sequence[int]], cells: Sequence[tuple[int, ...]], min_n: int, *,
            homogeneous_below: int = 10) -> set[int]:
    """Cells that are disclosive on their own: 0 < n < min_n (quantity 0 is n), and cells with
    0 < n < homogeneous_below where everyone answered alike (k == 0 or k == n for a quantity k >= 1).

    An empty group (n == 0) is not primary: it reveals nothing about a respondent (see the module docstring).
    """
    hidden: set[int] = set()
    for index, values in enumerate(cell_values(quantities, cells)):
        n = values[0]
        if 0 < n < min_n or (0 < n < homogeneous_below and any(k in (0, n) for k in values[1:])):
            hidden.add(index)
    return hidden


def audit(quantities: Sequence[Sequence[int]], cells: Sequence[tuple[int, ...]], hidden: Collection[int],
          protection: int, *, nested: bool = True, homogeneous_below: int = 10) -> list[Leak]:
    """For each hidden cell and each quantity: min and max of the cell's value over all non-negative finest
    vectors that reproduce every published (not hidden) cell exactly (a linear programme); a Leak where
    high - low < protection (or less than a published cell containing it allows, see the module docstring).

    Quantity 0 (n) is checked for every hidden cell; quantities 1.. for the hidden cells that are disclosive
    on their own (`primary` with min_n = protection): a complement's own figures are safe to publish.
    A cell disclosive on its own that is not hidden at all is reported as a Leak with low == high.
    `nested`: quantities 1.. are subsets of quantity 0 in every finest cell (k <= n), which an attacker knows.
    """
    sensitive = primary(quantities, cells, protection, homogeneous_below=homogeneous_below)
    auditor = _Auditor(quantities, cells, hidden, nested=nested, sensitive=sensitive)
    # A cell disclosive on its own that is published anyway is known exactly: the plainest leak of all.
    shown = [Leak(cell, 0, auditor.values[cell][0], auditor.values[cell][0])
             for cell in sorted(sensitive - set(hidden))]
    return shown + [finding.leak for finding in auditor.findings(protection, auditor.hidden)]


def protect(quantities: Sequence[Sequence[int]], cells: Sequence[tuple[int, ...]], min_n: int, *,
            protection: int | None = None, forced: Collection[int] = (), homogeneous_below: int = 10,
            nested: bool = True, relations: Sequence[Relation] = ()) -> frozenset[int]:
    """The hidden set: primary cells (+ forced) and complementary cells added until `audit` finds no leak.
    Raises DisclosureError if it cannot (must never happen for real input: hiding everything always passes).

    `relations` (e.g. `Hierarchy.relations`): known additive relations, parent = sum of children. They only
    make it faster (a cheap first pass makes every relation safe on its own before the linear programmes run);
    the result is audited the same way with or without them.
    """
    protection = min_n if protection is None else protection
    start = primary(quantities, cells, min_n, homogeneous_below=homogeneous_below) | set(forced)
    sensitive = (primary(quantities, cells, protection, homogeneous_below=homogeneous_below)
                 | primary(quantities, cells, min_n, homogeneous_below=homogeneous_below) | set(forced))
    start = _relations_pass(cell_values(quantities, cells), relations, start, protection, sensitive)
    auditor = _Auditor(quantities, cells, start, nested=nested, sensitive=sensitive)
    to_check = set(auditor.hidden)
    # Each round hides at least one more cell, so there are at most len(cells) rounds.
    for _ in range(len(cells) + 1):
        findings = auditor.findings(protection, to_check)
        if not findings:
            return frozenset(auditor.hidden | start)  # start: also forced cells without finest cells
        chosen: set[int] = set()
        for finding in findings:
            if finding.via & chosen:
                continue  # a cell hidden this round already breaks this derivation; re-audit first
            choice = auditor.complement(finding)
            if choice is None:
                raise DisclosureError(f"cell {finding.leak.cell} cannot be protected: nothing left to hide")
            chosen.add(choice)
        auditor.hide(chosen)
        # A newly hidden cell can raise the interval its subsets need (their cap), so they are audited again.
        to_check = {f.leak.cell for f in findings} | chosen | auditor.subsets_of(chosen)
    raise DisclosureError("complementary suppression did not converge")


class Relation(NamedTuple):
    parent: int  # a cell ...
    children: tuple[int, ...]  # ... that is the sum of these disjoint cells


def _relations_pass(values: Sequence[Sequence[int]], relations: Sequence[Relation], hidden: set[int],
                    protection: int, sensitive: Collection[int]) -> set[int]:
    """Hide cells until no relation on its own gives a hidden cell away (the row rule of `suppression`,
    applied to every relation until nothing changes): no relation with exactly one hidden member; the hidden
    children of a published parent hold nothing or at least the protection; and where one of them is hidden for
    its own sake, they hold k of at least the protection (or all of the parent's k), so its k can move too."""
    hidden = set(hidden)

    def smallest(cells: Iterable[int], quantity: int) -> int | None:
        positive = [c for c in cells if c not in hidden and values[c][quantity] > 0]
        return min(positive, key=lambda c: (values[c][0], c)) if positive else None

    changed = True
    while changed:
        changed = False
        for parent, children in relations:
            hidden_children = [c for c in children if c in hidden]
            lone = len(hidden_children) + (parent in hidden) == 1
            short = parent not in hidden and 0 < sum(values[c][0] for c in hidden_children) < protection
            quantity = 0
            if not (lone or short) and parent not in hidden and any(c in sensitive for c in hidden_children):
                quantity = next((q for q in range(1, len(values[parent]))
                                 if sum(values[c][q] for c in hidden_children) < min(protection, values[parent][q])),
                                0)
            if not (lone or short or quantity):
                continue
            choice = smallest(children, quantity)
            if choice is None and parent not in hidden and not quantity:
                choice = parent
            if choice is not None:
                hidden.add(choice)
                changed = True
    return hidden


# --- the geography x breakdown structure a wave publishes ---------------------------------------------------

GeoTree: TypeAlias = Mapping[Any, "GeoTree"]  # area -> its sub-areas; keys: any hashable id
GeoPath: TypeAlias = tuple[Hashable, ...]
# The last element of a geography path that means "respondents of the parent with no (sub-)area".
REST = None


class CellKey(NamedTuple):
    geo: GeoPath  # () = the whole municipality; (area,), (area, sub_area), (REST,), (area, REST)
    breakdown: str | None  # None = the geo unit's total
    category: Hashable  # the breakdown's category (None for the total)


@dataclass(frozen=True)
class Hierarchy:
    cells: list[tuple[int, ...]]  # every published cell as the finest cells it adds up
    keys: list[CellKey]  # what each cell is, same order
    finest: list[tuple[GeoPath, tuple[Hashable, ...]]]  # each finest cell: (leaf geo path, one category each)
    relations: list[Relation]  # unit = its categories (per breakdown); unit's cell = its children's same cells
    _index: dict[tuple[GeoPath, tuple[Hashable, ...]], int] = field(repr=False, compare=False)

    def index(self, geo: GeoPath, categories: Sequence[Hashable]) -> int:
        """The finest index of a respondent in leaf unit `geo` with these categories (breakdowns' order)."""
        return self._index[(geo, tuple(categories))]


def hierarchy_cells(tree: GeoTree, breakdowns: Mapping[str, Sequence[Hashable]], *,
                    rest: bool = True, rest_breakdowns: bool = True) -> Hierarchy:
    """The cells a wave publishes: every geography unit x {total, each category of each breakdown}.

    `tree` maps each area to its sub-areas ({} for none) below the municipality (the root, path ()). With
    `rest`, every unit that has children also has a leaf unit REST for its respondents without a (sub-)area,
    published like any other unit; a parent's decomposition by its children is then the children's and REST's
    totals, so it needs no cells of its own. Finest cells are the leaf units x every combination of categories.
    Without `rest_breakdowns`, REST units publish their total only (they are small: mostly primary cells).
    """
    leaves: list[GeoPath] = []
    units: list[tuple[GeoPath, list[GeoPath]]] = []  # each unit with the leaves below it

    def walk(path: GeoPath, children: GeoTree) -> list[GeoPath]:
        below: list[GeoPath] = []
        if not children:
            leaves.append(path)
            below = [path]
        else:
            for child, grandchildren in children.items():
                below += walk((*path, child), grandchildren)
            if rest:
                leaves.append((*path, REST))
                units.append(((*path, REST), [(*path, REST)]))
                below.append((*path, REST))
        units.append((path, below))
        return below

    walk((), tree)
    names = list(breakdowns)
    combos = list(product(*(breakdowns[name] for name in names)))
    finest = [(leaf, combo) for leaf in leaves for combo in combos]
    index = {key: i for i, key in enumerate(finest)}
    cells: list[tuple[int, ...]] = []
    keys: list[CellKey] = []
    # Municipality first, then areas, then sub-areas, each level in the tree's order (REST last).
    for path, below in sorted(units, key=lambda unit: len(unit[0])):
        members = [index[(leaf, combo)] for leaf in below for combo in combos]
        cells.append(tuple(sorted(members)))
        keys.append(CellKey(path, None, None))
        if path and path[-1] is REST and not rest_breakdowns:
            continue
        for position, name in enumerate(names):
            for category in breakdowns[name]:
                cells.append(tuple(sorted(index[(leaf, combo)] for leaf in below for combo in combos
                                          if combo[position] == category)))
                keys.append(CellKey(path, name, category))
    position_of = {key: i for i, key in enumerate(keys)}
    broken_down = {key.geo for key in keys if key.breakdown is not None}
    relations: list[Relation] = []
    slots: list[tuple[str | None, Hashable]] = [(None, None)]
    slots += [(name, category) for name in names for category in breakdowns[name]]
    for path, _ in units:
        if path in broken_down:
            for name in names:
                relations.append(Relation(position_of[CellKey(path, None, None)],
                                          tuple(position_of[CellKey(path, name, c)] for c in breakdowns[name])))
        children = [key.geo for key in keys if len(key.geo) == len(path) + 1 and key.geo[:len(path)] == path
                    and key.breakdown is None]
        for slot, category in slots if children else []:
            parts = [CellKey(child, slot, category) for child in children]
            if all(part in position_of for part in parts):  # without REST's breakdowns: totals only
                relations.append(Relation(position_of[CellKey(path, slot, category)],
                                          tuple(position_of[part] for part in parts)))
    return Hierarchy(cells=cells, keys=keys, finest=finest, relations=relations, _index=index)


# --- the linear programmes ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Finding:
    leak: Leak
    via: frozenset[int]  # published cells that take part in deriving the too-narrow bound


class _Component:
    """One HiGHS model over a connected group of finest cells and the published cells inside it."""

    def __init__(self, finest: list[int], rows: list[int], cells: Sequence[tuple[int, ...]],
                 values: Sequence[Sequence[int]], counts: Sequence[Sequence[int]], nested: bool) -> None:
        quantities = len(counts)
        self.local = {f: i for i, f in enumerate(finest)}
        self.size = len(finest)
        self.rows = rows  # published cell per row block
        self.quantities = quantities
        self.row_of: dict[int, int] = {}
        starts = [0]
        indices: list[int] = []
        weights: list[float] = []
        lower: list[float] = []
        upper: list[float] = []
        for q in range(quantities):
            for cell in rows:
                self.row_of.setdefault(cell, len(lower))
                indices += [q * self.size + self.local[f] for f in cells[cell]]
                weights += [1.0] * len(cells[cell])
                starts.append(len(indices))
                lower.append(float(values[cell][q]))
                upper.append(float(values[cell][q]))
        self.published_rows = len(lower)
        if nested:
            for q in range(1, quantities):  # k <= n in every finest cell
                for i in range(self.size):
                    indices += [q * self.size + i, i]
                    weights += [1.0, -1.0]
                    starts.append(len(indices))
                    lower.append(-highspy.kHighsInf)
                    upper.append(0.0)
        columns = quantities * self.size
        lp = highspy.HighsLp()
        lp.num_col_ = columns
        lp.num_row_ = len(lower)
        lp.col_cost_ = np.zeros(columns)
        lp.col_lower_ = np.zeros(columns)
        lp.col_upper_ = np.full(columns, highspy.kHighsInf)
        lp.row_lower_ = np.array(lower)
        lp.row_upper_ = np.array(upper)
        lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
        lp.a_matrix_.start_ = np.array(starts, dtype=np.int32)
        lp.a_matrix_.index_ = np.array(indices, dtype=np.int32)
        lp.a_matrix_.value_ = np.array(weights)
        self.highs = highspy.Highs()  # type: ignore[no-untyped-call]  # highspy leaves __init__ unannotated
        self.highs.silent()
        # Only the objective changes between solves: primal simplex from the last basis takes a few iterations.
        self.highs.setOptionValue("presolve", "off")
        self.highs.setOptionValue("simplex_strategy", 4)
        self.highs.passModel(lp)
        self.objective: npt.NDArray[np.int32] = np.zeros(0, dtype=np.int32)
        # Feasible points seen so far (the true counts, then every LP optimum): hiding more cells only relaxes
        # the equations, so they stay feasible, and a cell they already stretch wide enough needs no LP.
        self.pool = np.zeros((_POOL, columns))
        self.pool_size = 0
        self.pool_next = 0
        self.remember(np.array([counts[q][f] for q in range(quantities) for f in finest], dtype=float))

    def remember(self, point: npt.NDArray[np.float64]) -> None:
        self.pool[self.pool_next] = point
        self.pool_next = (self.pool_next + 1) % _POOL  # a ring: the newest points, bounded memory
        self.pool_size = min(self.pool_size + 1, _POOL)

    def seen(self, finest: Iterable[int], quantity: int) -> tuple[float, float]:
        """The smallest and largest value of the quantity over `finest` among the feasible points seen."""
        sums = self.pool[:self.pool_size, self._columns(finest, quantity)].sum(axis=1)
        return float(sums.min()), float(sums.max())

    def _columns(self, finest: Iterable[int], quantity: int) -> npt.NDArray[np.int32]:
        return np.array(sorted(quantity * self.size + self.local[f] for f in finest), dtype=np.int32)

    def release(self, cell: int) -> None:
        """The cell is hidden now: its equations no longer bind."""
        first = self.row_of.get(cell)
        if first is None:
            return
        for q in range(self.quantities):
            self.highs.changeRowBounds(first + q * len(self.rows), -highspy.kHighsInf, highspy.kHighsInf)

    def bound(self, finest: Iterable[int], quantity: int, maximise: bool) -> tuple[float, set[int]]:
        """The min or max of the quantity summed over `finest` (all inside this component), and the published
        cells whose equations carry weight in the proof of that bound (their dual values)."""
        columns = self._columns(finest, quantity)
        if len(self.objective):
            self.highs.changeColsCost(len(self.objective), self.objective, np.zeros(len(self.objective)))
        self.highs.changeColsCost(len(columns), columns, np.ones(len(columns)))
        self.objective = columns
        sense = highspy.ObjSense.kMaximize if maximise else highspy.ObjSense.kMinimize
        self.highs.changeObjectiveSense(sense)
        self.highs.run()
        status = self.highs.getModelStatus()
        if status in (highspy.HighsModelStatus.kUnbounded, highspy.HighsModelStatus.kUnboundedOrInfeasible):
            return (INF if maximise else -INF), set()
        if status != highspy.HighsModelStatus.kOptimal:
            raise DisclosureError(f"the published figures admit no solution ({self.highs.modelStatusToString(status)})")
        value = float(self.highs.getInfo().objective_function_value)
        solution = self.highs.getSolution()
        self.remember(np.asarray(solution.col_value, dtype=float))
        duals = solution.row_dual
        via = {self.rows[row % len(self.rows)] for row in range(self.published_rows) if abs(duals[row]) > _TOLERANCE}
        return (INF if value >= _HUGE else value), via


class _Auditor:
    """The audit's state: published cells, hidden cells and one LP per connected group of finest cells."""

    def __init__(self, quantities: Sequence[Sequence[int]], cells: Sequence[tuple[int, ...]],
                 hidden: Collection[int], *, nested: bool, sensitive: Collection[int]) -> None:
        self.cells = [tuple(sorted(set(cell))) for cell in cells]
        self.sets = [frozenset(cell) for cell in self.cells]
        self.supersets: dict[int, list[int]] = {}
        self.values = cell_values(quantities, self.cells)
        self.counts = quantities
        self.quantities = len(quantities)
        if nested and any(k > n for quantity in quantities[1:] for k, n in zip(quantity, quantities[0], strict=True)):
            raise ValueError("a nested quantity exceeds quantity 0 in some finest cell")
        if any(not 0 <= cell < len(cells) for cell in hidden):
            raise ValueError("a hidden cell index is out of range")
        self.hidden = {cell for cell in hidden if self.cells[cell]}
        published = [c for c in range(len(cells)) if c not in self.hidden and self.cells[c]]
        # Connected groups of finest cells, linked by the published cells (union-find).
        parent = list(range(len(quantities[0]) if quantities else 0))

        def find(i: int) -> int:
            while parent[i] != i:
                parent[i] = parent[parent[i]]
                i = parent[i]
            return i

        for c in published:
            first = find(self.cells[c][0])
            for f in self.cells[c][1:]:
                root = find(f)
                if root != first:
                    parent[root] = first
        self.covered = {f for c in published for f in self.cells[c]}
        self.group: dict[int, int] = {f: find(f) for f in self.covered}
        self.members: dict[int, list[int]] = {}
        for f in sorted(self.covered):
            self.members.setdefault(self.group[f], []).append(f)
        self.rows: dict[int, list[int]] = {}
        for c in published:
            self.rows.setdefault(self.group[self.cells[c][0]], []).append(c)
        self.published = set(published)
        self.nested = nested
        self.sensitive = set(sensitive)  # cells whose quantities 1.. need the protection too
        self.models: dict[int, _Component] = {}

    def model(self, group: int) -> _Component:
        if group not in self.models:
            rows = [c for c in self.rows[group] if c in self.published]  # cells hidden since count no more
            self.models[group] = _Component(self.members[group], rows, self.cells, self.values,
                                            self.counts, self.nested)
        return self.models[group]

    def hide(self, cells: Iterable[int]) -> None:
        for cell in cells:
            if not self.cells[cell]:
                continue
            self.hidden.add(cell)
            if cell in self.published:
                self.published.discard(cell)
                model = self.models.get(self.group[self.cells[cell][0]])
                if model is not None:
                    model.release(cell)

    def subsets_of(self, cells: Iterable[int]) -> set[int]:
        wider = [self.sets[c] for c in cells]
        return {h for h in self.hidden if any(self.sets[h] <= w for w in wider)}

    def needed(self, cell: int, quantity: int, protection: int) -> float:
        """The interval a hidden cell needs: the protection, or less if a published cell containing it is
        itself that certain (it tells 0..its value about every part of it)."""
        if cell not in self.supersets:
            mine = self.sets[cell]
            self.supersets[cell] = [p for p in range(len(self.cells)) if p != cell and mine <= self.sets[p]]
        caps = [self.values[p][quantity] for p in self.supersets[cell] if p in self.published]
        return float(min([protection, *caps]))

    def findings(self, protection: int, cells: Iterable[int]) -> list[_Finding]:
        found: list[_Finding] = []
        for cell in sorted(c for c in cells if c in self.hidden):
            finest = self.cells[cell]
            if any(f not in self.covered for f in finest):
                continue  # a finest cell no published figure mentions: unbounded above, nothing to derive
            by_group: dict[int, list[int]] = {}
            for f in finest:
                by_group.setdefault(self.group[f], []).append(f)
            for quantity in range(self.quantities):
                if quantity and cell not in self.sensitive:
                    continue  # a complement's own k is publishable: it is hidden only to protect other cells
                need = self.needed(cell, quantity, protection)
                if need <= 0:
                    continue
                true = self.values[cell][quantity]
                seen = [self.model(group).seen(part, quantity) for group, part in by_group.items()]
                if _span(sum(low for low, _ in seen), sum(high for _, high in seen)) >= need:
                    continue  # feasible points already seen stretch it that far: no LP needed
                high, via = self._sum(by_group, quantity, maximise=True)
                if _span(true, high) >= need:
                    continue  # low <= true, so the interval is wide enough without solving for low
                low, via_low = self._sum(by_group, quantity, maximise=False)
                if _span(low, high) < need:
                    found.append(_Finding(Leak(cell, quantity, low, high), frozenset(via | via_low)))
        return found

    def _sum(self, by_group: dict[int, list[int]], quantity: int, *, maximise: bool) -> tuple[float, set[int]]:
        total = 0.0
        via: set[int] = set()
        for group, finest in by_group.items():
            value, rows = self.model(group).bound(finest, quantity, maximise)
            total += value
            via |= rows
            if math.isinf(total):
                break
        return total, via

    def complement(self, finding: _Finding) -> int | None:
        """The published cell to hide for a leak: the smallest positive n among those deriving it."""
        candidates = [c for c in finding.via if c in self.published]
        if not candidates:  # no dual weights (should not happen): any published cell overlapping the leak's group
            groups = {self.group[f] for f in self.cells[finding.leak.cell] if f in self.group}
            candidates = [c for g in groups for c in self.rows.get(g, []) if c in self.published]
        if not candidates:
            return None
        return min(candidates, key=lambda c: (self.values[c][0] == 0, self.values[c][0], len(self.cells[c]), c))


def _span(low: float, high: float) -> float:
    """How many whole values apart the bounds are: counts are whole people, so an attacker rounds the
    continuous bounds inwards (2.5..7.5 means 3..7); the tolerance absorbs the solver's float error."""
    if math.isinf(high):
        return INF
    return math.floor(high + _ROUNDING) - math.ceil(low - _ROUNDING)


def _check(quantities: Sequence[Sequence[int]], cells: Sequence[tuple[int, ...]]) -> None:
    if not quantities:
        raise ValueError("at least one quantity (n) is needed")
    size = len(quantities[0])
    if any(len(quantity) != size for quantity in quantities):
        raise ValueError("every quantity needs one count per finest cell")
    if any(value < 0 for quantity in quantities for value in quantity):
        raise ValueError("counts are non-negative")
    if any(not 0 <= f < size for cell in cells for f in cell):
        raise ValueError("a cell names a finest cell that does not exist")
