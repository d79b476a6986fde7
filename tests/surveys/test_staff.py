"""Staff authoring: create from the bank, settings, texts, questions (add/edit/move/delete, conditions), status,
copy as next wave, translations page, preview, QR codes, letter codes; scoped and audited."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from app.audit import Action
from app.models import AuditLog, Municipality, Role, StaffUser
from app.models.surveys import LetterCode, Question, QuestionOption, Survey, SurveyStatus, SurveyTranslation
from app.surveys.codes import code_hash
from tests import factories
from tests.conftest import CheckedClient
from tests.surveys.factories import standard_survey, sub_areas
from tests.surveys.test_public_flow import answer_all, start


def setup(db: Session, role: Role = Role.coordinator) -> tuple[Municipality, StaffUser]:
    municipality = factories.municipality(db, languages=["sv", "en", "ar"])
    sub_areas(db, municipality)
    return municipality, factories.staff(db, municipality, role)


def base(municipality: Municipality) -> str:
    return f"/staff/m/{municipality.slug}/surveys"


def create_from_bank(client: CheckedClient, db: Session, municipality: Municipality) -> Survey:
    response = client.post_form(base(municipality), {"source": "bank", "title": ""})
    assert response.status_code == 303
    return db.exec(select(Survey).where(Survey.municipality_id == municipality.id)
                   .order_by(col(Survey.id).desc())).first()  # type: ignore[return-value]


def test_one_click_creates_the_standard_survey(client: CheckedClient, db: Session) -> None:
    municipality, user = setup(db)
    client.login(user)
    survey = create_from_bank(client, db, municipality)
    assert survey.status == SurveyStatus.draft
    codes = db.exec(select(Question.code).where(Question.survey_id == survey.id)).all()
    assert "problems" in codes and "unsafe_evening" in codes and len(codes) == 16
    titles = {t.language: t.title for t in db.exec(select(SurveyTranslation)
                                                   .where(SurveyTranslation.survey_id == survey.id))}
    assert titles == {"sv": "Trygghetsenkät", "en": "Safety survey", "ar": "استبيان الشعور بالأمان"}
    page = client.get(f"{base(municipality)}/{survey.id}")
    assert page.status_code == 200 and f"/s/{survey.slug}" in page.text
    assert db.exec(select(AuditLog).where(AuditLog.entity == "survey", AuditLog.action == Action.SURVEY_CREATE)).first()
    listing = client.get(base(municipality))
    assert "Trygghetsenkät" in listing.text


def test_blank_survey_needs_a_title(client: CheckedClient, db: Session) -> None:
    municipality, user = setup(db)
    client.login(user)
    response = client.post_form(base(municipality), {"source": "blank", "title": ""})
    assert response.status_code == 400 and 'href="#title"' in response.text


def question_form(**overrides: str) -> dict[str, Any]:
    data = {"type": "single", "code": "lighting", "page": "1", "required": "1", "role": "", "condition": "",
            "text-sv": "Är belysningen bra?", "text-en": "Is the lighting good?", "text-ar": "",
            "options-sv": "yes = Ja\nno = Nej", "options-en": "yes = Yes\nno = No", "options-ar": ""}
    data.update(overrides)
    return data


def test_questions_are_added_edited_moved_conditioned_and_deleted(client: CheckedClient, db: Session) -> None:
    municipality, user = setup(db)
    client.login(user)
    response = client.post_form(base(municipality), {"source": "blank", "title": "Belysningsenkät"})
    survey = db.exec(select(Survey).where(Survey.municipality_id == municipality.id)).one()
    url = f"{base(municipality)}/{survey.id}/questions"
    assert client.get(f"{url}/new").status_code == 200
    response = client.post_form(url, question_form())
    assert response.status_code == 303, response.text[:500]
    bad = client.post_form(url, question_form(code="lighting"))
    assert bad.status_code == 400 and "används redan" in bad.text
    bad = client.post_form(url, question_form(code="where", options_sv="", **{"options-sv": ""}))
    assert bad.status_code == 400 and 'href="#options-sv"' in bad.text
    bad = client.post_form(url, question_form(code="why", condition="lighting=no"))  # same page: refused
    assert bad.status_code == 400 and 'href="#condition"' in bad.text
    ok = client.post_form(url, question_form(code="why", type="text", page="2", condition="lighting=no",
                                             **{"options-sv": "", "options-en": ""}))
    assert ok.status_code == 303
    first, second = db.exec(select(Question).where(Question.survey_id == survey.id).order_by(col(Question.id))).all()
    assert second.condition_question_code == "lighting" and second.condition_value_code == "no"
    labels = {o.code: o.label for o in db.exec(select(QuestionOption).where(QuestionOption.question_id == first.id))}
    assert labels["yes"] == {"sv": "Ja", "en": "Yes"}
    edit = client.post_form(f"{url}/{first.id}", question_form(**{"text-sv": "Är belysningen tillräcklig?"}))
    assert edit.status_code == 303
    db.refresh(first)
    assert first.text["sv"] == "Är belysningen tillräcklig?"
    refused = client.post_form(f"{url}/{first.id}/delete")
    assert refused.status_code == 303 and db.get(Question, first.id) is not None  # "why" depends on it
    client.post_form(f"{url}/{second.id}/move", {"direction": "up"})  # onto page 1, next to its condition
    db.refresh(second)
    assert second.page == 2  # refused: a condition must point to an earlier page
    third = client.post_form(url, question_form(code="extra", page="2", **{"text-sv": "Något mer?"}))
    assert third.status_code == 303
    extra = db.exec(select(Question).where(Question.code == "extra", Question.survey_id == survey.id)).one()
    client.post_form(f"{url}/{extra.id}/move", {"direction": "up"})
    db.refresh(extra)
    db.refresh(second)
    assert extra.page == 2 and extra.position < second.position
    assert client.post_form(f"{url}/{second.id}/delete").status_code == 303
    assert db.get(Question, second.id) is None
    actions = set(db.exec(select(AuditLog.action).where(AuditLog.entity == "survey_question")).all())
    assert {Action.SURVEY_QUESTION_CREATE, Action.SURVEY_QUESTION_UPDATE, Action.SURVEY_QUESTION_MOVE,
            Action.SURVEY_QUESTION_DELETE} <= actions
    missing = client.get(f"{base(municipality)}/{survey.id}/translations")
    assert "Fråga lighting" in missing.text


def test_status_copy_as_next_wave_and_edit_lock(client: CheckedClient, db: Session) -> None:
    municipality, user = setup(db)
    client.login(user)
    survey = create_from_bank(client, db, municipality)
    url = f"{base(municipality)}/{survey.id}"
    client.post_form(f"{url}/status", {"status": "open"})
    db.refresh(survey)
    assert survey.status == SurveyStatus.open
    client.post_form(f"{url}/status", {"status": "draft"})  # not allowed from open
    db.refresh(survey)
    assert survey.status == SurveyStatus.open
    start(client, survey)
    answer_all(client, survey, db)
    question = db.exec(select(Question).where(Question.survey_id == survey.id)).first()
    assert question is not None
    locked = client.post_form(f"{url}/questions/{question.id}", question_form())
    assert locked.status_code == 409
    page = client.get(url)
    assert '<span id="response-count">1</span>' in page.text
    client.post_form(f"{url}/status", {"status": "closed"})
    copy = client.post_form(f"{url}/copy")
    assert copy.status_code == 303
    wave2 = db.exec(select(Survey).where(Survey.series_id == survey.series_id, Survey.wave == 2)).one()
    assert wave2.status == SurveyStatus.draft and wave2.slug != survey.slug
    def codes(s: Survey) -> list[str]:
        return sorted(db.exec(select(Question.code).where(Question.survey_id == s.id)).all())

    assert codes(wave2) == codes(survey)


def test_settings_texts_preview_and_qr(client: CheckedClient, db: Session) -> None:
    municipality, user = setup(db)
    client.login(user)
    survey = create_from_bank(client, db, municipality)
    url = f"{base(municipality)}/{survey.id}"
    bad = client.post_form(f"{url}/settings", {"slug": "Ogiltig adress!", "modes": ["open_link"]})
    assert bad.status_code == 400 and 'href="#slug"' in bad.text
    ok = client.post_form(f"{url}/settings", {"slug": "trygg-2026", "modes": ["open_link", "letter_codes"],
                                              "languages": ["en", "ar"], "opens_on": "2026-01-01",
                                              "closes_on": "2026-12-31"})
    assert ok.status_code == 303
    db.refresh(survey)
    assert survey.slug == "trygg-2026" and survey.modes == ["open_link", "letter_codes"]
    texts = client.post_form(f"{url}/texts", {"title-sv": "", "title-en": "x"})
    assert texts.status_code == 400
    assert client.post_form(f"{url}/texts", {"title-sv": "Ny rubrik", "intro-sv": "Hej"}).status_code == 303
    preview = client.get(f"{url}/preview?page=3&lang=ar")
    assert preview.status_code == 200 and 'dir="rtl"' in preview.text and "مشكلة كبيرة جدًا" in preview.text
    svg = client.get(f"{url}/qr.svg")
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml") and b"<svg" in svg.content
    png = client.get(f"{url}/qr.png")
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")


def test_letter_codes_are_shown_once_and_stored_hashed(client: CheckedClient, db: Session) -> None:
    municipality, user = setup(db)
    client.login(user)
    survey = create_from_bank(client, db, municipality)
    url = f"{base(municipality)}/{survey.id}/codes"
    assert client.post_form(url, {"count": "0"}).status_code == 400
    page = client.post_form(url, {"count": "5", "format": "page"})
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    csv = client.post_form(url, {"count": "2", "format": "csv"})
    lines = csv.text.strip().splitlines()
    assert lines[0] == "code,url,qr_url" and len(lines) == 3
    code = lines[1].split(",")[0]
    hashes = db.exec(select(LetterCode.code_hash).where(LetterCode.survey_id == survey.id)).all()
    assert len(hashes) == 7 and code not in hashes and code_hash(code.replace("-", "")) in hashes


def test_viewers_read_but_cannot_change(client: CheckedClient, db: Session) -> None:
    survey = standard_survey(db)
    municipality = db.get(Municipality, survey.municipality_id)
    assert municipality is not None
    client.login(factories.staff(db, municipality, Role.viewer))
    assert client.get(f"{base(municipality)}/{survey.id}").status_code == 200
    assert client.post_form(f"{base(municipality)}/{survey.id}/copy").status_code == 403


def test_another_municipality_cannot_see_the_survey(client: CheckedClient, db: Session) -> None:
    survey = standard_survey(db)
    other, user = setup(db)
    client.login(user)
    assert client.get(f"{base(other)}/{survey.id}").status_code == 404
    assert client.get(f"{base(other)}/{survey.id}/qr.svg").status_code == 404


def test_open_surveys_show_on_the_public_municipality_page(client: CheckedClient, db: Session) -> None:
    survey = standard_survey(db)
    municipality = db.get(Municipality, survey.municipality_id)
    assert municipality is not None
    page = client.get(f"/m/{municipality.slug}")
    assert f'href="/s/{survey.slug}"' in page.text
    survey.status = SurveyStatus.closed
    db.add(survey)
    db.commit()
    assert f'href="/s/{survey.slug}"' not in client.get(f"/m/{municipality.slug}").text


def test_staff_edits_and_closing_reach_residents_at_once(client: CheckedClient, db: Session) -> None:
    municipality, user = setup(db)
    client.login(user)
    survey = create_from_bank(client, db, municipality)
    url = f"{base(municipality)}/{survey.id}"
    client.post_form(f"{url}/status", {"status": "open"})
    start(client, survey)
    assert "Hur gammal är du?" not in client.get(f"/s/{survey.slug}/1").text
    question = db.exec(select(Question).where(Question.survey_id == survey.id, Question.code == "worry_burglary")).one()
    edited = client.post_form(f"{url}/questions/{question.id}", question_form(
        code="worry_burglary", required="", **{"text-sv": "Oroar du dig för inbrott just nu?",
                                               "options-sv": "often = Ofta\nnever = Aldrig", "options-en": ""}))
    assert edited.status_code == 303
    assert "Oroar du dig för inbrott just nu?" in client.get(f"/s/{survey.slug}/1").text
    client.post_form(f"{url}/status", {"status": "closed"})
    assert client.get(f"/s/{survey.slug}/1").status_code == 410
