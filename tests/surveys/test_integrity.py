"""Integrity without identity: bad input stores nothing, letter codes work once and leave no trace on answers,
a browser submits once, the rate limit, assisted entry, and double submits (also racing) store one response."""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, inspect
from sqlmodel import Session, select

from app import clock, ratelimit
from app.config import get_settings
from app.db import make_engine, migrate
from app.models import Municipality, Role
from app.models.surveys import Answer, Channel, LetterCode, Question, Response, Survey, SurveyDraft, SurveyMode
from app.surveys import answering, authoring, questionnaires, rules
from app.surveys.codes import format_code, token_hash
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


def test_the_rate_limit_key_is_an_hmac_that_changes_every_window() -> None:
    now = clock.now()
    key = ratelimit.client_key("survey-submit", "10.0.0.1", now)
    assert "10.0.0.1" not in key and len(key) == 64
    assert key == ratelimit.client_key("survey-submit", "10.0.0.1", now)
    assert key != ratelimit.client_key("survey-submit", "10.0.0.2", now)
    assert key != ratelimit.client_key("survey-submit", "10.0.0.1", now + timedelta(hours=1))


def test_rate_limit_counts_are_shared_in_the_database_and_purged_after_their_window(db: Session) -> None:
    now = clock.now()
    key = ratelimit.client_key("survey-submit", "10.0.0.1", now)
    connection = db.connection()
    assert [ratelimit.hit(connection, key, now=now) for _ in range(3)] == [1, 2, 3]
    assert ratelimit.hit(connection, ratelimit.client_key("survey-submit", "10.0.0.2", now), now=now) == 1
    assert ratelimit.purge(connection, now + timedelta(hours=2)) == 2


def test_rate_limited_submissions_store_nothing(client: CheckedClient, db: Session,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(get_settings(), "survey_submissions_per_hour", 1)
    survey = standard_survey(db)
    for attempt in range(2):
        client.cookies.clear()  # a new browser each time, from the same address
        start(client, survey)
        for page in range(1, 7):
            post_page(client, survey, page, FULL[page])
        response = post_page(client, survey, 7, FULL[7])
        assert response.status_code == (303 if attempt == 0 else 429)
    assert "Vänta en stund" in response.text
    assert count(db, Response) == 1


def code_survey(db: Session) -> tuple[Survey, list[str]]:
    survey = standard_survey(db, modes=[SurveyMode.letter_codes.value])
    municipality = db.get(Municipality, survey.municipality_id)
    assert municipality is not None
    return survey, authoring.generate_codes(db, scope_for(db, municipality), survey, "3")


def test_letter_codes_work_once(client: CheckedClient, db: Session) -> None:
    survey, codes = code_survey(db)
    assert db.exec(select(LetterCode.code_hash)).all() and codes[0] not in str(db.exec(select(LetterCode)).all())
    no_code = client.post_form(f"/s/{survey.slug}/start", {"language": "sv"})
    assert no_code.status_code == 400 and 'href="#code"' in no_code.text
    for bad in ("ABC", "ZZZZZ-ZZZZZ", "'; DROP TABLE survey; --"):
        assert client.post_form(f"/s/{survey.slug}/start", {"language": "sv", "code": bad}).status_code == 400
    ok = client.post_form(f"/s/{survey.slug}/start", {"language": "sv", "code": format_code(codes[0]).lower()})
    assert ok.status_code == 303
    answer_all(client, survey, db)
    stored = db.exec(select(Response)).one()
    assert stored.channel == Channel.code
    used = client.post_form(f"/s/{survey.slug}/start", {"language": "sv", "code": codes[0]})
    assert used.status_code == 400 and "redan använts" in used.text
    assert client.post_form(f"/s/{survey.slug}/start", {"language": "sv", "code": codes[1]}).status_code == 303
    assert authoring.code_counts(db, survey) == (3, 1)


def last_page(questionnaire: questionnaires.Questionnaire, token: str) -> answering.PagePost:
    """The one-page answer that ends the standard survey for a draft that answered only the first question."""
    return answering.PagePost(questionnaire, token_hash(token), 7, rules.FormValues({}))


def test_a_code_is_used_once_even_by_two_drafts(client: CheckedClient, db: Session) -> None:
    """Two browsers start with the same code; only the first to submit is stored, the second is told why."""
    survey, codes = code_survey(db)
    questionnaire = questionnaires.load_questionnaire(db, survey)
    tokens = [answering.start_draft(db, survey, language="sv", channel=Channel.web, raw_code=codes[0])
              for _ in range(2)]
    for token in tokens:
        draft = answering.find_draft(db, survey, token)
        assert draft is not None
        draft.answers = {"unsafe_evening": "very_safe"}
        db.add(draft)
    db.commit()
    first, second = answering.post_pages(db.connection(), [last_page(questionnaire, t) for t in tokens])
    assert (first.kind, second.kind) == (answering.Outcome.submitted, answering.Outcome.code_used)
    assert count(db, Response) == 1
    assert db.get(SurveyDraft, token_hash(tokens[1])).submitted is False  # type: ignore[union-attr]
    assert authoring.code_counts(db, survey) == (3, 1)


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
    """The same draft submitted by four threads at once, each in its own transaction: one response."""
    with fresh_database(tmp_root, "race") as url:
        migrate(url)
        engine = make_engine(url, pool_size=4)
        try:
            with Session(engine) as session:
                survey = standard_survey(session)
                token = answering.start_draft(session, survey, language="sv", channel=Channel.web)
                draft = answering.find_draft(session, survey, token)
                assert draft is not None
                draft.answers = {"unsafe_evening": "very_safe"}
                session.add(draft)
                session.commit()
                questionnaire = questionnaires.load_questionnaire(session, survey)
            outcomes: list[str] = []
            writer = engine.execution_options(sqlite_immediate=True)

            def attempt() -> None:
                try:
                    with writer.begin() as connection:
                        outcome = answering.post_pages(connection, [last_page(questionnaire, token)])[0]
                    outcomes.append(outcome.kind.value)
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
            assert outcomes.count("submitted") == 1, outcomes
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
    questionnaires.forget_questionnaire(survey)  # what the staff edit does
    response = post_page(client, survey, 7, FULL[7])
    assert response.status_code == 400
    assert "Svara på alla obligatoriska frågor." in response.text and f'href="/s/{survey.slug}/1"' in response.text
    assert count(db, Response) == 0 and count(db, Answer) == 0
    assert db.exec(select(SurveyDraft)).one().submitted is False
