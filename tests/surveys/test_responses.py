"""Responses for staff: counts by day, channel and area; CSV/XLSX exports, one row per response, free text
masked, no formulas; scoped to the municipality."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from openpyxl import load_workbook  # type: ignore[import-untyped]
from sqlmodel import Session, col, select

from app.audit import Action
from app.config import get_settings
from app.models import AuditLog, Municipality, Role
from app.models.surveys import Channel, Survey
from app.surveys import anonymity, answering, exports, questionnaires
from tests import factories
from tests.conftest import CheckedClient
from tests.surveys.factories import standard_survey

ANSWERS = {"unsafe_evening": "fairly_unsafe", "consequences": ["other_route", "avoided_activity"],
           "problems": {"littering": "very_big", "speeding": "dont_know"}, "priorities": ["dark_places", "littering"],
           "safety_score": 6, "suggestion": "Ring Anna Svensson på 070-123 45 67 eller anna@example.se",
           "relation": ["lives"]}


def seed(db: Session) -> tuple[Municipality, Survey, questionnaires.Questionnaire]:
    municipality = factories.municipality(db)
    survey = standard_survey(db, municipality)
    questionnaire = questionnaires.load_questionnaire(db, survey)
    norr = f"area:norr-{municipality.id}"
    answering.store_response(db, questionnaire, {**ANSWERS, "subarea": norr}, channel=Channel.web, language="sv",
                           submitted_on=date(2026, 11, 20))
    answering.store_response(db, questionnaire, {**ANSWERS, "suggestion": "=HYPERLINK(\"http://x\")"},
                           channel=Channel.paper, language="en", submitted_on=date(2026, 11, 21))
    answering.store_response(db, questionnaire, {"unsafe_evening": "very_safe", "subarea": norr},
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
    user = factories.staff(db, municipality, Role.coordinator)
    client.login(user)
    page = client.get(f"/staff/m/{municipality.slug}/surveys/{survey.id}/responses")
    assert page.status_code == 200
    assert "3 svar" in page.text and "Papper" in page.text and "2026-11-21" in page.text
    # Norr has 2 respondents: fewer than 5, so it is pooled with "not given" rather than shown by name
    assert "Norr" not in page.text
    assert "<th scope=\"row\">Övriga områden eller inget område angivet</th><td>3</td>" in page.text


def test_csv_export_has_one_row_per_response_with_masked_text(client: CheckedClient, db: Session,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(get_settings(), "suppression_min_n", 1)  # three rows: shown as they are
    municipality, survey, _q = seed(db)
    client.login(factories.staff(db, municipality, Role.coordinator))
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
    client.login(factories.staff(db, municipality, Role.admin))
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
    client.login(factories.staff(db, municipality, Role.coordinator))
    page = client.get(f"/staff/m/{municipality.slug}/surveys/987654/responses")
    assert page.status_code == 404 and "text/html" in page.headers["content-type"]


def test_safe_cell_keeps_numbers_and_escapes_formulas() -> None:
    assert exports.safe_cell("-3") == "-3" and exports.safe_cell("@SUM(A1)") == "'@SUM(A1)"
    assert exports.safe_cell("+46 70") == "'+46 70" and exports.safe_cell("hej") == "hej"


# --- respondent-level data: who may see it, the audit trail, and no rare combinations --------------------------


@pytest.mark.parametrize("role", [Role.police, Role.partner, Role.viewer])
def test_roles_without_respondent_data_get_a_403_page(client: CheckedClient, db: Session, role: Role) -> None:
    """The attack: a partner or viewer downloads every respondent's row. Now a 403 error page, and no link."""
    municipality, survey, _q = seed(db)
    client.login(factories.staff(db, municipality, role))
    base = f"/staff/m/{municipality.slug}/surveys/{survey.id}"
    for path in ("responses", "responses.csv", "responses.xlsx"):
        response = client.get(f"{base}/{path}")
        assert response.status_code == 403 and response.headers["content-type"].startswith("text/html"), path
        assert "Norr" not in response.text and "HYPERLINK" not in response.text
    assert f'href="{base}/responses"' not in client.get(base).text
    assert not db.exec(select(AuditLog).where(AuditLog.action == Action.SURVEY_EXPORT_RESPONSES)).all()


