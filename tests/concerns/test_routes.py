"""Staff pages, exports and the API of the concerns domain (run on SQLite and PostgreSQL)."""

from __future__ import annotations

import io
from typing import Any

import pytest
from openpyxl import load_workbook  # type: ignore[import-untyped]
from sqlmodel import Session, col, select

from app.audit import Action
from app.models import AuditLog, Role
from app.models.concerns import AnswerTheme, ConcernPriority, CrimeStatistic, ThemeTerm
from app.models.surveys import Answer, SurveyStatus
from tests import factories
from tests.concerns import factories as cf
from tests.conftest import CheckedClient


@pytest.fixture
def world(db: Session) -> dict[str, Any]:
    town = factories.municipality(db, slug="sjostad")
    north = factories.area(db, town, "Norr", population=2000)
    south = factories.area(db, town, "Söder", population=500)
    empty = cf.survey(db, town, [north], series_id="tom", wave=1, title="Tom enkät")
    info = cf.survey(db, town, [north, south], items=("speeding", "littering", "graffiti"))
    rows: list[dict[str, Any]] = [
        {"area_id": north.id, "channel": "web" if i % 3 else "paper", "gender": "woman" if i % 2 else "man",
         "problems": {"speeding": "very_big" if i < 12 else "no_problem", "littering": "fairly_big",
                      "graffiti": "dont_know" if i > 2 else "no_problem"},
         "unsafe": "very_unsafe" if i < 5 else "fairly_safe",
         "place": ("station", None, None, "evening") if i < 8 else (None, 59.37, 16.54, "night"),
         "text": "Ring Anna Svensson på 070-123 45 67, det är mörkt vid stationen" if i < 6 else None}
        for i in range(20)]
    rows += [{"area_id": south.id, "channel": "web", "gender": "other",
              "problems": {"speeding": "very_big", "littering": "no_problem"}} for _ in range(2)]
    cf.add_responses(db, info, rows)
    info.survey.status = SurveyStatus.closed  # results (themes, places, the API) are published once a wave closes
    admin = factories.staff(db, town, Role.admin)
    viewer = factories.staff(db, town, Role.viewer)
    db.commit()
    return {"town": town, "north": north, "south": south, "info": info, "empty": empty, "admin": admin,
            "viewer": viewer, "base": f"/staff/m/{town.slug}/concerns"}


def test_dashboard_shows_ranked_concerns_and_suppressed_cells(client: CheckedClient, world: dict[str, Any]) -> None:
    client.login(world["viewer"])
    response = client.get(f"{world['base']}?wave={world['info'].id}")
    assert response.status_code == 200
    html = response.text
    assert "Rangordnade problem" in html
    table = html.split('id="ranking-caption"', 1)[1].split("</table>", 1)[0]
    assert table.index("Littering") < table.index("Speeding") < table.index("Graffiti")
    assert "för få svar" in html  # graffiti has 3 answers; the south sub-area has 2
    assert "070-123" not in html and "Anna Svensson" not in html  # masked quotes only
    assert "[telefon]" in html
    assert 'name="items"' not in html  # a viewer may not choose priorities
    assert "/assets/plotly.min.js" in html


def test_dashboard_works_without_a_wave_parameter(client: CheckedClient, world: dict[str, Any]) -> None:
    client.login(world["viewer"])
    response = client.get(world["base"])
    assert response.status_code == 200
    assert 'selected>' in response.text


def test_wave_without_answers_shows_an_empty_state(client: CheckedClient, world: dict[str, Any]) -> None:
    client.login(world["viewer"])
    response = client.get(f"{world['base']}?wave={world['empty'].id}")
    assert response.status_code == 200
    assert "har inga svar ännu" in response.text


@pytest.mark.parametrize("query", ["wave=999999", "wave=abc", "area=999999", "wave={wave}&area=999999"])
def test_unknown_wave_or_area_is_a_404_page(client: CheckedClient, world: dict[str, Any], query: str) -> None:
    client.login(world["viewer"])
    response = client.get(f"{world['base']}?{query.format(wave=world['info'].id)}")
    assert response.status_code == 404
    assert "Sidan hittades inte" in response.text


def test_wave_of_another_municipality_is_not_found(client: CheckedClient, world: dict[str, Any],
                                                   db: Session) -> None:
    other = factories.municipality(db)
    foreign = cf.survey(db, other, [])
    db.commit()
    client.login(world["viewer"])
    assert client.get(f"{world['base']}?wave={foreign.id}").status_code == 404


def test_xlsx_export_has_every_table_and_no_small_cells(client: CheckedClient, world: dict[str, Any]) -> None:
    client.login(world["viewer"])
    response = client.get(f"{world['base']}/export.xlsx?wave={world['info'].id}")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    assert {"concerns", "trend", "responses", "themes", "hotspots", "crime"} <= set(book.sheetnames)
    rows = list(book["concerns"].iter_rows(values_only=True))
    graffiti = next(r for r in rows if r[1] == "Graffiti")
    assert graffiti[2] == "för få svar" and graffiti[5] == "för få svar"


def test_csv_export_per_table(client: CheckedClient, world: dict[str, Any]) -> None:
    client.login(world["viewer"])
    response = client.get(f"{world['base']}/export/responses.csv?wave={world['info'].id}")
    assert response.status_code == 200
    text = response.content.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("Område;")
    south = next(line for line in text.splitlines() if line.startswith("Söder"))
    assert "för få svar" in south and ";2;" not in south
    assert client.get(f"{world['base']}/export/nope.csv?wave={world['info'].id}").status_code == 404


