"""The wave's published set, tried as an attacker would: differencing across levels, before/after a submission,
small counts in text, the pledge figure on n = 2, and a build whose audit finds a leak (SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import Session, col, select

from app.concerns import dashboard, disclosure, published, queries
from app.models import Area, Municipality, Role
from app.models.concerns import PublishedSet
from app.models.surveys import Survey, SurveyStatus
from tests import factories
from tests.concerns import factories as cf
from tests.conftest import CheckedClient


def _api(client: CheckedClient, slug: str, wave: int, area: int | None = None) -> dict[str, Any]:
    url = f"/api/v1/concerns?municipality={slug}&wave={wave}" + (f"&area={area}" if area else "")
    response = client.get(url)
    assert response.status_code == 200, response.text
    return dict(response.json())


def _derivable(client: CheckedClient, slug: str, survey: Survey, areas: list[Area], min_n: int) -> list[str]:
    """The attacker's script: read the API for the whole municipality and every area without logging in, then
    subtract along the hierarchy (municipality = areas + "no area"; an area = its sub-areas + "no sub-area").
    Returns every hidden or unpublished group whose n or k comes out as an exact small number."""
    views: dict[int | None, dict[str, Any]] = {None: _api(client, slug, survey.id or 0)}
    views.update({a.id: _api(client, slug, survey.id or 0, a.id) for a in areas})
    found: list[str] = []
    def nk(view: dict[str, Any], item: str) -> tuple[int, int] | None:
        row = next(c for c in view["concerns"] if c["item_code"] == item)
        return None if row["n"] is None else (row["n"], round(row["share"] * row["n"]) if row["share"] else 0)

    for item in [c["item_code"] for c in views[None]["concerns"]]:
        tops = [a for a in areas if a.parent_id is None]
        families = [(None, tops, "no area")] + [(a.id, [s for s in areas if s.parent_id == a.id], f"{a.name} itself")
                                                for a in tops]
        for parent, children, rest in families:
            whole = nk(views[parent], item)
            if whole is None or (parent is not None and not children):
                continue
            parts = [nk(views[c.id], item) for c in children]
            hidden = [c for c, p in zip(children, parts, strict=True) if p is None]
            known = [p for p in parts if p is not None]
            residue = (whole[0] - sum(p[0] for p in known), whole[1] - sum(p[1] for p in known))
            if not hidden and 0 < residue[0] < min_n:
                found.append(f"{item}: {rest} n={residue[0]}")  # the rest (never published itself) is exact
            # One hidden child and an empty rest: the child's figures come out exactly.
            if len(hidden) == 1 and 0 < residue[0] < min_n:
                found.append(f"{item}: {hidden[0].name} n<={residue[0]}")
    return found


@pytest.fixture
def demo_2026(db: Session) -> dict[str, Any]:
    """The demo municipality with its 2026 wave closed (the issue's case: "Störande grannar", the whole
    municipality n 161, the parent area n 158, so 3 without a sub-area)."""
    from app import demo

    demo.load(db)
    town = db.exec(select(Municipality).where(Municipality.slug == demo.DEMO_SLUG)).one()
    survey = db.exec(select(Survey).where(Survey.municipality_id == town.id, Survey.wave == 2)).one()
    survey.status = SurveyStatus.closed
    db.add(survey)
    db.commit()
    areas = list(db.exec(select(Area).where(Area.municipality_id == town.id)).all())
    return {"town": town, "survey": survey, "areas": areas}


def test_no_hidden_cell_comes_out_of_the_api_by_differencing(client: CheckedClient, db: Session,
                                                            demo_2026: dict[str, Any]) -> None:
    town, survey, areas = demo_2026["town"], demo_2026["survey"], demo_2026["areas"]
    assert _derivable(client, town.slug, survey, areas, queries.min_n()) == []
    whole = _api(client, town.slug, survey.id)
    neighbours = next(c for c in whole["concerns"] if c["item_code"] == "neighbours")
    parents = [a for a in areas if any(s.parent_id == a.id for s in areas)]
    for parent in parents:
        view = _api(client, town.slug, survey.id, parent.id)
        row = next(c for c in view["concerns"] if c["item_code"] == "neighbours")
        if neighbours["n"] is not None and row["n"] is not None:
            assert not 0 < neighbours["n"] - row["n"] < queries.min_n()  # was 161 - 158 = 3


def test_everything_the_wave_publishes_passes_the_audit(db: Session, demo_2026: dict[str, Any]) -> None:
    """The LP audit over the whole stored set: every hidden cell of every item has a protection interval."""
    survey = demo_2026["survey"]
    found = published.for_public(db, survey)
    assert found is not None and found.audience == published.PUBLIC
    counts = published.finest(db, survey)
    st = counts.structure
    assert set(found.payload["tables"]) == set(counts.items) and len(counts.items) > 10
    for item, table in found.payload["tables"].items():
        hidden = {c for c, keys in enumerate(st.keys) if table[keys[0]] is None}
        n, k, _score = published.item_vectors(st, counts.per_item.get(item, {}), unsafe=item == published.UNSAFE)
        assert disclosure.audit([n, k], st.cells, hidden, queries.min_n()) == [], item
        assert disclosure.primary([n, k], st.cells, queries.min_n()) <= hidden, item
    rst = counts.responses_structure
    hidden = {c for c, keys in enumerate(rst.keys)
              if found.payload["responses"][keys[0].replace("|gender:", "|channel:")] is None}
    assert disclosure.audit([counts.responses], rst.cells, hidden, queries.min_n()) == []


def test_a_leaking_set_is_never_stored(db: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    """If protection misses a leak, the re-run audit stops the build: nothing is stored or published."""
    town = factories.municipality(db)
    north, south = factories.area(db, town, "Norr"), factories.area(db, town, "Söder")
    info = cf.survey(db, town, [north, south], items=("speeding",))
    cf.add_responses(db, info, [{"area_id": north.id, "problems": {"speeding": "very_big" if i % 2 else "no_problem"}}
                                for i in range(20)] + [{"area_id": south.id, "problems": {"speeding": "very_big"}}] * 3)
    info.survey.status = SurveyStatus.closed
    db.commit()
    # Primary suppression only: the south's 3 come out as 23 - 20.
    monkeypatch.setattr(disclosure, "protect", lambda q, cells, min_n, **kw: frozenset(
        disclosure.primary(q, cells, min_n)))
    with pytest.raises(published.PublicationFailed):
        published.for_public(db, info.survey)
    db.rollback()
    assert db.exec(select(PublishedSet).where(col(PublishedSet.survey_id) == info.id)).first() is None


@pytest.fixture
def open_wave(db: Session) -> dict[str, Any]:
    town = factories.municipality(db, slug="oppen")
    north, south = factories.area(db, town, "Norr"), factories.area(db, town, "Söder")
    info = cf.survey(db, town, [north, south], items=("speeding", "littering"))
    cf.add_responses(db, info, cf.uniform_rows([north.id or 0, south.id or 0], 15, items=("speeding", "littering")))
    viewer = factories.staff(db, town, Role.viewer)
    db.commit()
    return {"town": town, "info": info, "north": north, "viewer": viewer}


def _ranking(html: str) -> str:
    return html.split('id="ranking-caption"', 1)[1].split("</table>", 1)[0]


def test_before_and_after_one_submission_nothing_changes(client: CheckedClient, db: Session,
                                                         open_wave: dict[str, Any]) -> None:
    """Read the public API and the staff dashboard of an open wave, let one resident answer, read again."""
    info, town = open_wave["info"], open_wave["town"]
    url = f"/api/v1/concerns?municipality={town.slug}&wave={info.id}"
    before_api = client.get(url)
    assert before_api.status_code == 409  # no distributions before the wave closes
    assert before_api.headers["content-type"].startswith("application/problem+json")
    assert "stängts" in before_api.json()["detail"]
    client.login(open_wave["viewer"])
    page = f"/staff/m/{town.slug}/concerns?wave={info.id}"
    before = client.get(page)
    assert before.status_code == 200 and "ögonblicksbild" in before.text
    cf.add_responses(db, info, [{"area_id": open_wave["north"].id, "channel": "web",
                                 "problems": {"speeding": "very_big", "littering": "very_big"}, "gender": "other",
                                 "age": "75+", "unsafe": "very_unsafe"}])
    db.commit()
    after = client.get(page)
    assert _ranking(after.text) == _ranking(before.text)
    assert client.get(url).json() == before_api.json()
    board = dashboard.dashboard(db, town, info.id, None)
    assert board.snapshot and board.live_responses == 31  # staff see the live count, not a new distribution


def test_small_counts_are_never_printed(client: CheckedClient, db: Session) -> None:
    """'Solhöjden. 3 svar.' in the header, and a footer total that gives a hidden area's total away."""
    town = factories.municipality(db, slug="liten")
    big, small = factories.area(db, town, "Storby"), factories.area(db, town, "Solhöjden")
    info = cf.survey(db, town, [big, small], items=("speeding",))
    cf.add_responses(db, info, [{"area_id": big.id, "channel": "web" if i % 3 else "paper",
                                 "problems": {"speeding": "very_big" if i % 2 else "no_problem"}} for i in range(24)]
                     + [{"area_id": small.id, "channel": "web", "problems": {"speeding": "fairly_big"}}] * 3)
    info.survey.status = SurveyStatus.closed
    viewer = factories.staff(db, town, Role.viewer)
    db.commit()
    client.login(viewer)
    for path in ("", "/report"):
        html = client.get(f"/staff/m/{town.slug}/concerns{path}?wave={info.id}&area={small.id}").text
        lead = html.split('class="lead"', 1)[1].split("</p>", 1)[0]
        assert "3 svar" not in lead and "Färre än 5 svar" in lead
    html = client.get(f"/staff/m/{town.slug}/concerns?wave={info.id}").text
    table = html.split('id="responses-title"', 1)[1].split("</table>", 1)[0]
    footer = table.split("<tfoot>", 1)[1]
    assert "<td>27</td>" in footer  # the whole municipality's total is published...
    storby = next(row for row in table.split("<tr>") if "Storby" in row)
    assert "<td>24</td>" not in storby  # ...so Storby's 24 is not: 27 - 24 would be Solhöjden's 3
    rt = dashboard.dashboard(db, town, info.id, None).responses
    shown = [t for t in rt.area_totals if t is not None]
    assert rt.total - sum(shown) >= queries.min_n()  # the footer minus the rows is no small group


