"""The surveys JSON API: open surveys of a municipality, and a published questionnaire's definition."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import Session

from app.config import get_settings
from app.models.surveys import SurveyStatus
from app.surveys import authoring
from tests import factories
from tests.surveys.factories import scope_for, standard_survey


def test_lists_open_surveys_with_url_and_languages(client: TestClient, db: Session) -> None:
    municipality = factories.municipality(db, languages=["sv", "en", "ar"])
    survey = standard_survey(db, municipality)
    authoring.create_survey(db, scope_for(db, municipality), title="Utkast", from_bank=False)  # a draft
    db.commit()
    response = client.get("/api/v1/surveys", params={"municipality": municipality.slug, "status": "open"})
    assert response.status_code == 200
    body = response.json()
    assert body["municipality"] == municipality.slug and len(body["surveys"]) == 1
    item = body["surveys"][0]
    assert item["id"] == survey.id and item["url"] == f"{get_settings().base_url}/s/{survey.slug}"
    assert set(item["languages"]) >= {"sv"} and item["title"]["sv"] == "Trygghetsenkät"


def test_unknown_municipality_and_bad_status(client: TestClient, db: Session) -> None:
    missing = client.get("/api/v1/surveys", params={"municipality": "finns-inte"})
    assert missing.status_code == 404 and missing.headers["content-type"] == "application/problem+json"
    assert client.get("/api/v1/surveys", params={"municipality": "x", "status": "draft"}).status_code == 422


def test_definition_has_questions_options_items_and_texts(client: TestClient, db: Session) -> None:
    survey = standard_survey(db)
    response = client.get(f"/api/v1/surveys/{survey.id}")
    assert response.status_code == 200
    body = response.json()
    questions = {q["code"]: q for q in body["questions"]}
    battery = questions["problems"]
    assert battery["type"] == "matrix" and {i["code"] for i in battery["items"]} >= {"littering", "speeding"}
    assert "very_big" in [o["code"] for o in battery["options"]]
    assert questions["unsafe_evening"]["required"] is True and questions["unsafe_evening"]["text"]["ar"]
    assert questions["unsafe_place"]["condition"] == {"question": "unsafe_place_exists", "value": "yes"}
    assert body["title"]["en"] == "Safety survey"


def test_draft_and_unknown_surveys_are_404_problems(client: TestClient, db: Session) -> None:
    draft = standard_survey(db, status=SurveyStatus.draft)
    for url in (f"/api/v1/surveys/{draft.id}", "/api/v1/surveys/999999"):
        response = client.get(url)
        assert response.status_code == 404 and response.headers["content-type"] == "application/problem+json"
    assert client.get("/api/v1/surveys/0").status_code == 422


def test_closed_surveys_keep_their_definition_but_are_not_listed(client: TestClient, db: Session) -> None:
    municipality = factories.municipality(db)
    closed = standard_survey(db, municipality, status=SurveyStatus.closed)
    assert client.get(f"/api/v1/surveys/{closed.id}").json()["status"] == "closed"
    assert client.get("/api/v1/surveys", params={"municipality": municipality.slug}).json()["surveys"] == []


def test_openapi_documents_the_models(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    assert "/api/v1/surveys" in schema["paths"] and "/api/v1/surveys/{survey_id}" in schema["paths"]
    assert {"SurveyList", "SurveyDefinition", "QuestionOut"} <= set(schema["components"]["schemas"])
