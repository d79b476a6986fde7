"""Responses for staff: counts by day, channel and area; CSV/XLSX exports, one row per response, free text
masked, no formulas; scoped to the municipality."""

from __future__ import annotations

import csv
import io
from datetime import date

from openpyxl import load_workbook  # type: ignore[import-untyped]
from sqlmodel import Session

from app.models import Municipality, Role
from app.models.surveys import Channel, Survey
from app.surveys import exports, service
from tests import factories
from tests.conftest import CheckedClient
from tests.surveys.factories import standard_survey

ANSWERS = {"unsafe_evening": "fairly_unsafe", "consequences": ["other_route", "avoided_activity"],
           "problems": {"littering": "very_big", "speeding": "dont_know"}, "priorities": ["dark_places", "littering"],
           "safety_score": 6, "suggestion": "Ring Anna Svensson på 070-123 45 67 eller anna@example.se",
           "relation": ["lives"]}


def seed(db: Session) -> tuple[Municipality, Survey, service.Questionnaire]:
    municipality = factories.municipality(db)
    survey = standard_survey(db, municipality)
    questionnaire = service.load_questionnaire(db, survey)
    norr = f"area:norr-{municipality.id}"
    service.store_response(db, questionnaire, {**ANSWERS, "subarea": norr}, channel=Channel.web, language="sv",
                           submitted_on=date(2026, 11, 20))
    service.store_response(db, questionnaire, {**ANSWERS, "suggestion": "=HYPERLINK(\"http://x\")"},
                           channel=Channel.paper, language="en", submitted_on=date(2026, 11, 21))
    service.store_response(db, questionnaire, {"unsafe_evening": "very_safe", "subarea": norr},
                           channel=Channel.web, language="sv", submitted_on=date(2026, 11, 21))
    db.commit()
    return municipality, survey, questionnaire


def test_counts_by_day_channel_and_area(db: Session) -> None:
    _m, survey, _q = seed(db)
    counts = exports.counts(db, survey)
    assert counts.total == 3
    assert counts.by_day == [(date(2026, 11, 20), 1), (date(2026, 11, 21), 2)]
    assert counts.by_channel == [("paper", 1), ("web", 2)]
    assert dict(counts.by_area) == {"Norr": 2, None: 1}


def test_responses_page_shows_counts(client: CheckedClient, db: Session) -> None:
    municipality, survey, _q = seed(db)
    user = factories.staff(db, municipality, Role.viewer)
    client.login(user)
    page = client.get(f"/staff/m/{municipality.slug}/surveys/{survey.id}/responses")
    assert page.status_code == 200
    assert "3 svar" in page.text and "Papper" in page.text and "Norr" in page.text and "2026-11-21" in page.text


def test_csv_export_has_one_row_per_response_with_masked_text(client: CheckedClient, db: Session) -> None:
    municipality, survey, _q = seed(db)
    client.login(factories.staff(db, municipality, Role.viewer))
    response = client.get(f"/staff/m/{municipality.slug}/surveys/{survey.id}/responses.csv")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(table) == 3
    first = table[0]
    assert first["response"] == "1" and first["date"] == "2026-11-20" and first["channel"] == "web"
    assert first["area"] == f"norr-{municipality.id}"
    assert first["consequences"] == "other_route;avoided_activity"
    assert first["problems:littering"] == "very_big" and first["problems:dark_places"] == ""
    assert first["priorities:1"] == "dark_places" and first["safety_score"] == "6"
    text = first["suggestion"]
    assert "Anna" not in text and "070" not in text and "@" not in text and "[telefon]" in text
    assert table[1]["suggestion"].startswith("'=")
    assert "id" not in first


def test_xlsx_export_matches_the_csv(client: CheckedClient, db: Session) -> None:
    municipality, survey, _q = seed(db)
    client.login(factories.staff(db, municipality, Role.viewer))
    response = client.get(f"/staff/m/{municipality.slug}/surveys/{survey.id}/responses.xlsx")
    rows = list(load_workbook(io.BytesIO(response.content)).worksheets[0].iter_rows(values_only=True))
    assert len(rows) == 4 and rows[0][:3] == ("response", "date", "channel")
    assert "[namn]" in str(rows[1][rows[0].index("suggestion")])


def test_exports_are_scoped_to_the_municipality(client: CheckedClient, db: Session) -> None:
    _m, survey, _q = seed(db)
    other = factories.municipality(db)
    client.login(factories.staff(db, other, Role.admin))
    for path in ("responses", "responses.csv", "responses.xlsx", "paper-template.csv"):
        assert client.get(f"/staff/m/{other.slug}/surveys/{survey.id}/{path}").status_code == 404


def test_unknown_survey_is_a_404_page(client: CheckedClient, db: Session) -> None:
    municipality = factories.municipality(db)
    client.login(factories.staff(db, municipality, Role.viewer))
    page = client.get(f"/staff/m/{municipality.slug}/surveys/987654/responses")
    assert page.status_code == 404 and "text/html" in page.headers["content-type"]


def test_safe_cell_keeps_numbers_and_escapes_formulas() -> None:
    assert exports.safe_cell("-3") == "-3" and exports.safe_cell("@SUM(A1)") == "'@SUM(A1)"
    assert exports.safe_cell("+46 70") == "'+46 70" and exports.safe_cell("hej") == "hej"