def test_report_page_describes_the_method(client: CheckedClient, world: dict[str, Any]) -> None:
    client.login(world["viewer"])
    response = client.get(f"{world['base']}/report?wave={world['info'].id}")
    assert response.status_code == 200
    assert "Metod" in response.text and "Wilson" in response.text
    assert "<form" not in response.text.split("<main", 1)[1]


def test_choosing_priorities_snapshots_the_numbers(client: CheckedClient, world: dict[str, Any],
                                                   db: Session) -> None:
    client.login(world["admin"])
    response = client.post_form(f"{world['base']}/priorities", {"wave": str(world["info"].id), "area": "",
                                                                  "items": ["speeding", "littering"]})
    assert response.status_code == 303
    saved = db.exec(select(ConcernPriority).where(col(ConcernPriority.survey_id) == world["info"].id)
                    .order_by(col(ConcernPriority.position))).all()
    assert [p.item_code for p in saved] == ["speeding", "littering"]
    assert saved[0].n == 22 and saved[0].share == pytest.approx(14 / 22)
    assert saved[0].low is not None and saved[0].high is not None
    assert db.exec(select(AuditLog).where(AuditLog.action == Action.CONCERN_PRIORITY_SAVE)).first() is not None


def test_one_priority_is_too_few(client: CheckedClient, world: dict[str, Any], db: Session) -> None:
    client.login(world["admin"])
    response = client.post_form(f"{world['base']}/priorities", {"wave": str(world["info"].id),
                                                                  "items": ["speeding"]})
    assert response.status_code == 303
    assert db.exec(select(ConcernPriority)).first() is None
    assert "mellan 2 och 4" in client.get(response.headers["location"]).text


def test_crime_upload_is_all_or_nothing_and_names_bad_rows(client: CheckedClient, world: dict[str, Any],
                                                            db: Session) -> None:
    client.login(world["admin"])
    bad = "område;brottskategori;period;antal\nNorr;Skadegörelse;2025;12\nOkänd;Rån;2025;3\nNorr;Rån;20x5;-1\n"
    response = client.post(f"{world['base']}/crime", data={"csrf_token": client.csrf()},
                           files={"file": ("brott.csv", bad.encode(), "text/csv")})
    assert response.status_code == 400
    assert "Rad 3" in response.text and "Rad 4" in response.text
    assert db.exec(select(CrimeStatistic)).first() is None
    good = f"område;brottskategori;period;antal\nNorr;Skadegörelse;2025;12\n{world['south'].slug};Rån;2025-Q3;3\n"
    response = client.post(f"{world['base']}/crime", data={"csrf_token": client.csrf()},
                           files={"file": ("brott.csv", good.encode(), "text/csv")}, follow_redirects=False)
    assert response.status_code == 303
    assert len(db.exec(select(CrimeStatistic)).all()) == 2
    page = client.get(f"{world['base']}?wave={world['info'].id}").text
    assert "Skadegörelse" in page and "2025-Q3" in page


def test_staff_add_a_term_and_retag_an_answer(client: CheckedClient, world: dict[str, Any], db: Session) -> None:
    client.login(world["admin"])
    response = client.post_form(f"{world['base']}/terms", {"term": "Gatlyktorna", "theme": "item:dark_places",
                                                            "wave": str(world["info"].id)})
    assert response.status_code == 303
    term = db.exec(select(ThemeTerm)).one()
    assert term.stem == "gatlykt"  # "-orna" stripped
    answer_id = db.exec(select(Answer.id).where(col(Answer.value_text).is_not(None))).first()
    response = client.post_form(f"{world['base']}/answers/{answer_id}/themes", {"themes": ["item:littering"]})
    assert response.status_code == 303
    assert [t.theme for t in db.exec(select(AnswerTheme)).all()] == ["item:littering"]
    page = client.get(f"{world['base']}/themes?wave={world['info'].id}").text
    assert "[namn]" in page and "Anna Svensson" not in page


def test_bad_term_is_a_form_error(client: CheckedClient, world: dict[str, Any]) -> None:
    client.login(world["admin"])
    response = client.post_form(f"{world['base']}/terms", {"term": "", "theme": "nope"})
    assert response.status_code == 400
    assert 'href="#term"' in response.text


def test_api_returns_ranked_suppressed_figures(client: CheckedClient, world: dict[str, Any]) -> None:
    response = client.get(f"/api/v1/concerns?municipality=sjostad&wave={world['info'].id}")
    assert response.status_code == 200
    data = response.json()
    assert data["concerns"][0]["item_code"] == "littering" and data["concerns"][0]["rank"] == 1
    graffiti = next(c for c in data["concerns"] if c["item_code"] == "graffiti")
    assert graffiti["suppressed"] and graffiti["share"] is None and graffiti["n"] is None
    assert client.get("/api/v1/concerns?municipality=sjostad&wave=999999").status_code == 404
    assert client.get(f"/api/v1/concerns?municipality=nowhere&wave={world['info'].id}").status_code == 404
    area = client.get(f"/api/v1/concerns?municipality=sjostad&wave={world['info'].id}&area={world['south'].id}")
    assert all(c["suppressed"] for c in area.json()["concerns"])


def test_plotly_is_served_from_the_package_with_a_long_cache(client: CheckedClient) -> None:
    response = client.get("/assets/plotly.min.js?v=1")
    assert response.status_code == 200
    assert "immutable" in response.headers["cache-control"]
    assert response.headers["content-type"].startswith("text/javascript")
    assert len(response.content) > 1_000_000
