"""JSON API of the surveys domain: open surveys of a municipality with their public link and languages, and the
questionnaire definition of a published (non-draft) survey. Read-only open data; no responses."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, Field
from sqlmodel import Session, col, select

from app.config import get_settings
from app.db import get_session
from app.errors import NotFound
from app.models import Municipality
from app.models.surveys import Survey, SurveyStatus
from app.surveys import questionnaires

router = APIRouter(prefix="/api/v1", tags=["surveys"])


class SurveySummary(BaseModel):
    id: int
    slug: str
    url: str = Field(description="The public link residents answer at (also the QR code's target).")
    title: dict[str, str] = Field(description="Title per language code; Swedish is the fallback.")
    languages: list[str]
    series: str
    wave: int
    opens_on: date | None
    closes_on: date | None


class SurveyList(BaseModel):
    municipality: str
    status: str
    surveys: list[SurveySummary]


class OptionOut(BaseModel):
    code: str
    label: dict[str, str]


class ConditionOut(BaseModel):
    question: str = Field(description="Code of the earlier question.")
    value: str = Field(description="Option code that question must be answered with for this one to show.")


class QuestionOut(BaseModel):
    code: str
    type: str = Field(description="single, multiple, scale, matrix, ranking, text, place or subarea.")
    page: int
    required: bool
    role: str | None = Field(description="Background role (age, gender, subarea, years, relation) or null.")
    text: dict[str, str]
    help: dict[str, str]
    options: list[OptionOut]
    items: list[OptionOut] = Field(description="Rows of a problem battery (matrix); empty otherwise.")
    settings: dict[str, Any]
    condition: ConditionOut | None


class SurveyDefinition(BaseModel):
    id: int
    slug: str
    url: str
    municipality: str
    status: str
    languages: list[str]
    series: str
    wave: int
    opens_on: date | None
    closes_on: date | None
    title: dict[str, str]
    intro: dict[str, str]
    questions: list[QuestionOut]


def _url(survey: Survey) -> str:
    return f"{get_settings().base_url}/s/{survey.slug}"


@router.get("/surveys", response_model=SurveyList)
def list_surveys(municipality: str = Query(max_length=80, description="The municipality's slug."),
                 status: Literal["open"] = Query(default="open", description="Only open surveys are listed."),
                 session: Session = Depends(get_session)) -> SurveyList:
    """Surveys of a municipality that take answers today, with their public link and languages."""
    found = session.exec(select(Municipality).where(col(Municipality.slug) == municipality)).first()
    if found is None:
        raise NotFound("Unknown municipality")
    return SurveyList(municipality=found.slug, status=status, surveys=[
        SurveySummary(id=s.id or 0, slug=s.slug, url=_url(s), title={k: v for k, v in titles.items() if v},
                      languages=list(s.languages), series=s.series_id, wave=s.wave, opens_on=s.opens_on,
                      closes_on=s.closes_on)
        for s, titles in questionnaires.open_surveys(session, found.id or 0)])


@router.get("/surveys/{survey_id}", response_model=SurveyDefinition)
def survey_definition(survey_id: int = Path(ge=1, le=2**31 - 1),
                      session: Session = Depends(get_session)) -> SurveyDefinition:
    """The questionnaire: questions in order with their options, battery items and texts per language.
    Draft surveys are not published: 404 as for an unknown id."""
    survey = session.get(Survey, survey_id)
    if survey is None or survey.status == SurveyStatus.draft:
        raise NotFound("Unknown survey")
    municipality = session.get(Municipality, survey.municipality_id)
    questionnaire = questionnaires.load_questionnaire(session, survey)
    return SurveyDefinition(
        id=survey.id or 0, slug=survey.slug, url=_url(survey), municipality=municipality.slug if municipality else "",
        status=str(survey.status), languages=list(survey.languages), series=survey.series_id, wave=survey.wave,
        opens_on=survey.opens_on, closes_on=survey.closes_on,
        title={k: v.title for k, v in questionnaire.texts.items() if v.title},
        intro={k: v.intro for k, v in questionnaire.texts.items() if v.intro},
        questions=[QuestionOut(
            code=q.code, type=q.type, page=q.page, required=q.required, role=q.role, text=dict(q.text),
            help=dict(q.help), options=[OptionOut(code=o.code, label=dict(o.label)) for o in q.options],
            items=[OptionOut(code=o.code, label=dict(o.label)) for o in q.items], settings=dict(q.settings),
            condition=ConditionOut(question=q.condition[0], value=q.condition[1]) if q.condition else None)
            for q in questionnaire.questions])