def test_a_closed_wave_is_rebuilt_when_its_responses_change(db: Session, open_wave: dict[str, Any]) -> None:
    """A paper import into a closed wave: the next read publishes a set based on the new responses."""
    info = open_wave["info"]
    info.survey.status = SurveyStatus.closed
    db.commit()
    first = published.for_public(db, info.survey)
    assert first is not None and first.responses == 30
    cf.add_responses(db, info, cf.uniform_rows([open_wave["north"].id or 0], 5, seed=3, items=("speeding",)))
    db.commit()
    second = published.for_public(db, info.survey)
    assert second is not None and second.responses == 35
    assert published.for_public(db, info.survey) == second  # unchanged responses: the stored set is reused


def test_the_open_wave_snapshot_is_rebuilt_once_a_day(db: Session, open_wave: dict[str, Any],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from datetime import timedelta

    from app import clock

    info = open_wave["info"]
    assert published.for_public(db, info.survey) is None  # nothing public while open
    first = published.for_staff(db, info.survey)
    assert first is not None and first.audience == published.STAFF and first.responses == 30
    cf.add_responses(db, info, cf.uniform_rows([open_wave["north"].id or 0], 5, seed=3, items=("speeding",)))
    db.commit()
    assert published.for_staff(db, info.survey) == first  # the same day: the same snapshot
    tomorrow = clock.now() + timedelta(days=1)
    monkeypatch.setattr(clock, "now", lambda: tomorrow)
    monkeypatch.setattr(clock, "today", lambda: tomorrow.date())
    later = published.for_staff(db, info.survey)
    assert later is not None and later.responses == 35 and later.built_at == tomorrow


def test_structure_publishes_every_node_and_breakdown_once() -> None:
    """Municipality -> area 1 (sub-areas 2, 3) and area 4; "no area" and area 1's "no sub-area" are nodes too."""
    geo = published.geography([(1, None), (2, 1), (3, 1), (4, None)])
    assert geo.children[published.ALL] == ("a:1", "a:4", "none")
    assert geo.children["a:1"] == ("a:2", "a:3", "own:1")
    st = published.structure(geo, ["woman", "man"], ["16-24"])
    names = {name for keys in st.keys for name in keys}
    assert {"all|total", "none|total", "own:1|total", "a:2|age:16-24", "a:4|gender:"} <= names
    assert not {"none|age:16-24", "own:1|gender:man"} & names  # the rest units publish their total only
    assert len(st.finest) == 5 * 3 * 2  # leaves "" 1 2 3 4 x genders (+ not stated) x ages (+ not stated)
    # A cell published under two names is one cell: area 4 has no sub-areas, so nothing is duplicated for it,
    # but "all|total" is the sum of its genders, of its ages and of its child areas.
    total = next(c for c, keys in enumerate(st.keys) if "all|total" in keys)
    parts = [r.children for r in st.relations if r.parent == total]
    assert len(parts) == 3 and all(sorted(i for c in kids for i in st.cells[c]) == list(st.cells[total])
                                   for kids in parts)
