"""Published tables for pages, exports and the API, shaped from a wave's published set (app/concerns/published.py,
where the hidden cells are chosen once for the whole wave) and the places table (its own per-place rule).

Pure: published cells in, dataclasses out. A hidden figure is `None` with `hidden=True` ("too few answers").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from app.concerns import stats
from app.concerns.suppression import suppress_row

Counts = Mapping[str, int]


@dataclass(frozen=True)
class Cell:
    """One published share: None everywhere when hidden."""

    n: int | None
    share: float | None
    low: float | None
    high: float | None
    hidden: bool

    @classmethod
    def of(cls, share: stats.Share, hidden: bool) -> Cell:
        if hidden or share.n == 0:
            return cls(n=None if hidden else 0, share=None, low=None, high=None, hidden=hidden)
        return cls(n=share.n, share=share.share, low=share.low, high=share.high, hidden=False)


@dataclass(frozen=True)
class ConcernRow:
    item_code: str
    label: str
    rank: int | None
    cell: Cell
    mean: float | None
    previous: Cell | None = None
    change: stats.Change | None = None


@dataclass(frozen=True)
class BreakdownRow:
    item_code: str
    label: str
    cells: tuple[Cell, ...]


@dataclass(frozen=True)
class Breakdown:
    """Big-problem share per item (rows) and group (columns): gender, age band or sub-area."""

    kind: str
    groups: tuple[str, ...]
    group_labels: tuple[str, ...]
    rows: tuple[BreakdownRow, ...]


@dataclass(frozen=True)
class UnsafeRow:
    group: str
    label: str
    cell: Cell


@dataclass(frozen=True)
class ResponsesTable:
    """Responses per area (rows) and channel (columns), with the area's population where entered."""

    channels: tuple[str, ...]
    channel_labels: tuple[str, ...]
    areas: tuple[str, ...]
    area_labels: tuple[str, ...]
    cells: tuple[tuple[int | None, ...], ...]  # None = too few answers
    area_totals: tuple[int | None, ...]
    channel_totals: tuple[int | None, ...]
    total: int
    populations: tuple[int | None, ...]
    rates: tuple[float | None, ...]  # responses per 1,000 inhabitants


@dataclass(frozen=True)
class TrendRow:
    item_code: str
    label: str
    cells: tuple[Cell, ...]  # one per wave, oldest first


@dataclass(frozen=True)
class PlaceRow:
    key: str
    label: str
    count: int
    by_time: tuple[int | None, ...]  # None = too few answers
    lat: float | None = None
    lon: float | None = None
    observations: int = 0


@dataclass
class Hotspots:
    times: tuple[str, ...]
    rows: list[PlaceRow] = field(default_factory=list)
    hidden_places: int = 0  # places named by fewer than min_n answers, not listed one by one


def hotspots(places: Mapping[str, Counts], place_labels: Mapping[str, str], times: Sequence[str], min_n: int,
             positions: Mapping[str, tuple[float, float]] | None = None,
             observations: Mapping[str, int] | None = None, top: int = 10) -> Hotspots:
    """Places ranked by how many answers named them, with a suppressed breakdown by time of day.

    `places`: place key -> time of day ("" when not given) -> n. A place named by fewer than min_n answers is
    counted in `hidden_places` only. Walk observations are staff records, not residents' answers: not suppressed.
    """
    result = Hotspots(times=tuple(times))
    ranked = sorted(places.items(), key=lambda kv: (-sum(kv[1].values()), kv[0]))
    for key, by_time in ranked:
        total = sum(by_time.values())
        if total < min_n:
            result.hidden_places += 1
            continue
        counts = [by_time.get(t, 0) for t in (*times, "")]
        hidden = suppress_row(counts, min_n).hidden
        lat, lon = (positions or {}).get(key, (None, None))
        result.rows.append(PlaceRow(key=key, label=place_labels.get(key, key), count=total,
                                    by_time=tuple(None if h else c for c, h in zip(counts, hidden, strict=True)),
                                    lat=lat, lon=lon, observations=(observations or {}).get(key, 0)))
    result.rows = result.rows[:top]
    return result


# --- tables from a wave's published set (cells already protected by app/concerns/published.py) --------------

Stored = Sequence[int] | None  # [n, k, score sum] of a published cell; None = hidden ("too few answers")


