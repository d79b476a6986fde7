"""Path parameters for the authorization matrix: a real object of this domain in the given municipality."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from app.models import Municipality
from app.models.concerns import ThemeTerm
from app.models.surveys import Answer
from tests import factories
from tests.concerns import factories as cf


def params(db: Session, municipality: Municipality) -> dict[str, Any]:
    area = factories.area(db, municipality)
    info = cf.survey(db, municipality, [area])
    cf.add_responses(db, info, [{"area_id": area.id, "text": "Mörkt vid stationen",
                                 "problems": {"speeding": "very_big"}}])
    answer_id = db.execute(select(col(Answer.id)).where(col(Answer.survey_id) == info.id,
                                                        col(Answer.question_id) == info.questions["suggestion"])
                           ).scalar_one()
    term = ThemeTerm(municipality_id=municipality.id or 0, stem="lykt", theme="item:dark_places")
    db.add(term)
    db.flush()
    return {"concern_table": "concerns", "concern_term_id": term.id, "concern_answer_id": answer_id}
