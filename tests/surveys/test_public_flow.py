"""The resident's way through a survey: start, pages, errors, back, submit once, and what gets stored."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.models.surveys import Answer, Response, Survey, SurveyDraft, SurveyStatus
from tests.conftest import CheckedClient
from tests.surveys.factories import standard_survey

FULL: dict[int, dict[str, Any]] = {
    1: {"q-unsafe_evening": "fairly_unsafe", "q-worry_assault": "sometimes", "q-worry_burglary": "seldom"},
    2: {"q-consequences": ["other_route", "avoided_activity"], "q-trust_police": "3"},
    3: {"q-problems-littering": "very_big", "q-problems-dark_places": "fairly_big",
        "q-problems-speeding": "dont_know"},
    4: {"q-priorities-1": "dark_places", "q-priorities-2": "littering", "q-safety_score": "6"},
    5: {"q-unsafe_place_exists": "yes"},
    6: {"q-unsafe_place-spot": "station", "q-unsafe_place-lat": "59.375", "q-unsafe_place-lon": "16.545",
        "q-unsafe_place-time": "evening", "q-suggestion": "Bättre belysning vid stationen"},
    7: {"q-age": "25-34", "q-gender": "woman", "q-relation": ["lives", "works"]},
}


def count(db: Session, model: Any) -> int:
    return int(db.exec(select(func.count()).select_from(model)).one())


def start(client: CheckedClient, survey: Survey, language: str = "sv") -> None:
    response = client.post_form(f"/s/{survey.slug}/start", {"language": language})
    assert response.status_code == 303, response.text[:500]
    assert response.headers["location"] == f"/s/{survey.slug}/1"


def post_page(client: CheckedClient, survey: Survey, page: int, data: dict[str, Any]) -> Any:
    return client.post_form(f"/s/{survey.slug}/{page}", {"page": str(page), **data})


def answer_all(client: CheckedClient, survey: Survey, db: Session) -> Any:
    subarea = {"q-subarea": f"area:norr-{survey.municipality_id}"}
    response = None
    for page, data in FULL.items():
        response = post_page(client, survey, page, {**data, **(subarea if page == 7 else {})})
        assert response.status_code == 303, (page, response.text[:2000])
    return response


def test_start_page_offers_the_survey_languages(client: CheckedClient, db: Session) -> None:
    survey = standard_survey(db)
    page = client.get(f"/s/{survey.slug}")
    assert page.status_code == 200
    assert "Trygghetsenkät" in page.text
    assert 'value="ar"' in page.text and 'value="en"' in page.text


def test_a_resident_answers_every_page_and_one_response_is_stored(client: CheckedClient, db: Session) -> None:
    survey = standard_survey(db)
    start(client, survey)
    last = answer_all(client, survey, db)
    assert last.headers["location"] == f"/s/{survey.slug}/tack"
    thanks = client.get(last.headers["location"])
    assert "Tack för dina svar" in thanks.text
    responses = db.exec(select(Response).where(Response.survey_id == survey.id)).all()
    assert len(responses) == 1
    stored = responses[0]
    assert stored.channel == "web" and stored.wave == 1 and stored.area_id is not None
    rows = [tuple(r) for r in db.exec(select(Answer.item_code, Answer.value_code)
                                      .where(Answer.response_id == stored.id)).all()]
    assert ("littering", "very_big") in rows and ("", "dark_places") in rows
    place = db.exec(select(Answer.lat, Answer.lon, Answer.time_of_day, Answer.value_code)
                    .where(Answer.response_id == stored.id, col(Answer.lat).is_not(None))).one()
    assert tuple(place) == (59.375, 16.545, "evening", "station")


def test_back_shows_saved_answers(client: CheckedClient, db: Session) -> None:
    survey = standard_survey(db)
    start(client, survey)
    post_page(client, survey, 1, FULL[1])
    page = client.get(f"/s/{survey.slug}/1")
    assert 'value="fairly_unsafe" checked' in page.text


def test_errors_are_shown_per_question_and_nothing_is_saved(client: CheckedClient, db: Session) -> None:
    survey = standard_survey(db)
    start(client, survey)
    response = post_page(client, survey, 1, {"q-worry_assault": "sometimes"})
    assert response.status_code == 400
    assert "error-summary" in response.text and 'href="#q-unsafe_evening"' in response.text
    assert "<title>Fel:" in response.text
    drafts = db.exec(select(SurveyDraft)).all()
    assert len(drafts) == 1 and drafts[0].answers == {}


def test_arabic_pages_are_right_to_left_with_arabic_errors(client: CheckedClient, db: Session) -> None:
    survey = standard_survey(db)
    start(client, survey, "ar")
    page = client.get(f"/s/{survey.slug}/3")
    assert page.status_code == 200 or page.status_code == 303
    page = client.get(f"/s/{survey.slug}/1")
    assert 'dir="rtl"' in page.text and 'lang="ar"' in page.text
    assert "ما مدى شعورك بالأمان" in page.text
    response = post_page(client, survey, 1, {})
    assert response.status_code == 400
    assert "اختر إجابة على السؤال." in response.text


def test_refresh_after_submit_never_stores_twice(client: CheckedClient, db: Session) -> None:
    survey = standard_survey(db)
    start(client, survey)
    answer_all(client, survey, db)
    again = post_page(client, survey, 7, FULL[7])
    assert again.status_code in (303, 400, 409)
    assert count(db, Response) == 1


def test_closed_unknown_and_draft_surveys(client: CheckedClient, db: Session) -> None:
    closed = standard_survey(db, status=SurveyStatus.closed)
    assert client.get(f"/s/{closed.slug}").status_code == 410
    assert client.post_form(f"/s/{closed.slug}/start", {"language": "sv"}).status_code == 410
    assert client.get("/s/finns-inte").status_code == 404
    assert client.get("/s/<script>").status_code == 404
    draft = standard_survey(db, status=SurveyStatus.draft)
    assert client.get(f"/s/{draft.slug}").status_code == 404


def test_a_title_that_falls_back_to_swedish_is_marked_as_swedish(client: CheckedClient, db: Session) -> None:
    """WCAG 3.1.2: on an English page, a survey title and intro with no English text are read with a Swedish voice."""
    from app.models.surveys import SurveyTranslation

    survey = standard_survey(db)
    english = db.exec(select(SurveyTranslation).where(SurveyTranslation.survey_id == survey.id,
                                                      SurveyTranslation.language == "en")).one()
    db.delete(english)
    db.commit()
    page = client.get(f"/s/{survey.slug}?lang=en").text
    assert '<h1 lang="sv" dir="ltr">Trygghetsenkät' in page
    assert '<p lang="sv" dir="ltr">' in page
    arabic = client.get(f"/s/{survey.slug}?lang=ar").text  # translated: no marker
    assert "<h1>" in arabic and '<h1 lang="sv"' not in arabic


def test_the_language_links_keep_the_letter_code_and_lead_back_to_a_page_after_a_post(
        client: CheckedClient, db: Session) -> None:
    from urllib.parse import quote

    survey = standard_survey(db, modes=["letter_codes"])
    page = client.get(f"/s/{survey.slug}?code=ABCDE23456&lang=sv").text
    assert f"next={quote(f'/s/{survey.slug}?code=ABCDE23456', safe='/')}" in page  # ?lang= itself is left out
    refused = client.post_form(f"/s/{survey.slug}/start", {"language": "sv", "code": "nonsense"},
                               headers={"referer": f"http://testserver/s/{survey.slug}?code=nonsense"})
    assert refused.status_code == 400
    assert f"next={quote(f'/s/{survey.slug}?code=nonsense', safe='/')}" in refused.text
    foreign = client.post_form(f"/s/{survey.slug}/start", {"language": "sv", "code": "nonsense"},
                               headers={"referer": "https://elsewhere.example/phish"})
    assert 'next=/"' in foreign.text