@pytest.mark.parametrize("role", [Role.admin, Role.coordinator])
def test_every_export_is_audited_with_its_row_count(client: CheckedClient, db: Session, role: Role) -> None:
    municipality, survey, _q = seed(db)
    user = factories.staff(db, municipality, role)
    client.login(user)
    base = f"/staff/m/{municipality.slug}/surveys/{survey.id}"
    assert f'href="{base}/responses"' in client.get(base).text
    for kind in ("csv", "xlsx"):
        assert client.get(f"{base}/responses.{kind}").status_code == 200
    exported = AuditLog.action == Action.SURVEY_EXPORT_RESPONSES
    logged = db.exec(select(AuditLog).where(exported).order_by(col(AuditLog.id))).all()
    assert [(e.actor_id, e.entity_id, e.municipality_id, e.after) for e in logged] == [
        (user.id, survey.id, municipality.id, {"format": "csv", "rows": 3}),
        (user.id, survey.id, municipality.id, {"format": "xlsx", "rows": 3})]
    assert all(e.at is not None for e in logged)


def _background(table: list[dict[str, str]]) -> list[tuple[str, ...]]:
    return [(r["area"], r["age"], r["gender"], r["subarea"], r["years"], r["relation"]) for r in table]


def test_a_rare_combination_of_background_answers_is_not_exported(client: CheckedClient, db: Session) -> None:
    """The attack: the one respondent aged 75+ of gender "other" in Norr is recognisable in the raw export (and
    linkable to a letter code). Now that combination is not in any export; every combination shown has 5+ rows."""
    municipality = factories.municipality(db)
    survey = standard_survey(db, municipality)
    questionnaire = questionnaires.load_questionnaire(db, survey)
    norr = f"area:norr-{municipality.id}"
    common = {"unsafe_evening": "fairly_safe", "age": "35-44", "gender": "woman", "subarea": norr,
              "years": "gt10", "relation": ["lives"]}
    for _ in range(6):
        answering.store_response(db, questionnaire, common, channel=Channel.web, language="sv",
                               submitted_on=date(2026, 11, 20))
    answering.store_response(db, questionnaire, {**common, "age": "75+", "gender": "other",
                                               "suggestion": "Mörkt vid Björkvägen"},
                           channel=Channel.web, language="sv", submitted_on=date(2026, 11, 20))
    db.commit()
    client.login(factories.staff(db, municipality, Role.coordinator))
    base = f"/staff/m/{municipality.slug}/surveys/{survey.id}"
    assert "minst 5 svarande" in client.get(f"{base}/responses").text  # said above the exports
    table = list(csv.DictReader(io.StringIO(client.get(f"{base}/responses.csv").content.decode("utf-8-sig"))))
    assert len(table) == 7
    assert all(r["age"] != "75+" and r["gender"] != "other" for r in table)
    assert anonymity.is_k_anonymous(_background(table), 5)
    assert _background(table).count((f"norr-{municipality.id}", "35-44", "woman", norr, "gt10", "lives")) == 6
    assert "Mörkt vid Björkvägen" in [r["suggestion"] for r in table]  # answers themselves stay
    sheet = load_workbook(io.BytesIO(client.get(f"{base}/responses.xlsx").content)).worksheets[0]
    cells = {str(c) for row in sheet.iter_rows(values_only=True) for c in row}
    assert "75+" not in cells and "other" not in cells


def test_k_anonymise_blanks_the_rarest_values_first() -> None:
    rows = [["norr", "35-44", "woman"]] * 5 + [["norr", "75+", "other"], ["norr", "35-44", "man"]]
    safe = anonymity.k_anonymise(rows, 5)
    assert safe[:5] == [["norr", "35-44", "woman"]] * 5
    assert safe[5] == ["", "", ""] and safe[6] == ["", "", ""]  # two rare rows: nothing they share reaches 5
    assert anonymity.is_k_anonymous(safe, 5) and not anonymity.is_k_anonymous(rows, 5)


def test_k_anonymise_keeps_what_enough_respondents_share() -> None:
    rows = [["norr", "35-44"]] * 5 + [["norr", ""]] * 4 + [["norr", "75+"]] + [["soder", "75+"]] * 5
    # the 75+ in Norr joins the four in Norr who gave no age; the five in Söder aged 75+ stay as they are
    assert anonymity.k_anonymise(rows, 5) == [["norr", "35-44"]] * 5 + [["norr", ""]] * 5 + [["soder", "75+"]] * 5
    assert anonymity.k_anonymise(rows, 1) == rows and anonymity.k_anonymise([], 5) == []
    assert anonymity.k_anonymise([["", ""], ["a", ""]], 2) == [["", ""], ["", ""]]  # blanks show nothing


def test_areas_smaller_than_the_threshold_are_pooled_on_the_responses_page() -> None:
    counts: list[tuple[str | None, int]] = [("Norr", 7), ("Söder", 1), ("Öster", 4), (None, 2)]
    assert exports.shown_areas(counts, 5) == [("Norr", 7), (None, 7)]
    assert exports.shown_areas([("Norr", 5)], 5) == [("Norr", 5)]
    assert exports.shown_areas([], 5) == []
