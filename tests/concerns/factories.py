"""Factories for concerns tests and the benchmark: a survey shaped like the standard bank, and answers
inserted with SQLAlchemy Core (explicit ids, so a million rows go in as a few wide statements)."""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import func, insert, select
from sqlmodel import Session

from app.models import Area, Municipality
from app.models.surveys import (
    Answer,
    BackgroundRole,
    OptionKind,
    Question,
    QuestionOption,
    QuestionType,
    Response,
    Survey,
    SurveyArea,
    SurveyStatus,
    SurveyTranslation,
)

ITEMS = ("littering", "dark_places", "vandalism", "graffiti", "youth_disorder", "drunk_people", "drug_use",
         "drug_dealing", "neighbours", "fighting", "harassment", "speeding")
SCALE = ("very_big", "fairly_big", "fairly_small", "no_problem", "dont_know")
UNSAFE = ("very_safe", "fairly_safe", "fairly_unsafe", "very_unsafe", "not_out_fear", "not_out_other")
AGES = ("16-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75+")
GENDERS = ("woman", "man", "other", "no_answer")
PLACES = ("station", "centre", "park", "underpass", "school")
_slugs = itertools.count(1)


@dataclass
class SurveyInfo:
    survey: Survey
    questions: dict[str, int] = field(default_factory=dict)  # code -> id

    @property
    def id(self) -> int:
        assert self.survey.id is not None
        return self.survey.id


def _label(sv: str) -> dict[str, str]:
    return {"sv": sv, "en": sv}


def survey(session: Session, municipality: Municipality, areas: Iterable[Area], *, series_id: str = "serie-1",
           wave: int = 1, items: Iterable[str] = ITEMS, title: str = "Trygghetsenkät") -> SurveyInfo:
    found = Survey(municipality_id=municipality.id or 0, series_id=series_id, wave=wave,
                   slug=f"enkat-{next(_slugs)}-{random.randrange(10**6)}", status=SurveyStatus.open,
                   languages=["sv", "en"])
    session.add(found)
    session.flush()
    assert found.id is not None
    session.add(SurveyTranslation(survey_id=found.id, language="sv", title=f"{title} {wave}"))
    for a in areas:
        session.add(SurveyArea(survey_id=found.id, area_id=a.id or 0))
    info = SurveyInfo(found)
    specs: list[tuple[str, QuestionType, str | None, tuple[str, ...], tuple[str, ...]]] = [
        ("unsafe_evening", QuestionType.single, None, UNSAFE, ()),
        ("problems", QuestionType.matrix, None, SCALE, tuple(items)),
        ("unsafe_place", QuestionType.place, None, PLACES, ()),
        ("suggestion", QuestionType.text, None, (), ()),
        ("age", QuestionType.single, "age", AGES, ()),
        ("gender", QuestionType.single, "gender", GENDERS, ()),
        ("subarea", QuestionType.subarea, "subarea", (), ()),
    ]
    for position, (code, qtype, role, options, rows) in enumerate(specs):
        question = Question(survey_id=found.id, code=code, page=1, position=position, type=qtype,
                            role=BackgroundRole(role) if role else None,
                            text=_label(code))
        session.add(question)
        session.flush()
        assert question.id is not None
        info.questions[code] = question.id
        for i, option in enumerate(options):
            session.add(QuestionOption(question_id=question.id, kind=OptionKind.option, code=option, position=i,
                                       label=_label(option)))
        for i, item in enumerate(rows):
            session.add(QuestionOption(question_id=question.id, kind=OptionKind.item, code=item, position=i,
                                       label=_label(item.replace("_", " ").capitalize())))
    session.flush()
    return info


def add_responses(session: Session, info: SurveyInfo, rows: list[dict[str, Any]], *, chunk: int = 5000) -> None:
    """Insert responses. Each row: area_id, channel, and optional problems {item: code}, unsafe, age, gender,
    place (code or None, lat, lon, time), text."""
    next_response = (session.execute(select(func.max(Response.id))).scalar() or 0) + 1
    next_answer = (session.execute(select(func.max(Answer.id))).scalar() or 0) + 1
    responses: list[dict[str, Any]] = []
    answers: list[dict[str, Any]] = []
    q = info.questions
    s = info.survey

    def flush() -> None:
        if responses:
            session.execute(insert(Response), responses)
        if answers:
            session.execute(insert(Answer), answers)
        responses.clear()
        answers.clear()

    def answer(rid: int, qid: int, **values: Any) -> None:
        nonlocal next_answer
        base: dict[str, Any] = {"id": next_answer, "response_id": rid, "survey_id": info.id, "question_id": qid,
                                "item_code": "", "value_code": None, "value_number": None, "value_text": None,
                                "lat": None, "lon": None, "time_of_day": None}
        base.update(values)
        answers.append(base)
        next_answer += 1

    for row in rows:
        rid = next_response
        next_response += 1
        responses.append({"id": rid, "survey_id": info.id, "series_id": s.series_id, "wave": s.wave,
                          "channel": row.get("channel", "web"), "area_id": row.get("area_id"),
                          "language": "sv", "submitted_on": row.get("submitted_on", date(2026, 10, 1))})
        for item, code in row.get("problems", {}).items():
            answer(rid, q["problems"], item_code=item, value_code=code)
        for key in ("unsafe", "age", "gender"):
            if row.get(key):
                answer(rid, q["unsafe_evening" if key == "unsafe" else key], value_code=row[key])
        if row.get("area_id") is not None:
            answer(rid, q["subarea"], value_code=f"area:{row['area_id']}")
        if row.get("place"):
            code, lat, lon, time = row["place"]
            answer(rid, q["unsafe_place"], value_code=code, lat=lat, lon=lon, time_of_day=time)
        if row.get("text"):
            answer(rid, q["suggestion"], value_text=row["text"])
        if len(answers) >= chunk:
            flush()
    flush()
    session.flush()


def uniform_rows(area_ids: list[int], per_area: int, *, seed: int = 1, items: Iterable[str] = ITEMS,
                 channels: tuple[str, ...] = ("web", "qr", "assisted", "paper")) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    item_list = list(items)
    rows = []
    for area_id in area_ids:
        for _ in range(per_area):
            rows.append({"area_id": area_id, "channel": rng.choice(channels),
                         "problems": {item: rng.choice(SCALE) for item in item_list},
                         "unsafe": rng.choice(UNSAFE), "age": rng.choice(AGES), "gender": rng.choice(GENDERS)})
    return rows
