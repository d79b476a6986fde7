"""SQL aggregation on both databases: GROUP BY counts shaped into suppressed tables."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import Session

from app.concerns import dashboard, published
from app.errors import NotFound
from tests import factories
from tests.concerns import factories as cf


def _row(area_id: int, problems: dict[str, str], **extra: Any) -> dict[str, Any]:
    return {"area_id": area_id, "problems": problems, **extra}


@pytest.fixture
def world(db: Session) -> dict[str, Any]:
    town = factories.municipality(db)
    north = factories.area(db, town, "Norr", population=2000)
    south = factories.area(db, town, "Söder", population=500)
    wave1 = cf.survey(db, town, [north, south], items=("speeding", "littering"), wave=1)
    wave2 = cf.survey(db, town, [north, south], items=("speeding", "littering"), wave=2)
    # Wave 1: speeding 10 of 20 big in the north.
    cf.add_responses(db, wave1, [_row(north.id or 0, {"speeding": "very_big" if i < 10 else "no_problem",
                                                      "littering": "fairly_small"}) for i in range(20)])
    # Wave 2: north 18 answers, south 3 (too few); speeding big for 16 of 21, littering big for 2 of 21.
    rows = [_row(north.id or 0, {"speeding": "very_big" if i < 14 else "fairly_small",
                                 "littering": "fairly_big" if i < 2 else "no_problem"},
                 gender="woman" if i < 10 else "man", channel="web" if i < 12 else "paper",
                 unsafe="very_unsafe" if i < 6 else "fairly_safe") for i in range(18)]
    rows += [_row(south.id or 0, {"speeding": "very_big", "littering": "dont_know"}, gender="other",
                  channel="web", unsafe="not_out_fear") for _ in range(3)]
    cf.add_responses(db, wave2, rows)
    db.commit()
    return {"town": town, "north": north, "south": south, "wave1": wave1, "wave2": wave2}


def test_ranked_concerns_are_counted_in_sql(db: Session, world: dict[str, Any]) -> None:
    board = dashboard.dashboard(db, world["town"], world["wave2"].id, None)
    assert board.total_responses == 21
    top = board.concerns[0]
    assert (top.item_code, top.rank, top.cell.n) == ("speeding", 1, 21)
    assert top.cell.share == pytest.approx(17 / 21)
    assert top.change is not None and top.change.significant  # 50 % -> 81 %
    assert board.previous_wave == 1
    littering = board.concerns[1]
    assert littering.cell.n == 18  # don't know excluded
    assert littering.cell.share == pytest.approx(2 / 18)


def test_breakdowns_hide_small_groups_and_a_neighbour(db: Session, world: dict[str, Any]) -> None:
    board = dashboard.dashboard(db, world["town"], world["wave2"].id, None)
    gender = next(b for b in board.breakdowns if b.kind == "Kön")
    speeding = next(r for r in gender.rows if r.item_code == "speeding")
    cells = dict(zip(gender.groups, speeding.cells, strict=True))
    assert cells["other"].hidden and cells["other"].share is None  # 3 answers
    assert cells["man"].hidden  # secondary: 21 - 10 would reveal "other" otherwise
    assert not cells["woman"].hidden and cells["woman"].n == 10


def test_responses_by_area_and_channel_are_suppressed(db: Session, world: dict[str, Any]) -> None:
    board = dashboard.dashboard(db, world["town"], world["wave2"].id, None)
    table = board.responses
    south = table.areas.index(published.node_key(world["south"].id))
    assert table.area_totals[south] is None
    assert all(v is None or v == 0 for v in table.cells[south])
    north = table.areas.index(published.node_key(world["north"].id))
    # Complementary: 21 in all minus the north's 18 would give the south's 3, so the north's total is hidden too.
    assert table.total == 21 and table.area_totals[north] is None and table.rates[north] is None


def test_unsafe_share_by_area(db: Session, world: dict[str, Any]) -> None:
    board = dashboard.dashboard(db, world["town"], world["wave2"].id, None)
    assert board.unsafe is not None and board.unsafe.share == pytest.approx(9 / 21)
    by_area = {r.group: r.cell for r in board.unsafe_rows}
    assert by_area[published.node_key(world["south"].id)].hidden


def test_area_filter_counts_only_that_area(db: Session, world: dict[str, Any]) -> None:
    board = dashboard.dashboard(db, world["town"], world["wave2"].id, world["north"].id)
    # The north's 18 are hidden: the whole municipality's 21 minus 18 would give the south's 3 (one hidden set).
    assert board.total_responses is None
    cells = {r.item_code: r.cell.n for r in board.concerns}
    assert cells == {"speeding": None, "littering": 18}  # the south's 3 said "don't know" to littering
    assert not board.empty


def test_trend_lists_every_wave(db: Session, world: dict[str, Any]) -> None:
    board = dashboard.dashboard(db, world["town"], world["wave2"].id, None)
    assert board.trend_waves == [1, 2]
    speeding = next(r for r in board.trend if r.item_code == "speeding")
    assert [c.share for c in speeding.cells] == [pytest.approx(0.5), pytest.approx(17 / 21)]


def test_unknown_wave_or_area_or_other_municipality_is_not_found(db: Session, world: dict[str, Any]) -> None:
    other = factories.municipality(db)
    with pytest.raises(NotFound):
        dashboard.dashboard(db, world["town"], 999_999, None)
    with pytest.raises(NotFound):
        dashboard.dashboard(db, other, world["wave2"].id, None)
    with pytest.raises(NotFound):
        dashboard.dashboard(db, world["town"], world["wave2"].id, 999_999)


def test_wave_without_answers_is_empty_not_an_error(db: Session, world: dict[str, Any]) -> None:
    empty = cf.survey(db, world["town"], [world["north"]], series_id="annan", wave=1)
    board = dashboard.dashboard(db, world["town"], empty.id, None)
    assert board.empty
    assert all(r.cell.hidden for r in board.concerns)
