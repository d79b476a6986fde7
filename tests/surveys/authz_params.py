"""Path parameters for the authorization matrix: a real object of this domain in the given municipality."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from app.models import Municipality
from app.models.surveys import ImportStatus, Question, SurveyImportJob
from tests.surveys.factories import standard_survey


def params(db: Session, municipality: Municipality) -> dict[str, Any]:
    survey = standard_survey(db, municipality)
    question = db.exec(select(Question).where(Question.survey_id == survey.id, Question.code == "suggestion")).one()
    job = SurveyImportJob(survey_id=survey.id or 0, municipality_id=municipality.id or 0, status=ImportStatus.done,
                          report={"outcome": "imported", "imported": 0, "rows": 0})
    db.add(job)
    db.flush()
    return {"survey_id": survey.id, "question_id": question.id, "job_id": job.id}