def cell_of(value: Stored) -> Cell:
    """A published cell as shown: hidden stays hidden, n = 0 shows no share."""
    if value is None:
        return Cell(n=None, share=None, low=None, high=None, hidden=True)
    return Cell.of(stats.Share.of(int(value[1]), int(value[0])), False)


def mean_of(value: Stored) -> float | None:
    if value is None or len(value) < 3 or not value[0]:
        return None
    return int(value[2]) / int(value[0])


def ranked_cells(cells: Mapping[str, Stored], labels: Mapping[str, str],
                 previous: Mapping[str, Stored] | None = None) -> list[ConcernRow]:
    """Items ranked by big-problem share (ties: mean, then lower bound); hidden or empty items last, unranked.

    Ranks are given among published items only, so a rank never hints at a hidden share.
    """
    shown = [(item, v) for item, v in cells.items() if v is not None and v[0] > 0]

    def key(entry: tuple[str, Sequence[int]]) -> tuple[float, float, float, str]:
        item, v = entry
        share = stats.Share.of(int(v[1]), int(v[0]))
        return (-(share.share or 0.0), -(mean_of(v) or 0.0), -(share.low or 0.0), item)

    rows: list[ConcernRow] = []
    last: tuple[float | None, float | None] | None = None
    for index, (item, v) in enumerate(sorted(shown, key=key)):
        share = stats.Share.of(int(v[1]), int(v[0]))
        rank = rows[-1].rank if rows and last == (share.share, mean_of(v)) else index + 1
        last = (share.share, mean_of(v))
        before = (previous or {}).get(item)
        change = None
        if before is not None and before[0] > 0:
            change = stats.two_proportion_test(int(before[1]), int(before[0]), share.k, share.n)
        rows.append(ConcernRow(item_code=item, label=labels.get(item, item), rank=rank, cell=cell_of(v),
                               mean=mean_of(v), previous=cell_of(before) if before is not None else None,
                               change=change))
    listed = {r.item_code for r in rows}
    for item in [*labels, *sorted(cells)]:
        if item not in listed:
            listed.add(item)
            rows.append(ConcernRow(item_code=item, label=labels.get(item, item), rank=None,
                                   cell=Cell(n=None, share=None, low=None, high=None, hidden=True), mean=None))
    return rows


def breakdown_cells(kind: str, groups: Sequence[str], group_labels: Mapping[str, str],
                    cells: Mapping[str, Mapping[str, Stored]], labels: Mapping[str, str]) -> Breakdown:
    """`cells`: item -> group -> published cell. Hidden cells were chosen for the whole wave at once."""
    rows = tuple(BreakdownRow(item_code=item, label=labels[item],
                              cells=tuple(cell_of(cells.get(item, {}).get(g)) for g in groups)) for item in labels)
    return Breakdown(kind=kind, groups=tuple(groups), group_labels=tuple(group_labels.get(g, g) for g in groups),
                     rows=rows)


def trend_cells(per_wave: Sequence[Mapping[str, Stored]], labels: Mapping[str, str]) -> list[TrendRow]:
    """Big-problem share per item and wave, each wave's cell from its own published set."""
    return [TrendRow(item_code=item, label=labels[item], cells=tuple(cell_of(w.get(item)) for w in per_wave))
            for item in labels]


def responses_cells(node: str, rows: Sequence[str], channels: Sequence[str],
                    cell: Callable[[str, str | None], int | None], area_labels: Mapping[str, str],
                    channel_labels: Mapping[str, str],
                    populations: Mapping[str, int | None]) -> ResponsesTable:
    """Responses of `node` per child area (`rows`) and channel as published; `cell(node, channel)` gives a published
    count (channel None = all channels), None when hidden, so no footer gives a hidden total away."""
    cells = tuple(tuple(cell(r, c) for c in channels) for r in rows)
    area_totals = tuple(cell(r, None) for r in rows)
    pops = tuple(populations.get(r) for r in rows)
    rates = tuple(None if t is None or not p else round(1000 * t / p, 1)
                  for t, p in zip(area_totals, pops, strict=True))
    return ResponsesTable(channels=tuple(channels), channel_labels=tuple(channel_labels.get(c, c) for c in channels),
                          areas=tuple(rows), area_labels=tuple(area_labels.get(r, r) for r in rows), cells=cells,
                          area_totals=area_totals, channel_totals=tuple(cell(node, c) for c in channels),
                          total=cell(node, None) or 0, populations=pops, rates=rates)
