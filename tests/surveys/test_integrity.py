"""Integrity without identity: bad input stores nothing, letter codes work once and leave no trace on answers,
a browser submits once, the rate limit, assisted entry, and double submits (also racing) store one response."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, inspect
from sqlmodel import Session, select

from app.db import make_engine, migrate
from app.errors import ValidationFailed
from app.models import Municipality, Role
from app.models.surveys import Answer, Channel, LetterCode, Question, Response, Survey, SurveyDraft, SurveyMode
from app.surveys import rules, service
from tests import factories
from tests.conftest import CheckedClient
from tests.databases import fresh_database
from tests.surveys.factories import scope_for, standard_survey
from tests.surveys.test_public_flow import FULL, answer_all, post_page, start


def count(db: Session, model: Any) -> int:
    return int(db.exec(select(func.count()).select_from(model)).one())


def test_every_bad_answer_on_the_last_page_stores_nothing(client: CheckedClient, db: Session) -> None:
    survey = standard_survey(db)
    start(client, survey)
    for page in range(1, 7):
        post_page(client, survey, page, FULL[page])
    for bad in ({"q-age": "12-15"}, {"q-relation": ["lives", "flies"]}, {"q-subarea": "area:mars"},
                {"q-gender": ""}):
        response = post_page(client, survey, 7, {**FULL[7], **bad})
        if bad == {"q-gender": ""}:  # optional: leaving it empty is fine, so the survey is submitted
            assert response.status_code == 303
            break
        assert response.status_code == 400, bad
        assert "error-summary" in response.text
        assert count(db, Response) == 0 and count(db, Answer) == 0
    assert count(db, Response) == 1


def test_a_tampered_page_field_is_refused(client: CheckedClient, db: Session) -> None:
    survey = standard_survey(db)
    start(client, survey)
    response = client.post_form(f"/s/{survey.slug}/1", {"page": "7", **FULL[1]})
    assert response.status_code == 400 and "Formuläret hade ändrats" in response.text
    assert post_page(client, survey, 9, FULL[1]).status_code == 400  # no such page
    hidden = post_page(client, survey, 6, FULL[6])  # the place question on page 6 is hidden until page 5 says yes
    assert hidden.status_code == 303
    assert "unsafe_place" not in db.exec(select(SurveyDraft)).one().answers


def test_a_page_without_a_draft_asks_to_start_again(client: CheckedClient, db: Session) -> None:
    survey = standard_survey(db)
    response = post_page(client, survey, 1, FULL[1])
    assert response.status_code == 400
    assert client.get(f"/s/{survey.slug}/1", follow_redirects=False).status_code == 303


def test_one_submission_per_browser_on_an_open_link(client: CheckedClient, db: Session) -> None:
    survey = standard_survey(db)
    start(client, survey)
    answer_all(client, survey, db)
    assert "redan skickat in svar" in client.get(f"/s/{survey.slug}").text
    again = client.post_form(f"/s/{survey.slug}/start", {"language": "sv"})
    assert again.status_code == 409
    assert count(db, Response) == 1


def test_a_forged_done_cookie_is_ignored(client: CheckedClient, db: Session) -> None:
    survey = standard_survey(db)
    client.cookies.set(f"sdone{survey.id}", "forged.value", path="/s/")
    assert client.post_form(f"/s/{survey.slug}/start", {"language": "sv"}).status_code == 303


def test_the_rate_limit_counts_per_salted_client_and_forgets_on_rotation() -> None:
    limiter = service.RateLimiter(limit=2, window=3600)
    assert limiter.hit("10.0.0.1") and limiter.hit("10.0.0.1")
    assert not limiter.hit("10.0.0.1")
    assert limiter.hit("10.0.0.2")
    assert "10.0.0.1" not in limiter.key("10.0.0.1")
    old_key = limiter.key("10.0.0.1")
    limiter._rotate(0.0)
    assert limiter.key("10.0.0.1") != old_key and limiter.hit("10.0.0.1")


def test_rate_limited_submissions_store_nothing(client: CheckedClient, db: Session,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(service, "submissions_limiter", service.RateLimiter(limit=0))
    survey = standard_survey(db)
    start(client, survey)
    for page in range(1, 7):
        post_page(client, survey, page, FULL[page])
    response = post_page(client, survey, 7, FULL[7])
    assert response.status_code == 429
    assert count(db, Response) == 0


def code_survey(db: Session) -> tuple[Survey, list[str]]:
    survey = standard_survey(db, modes=[SurveyMode.letter_codes.value])
    municipality = db.get(Municipality, survey.municipality_id)
    assert municipality is not None
    return survey, service.generate_codes(db, scope_for(db, municipality), survey, "3")


def test_letter_codes_work_once(client: CheckedClient, db: Session) -> None:
    survey, codes = code_survey(db)
    assert db.exec(select(LetterCode.code_hash)).all() and codes[0] not in str(db.exec(select(LetterCode)).all())
    no_code = client.post_form(f"/s/{survey.slug}/start", {"language": "sv"})
    assert no_code.status_code == 400 and 'href="#code"' in no_code.text
    for bad in ("ABC", "ZZZZZ-ZZZZZ", "'; DROP TABLE survey; --"):
        assert client.post_form(f"/s/{survey.slug}/start", {"language": "sv", "code": bad}).status_code == 400
    ok = client.post_form(f"/s/{survey.slug}/start", {"language": "sv", "code": rules.format_code(codes[0]).lower()})
    assert ok.status_code == 303
    answer_all(client, survey, db)
    stored = db.exec(select(Response)).one()
    assert stored.channel == Channel.code
    used = client.post_form(f"/s/{survey.slug}/start", {"language": "sv", "code": codes[0]})
    assert used.status_code == 400 and "redan använts" in used.text
    assert client.post_form(f"/s/{survey.slug}/start", {"language": "sv", "code": codes[1]}).status_code == 303
    assert service.code_counts(db, survey) == (3, 1)


def test_a_code_is_used_once_even_by_two_drafts(client: CheckedClient, db: Session) -> None:
    """Two browsers start with the same code; only the first to submit is stored."""
    survey, codes = code_survey(db)
    questionnaire = service.load_questionnaire(db, survey)
    first = service.start_draft(db, survey, language="sv", channel=Channel.web, raw_code=codes[0])
    second = service.start_draft(db, survey, language="sv", channel=Channel.web, raw_code=codes[0])
    for token in (first, second):
        draft = service.find_draft(db, survey, token)
        assert draft is not None
        service.save_answers(db, questionnaire, draft, {"unsafe_evening": "very_safe"}, ["unsafe_evening"])
    service.submit(db, questionnaire, first)
    with pytest.raises(ValidationFailed):
        service.submit(db, questionnaire, second)
    assert count(db, Response) == 1
    assert db.get(SurveyDraft, rules.token_hash(second)).submitted is False  # type: ignore[union-attr]


def test_responses_and_answers_have_no_column_that_leads_back_to_a_code_or_a_person(db: Session) -> None:
    columns = {table: {c["name"] for c in inspect(db.connection()).get_columns(table)}
               for table in ("survey_response", "survey_answer")}
    forbidden = {"code", "code_hash", "letter_code_id", "code_id", "token", "token_hash", "draft", "ip", "ip_address",
                 "user_agent", "created_at", "submitted_at", "staff_user_id", "user_id", "actor_id"}
    for table, names in columns.items():
        assert not names & forbidden, (table, names & forbidden)
        assert not any("code" in n and n not in ("item_code", "value_code") for n in names), names
    assert columns["survey_response"] == {"id", "survey_id", "series_id", "wave", "channel", "area_id", "language",
                                          "submitted_on"}
    foreign = {fk["referred_table"] for t in columns for fk in inspect(db.connection()).get_foreign_keys(t)}
    assert foreign == {"survey", "area", "survey_question", "survey_response"}


def test_assisted_entry_by_staff_records_the_channel_and_offers_the_next_respondent(
        client: CheckedClient, db: Session) -> None:
    survey = standard_survey(db)
    municipality = db.get(Municipality, survey.municipality_id)
    assert municipality is not None
    client.login(factories.staff(db, municipality, Role.partner))
    started = client.post_form(f"/staff/m/{municipality.slug}/surveys/{survey.id}/assisted", {"language": "ar"})
    assert started.status_code == 303 and started.headers["location"] == f"/s/{survey.slug}/1"
    last = answer_all(client, survey, db)
    assert last.headers["location"].endswith("?assisted=1")
    thanks = client.get(last.headers["location"])
    assert "Nästa svarande" in thanks.text or "المجيب التالي" in thanks.text
    assert db.exec(select(Response)).one().channel == Channel.assisted
    again = client.post_form(f"/staff/m/{municipality.slug}/surveys/{survey.id}/assisted", {"language": "sv"})
    assert again.status_code == 303  # a fresh draft for the next respondent, no one-per-browser block
    assert client.get(f"/s/{survey.slug}/1").status_code == 200


def test_racing_double_submits_store_one_response(tmp_root: Path) -> None:
    with fresh_database(tmp_root, "race") as url:
        migrate(url)
        engine = make_engine(url, pool_size=4)
        try:
            with Session(engine) as session:
                survey = standard_survey(session)
                token = service.start_draft(session, survey, language="sv", channel=Channel.web)
                draft = service.find_draft(session, survey, token)
                questionnaire = service.load_questionnaire(session, survey)
                assert draft is not None
                service.save_answers(session, questionnaire, draft, {"unsafe_evening": "very_safe"},
                                     ["unsafe_evening"])
                survey_id = survey.id
            outcomes: list[str] = []

            def attempt() -> None:
                with Session(engine) as session:
                    found = session.get(Survey, survey_id)
                    assert found is not None
                    try:
                        service.submit(session, service.load_questionnaire(session, found), token)
                        outcomes.append("stored")
                    except service.AlreadyAnswered:
                        outcomes.append("refused")
                    except Exception as exc:  # a database lock loser also must store nothing
                        outcomes.append(type(exc).__name__)

            threads = [threading.Thread(target=attempt) for _ in range(4)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            with Session(engine) as session:
                assert count(session, Response) == 1
                assert count(session, Answer) == 1
            assert outcomes.count("stored") == 1
        finally:
            engine.dispose()


def test_a_missing_answer_on_an_earlier_page_leads_back_and_stores_nothing(client: CheckedClient,
                                                                          db: Session) -> None:
    survey = standard_survey(db)
    start(client, survey)
    for page in range(1, 7):
        post_page(client, survey, page, {} if page == 2 else FULL[page])
    question = db.exec(select(Question).where(Question.survey_id == survey.id, Question.code == "trust_police")).one()
    question.required = True  # staff made it required after the resident passed page 2
    db.add(question)
    db.commit()
    service.forget_questionnaire(survey)  # what the staff edit does
    response = post_page(client, survey, 7, FULL[7])
    assert response.status_code == 400
    assert "Svara på alla obligatoriska frågor." in response.text and f'href="/s/{survey.slug}/1"' in response.text
    assert count(db, Response) == 0 and count(db, Answer) == 0
    assert db.exec(select(SurveyDraft)).one().submitted is False
