"""Staff editing of a survey's questions: add, change, move and delete, before any answers exist."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func, insert
from sqlmodel import Session, col, select

from app import audit, clock
from app.audit import Action
from app.auth import Scope
from app.db import writing
from app.errors import Conflict, ValidationFailed
from app.i18n import gettext as _
from app.models.surveys import (
    OptionKind,
    Question,
    QuestionOption,
    Survey,
)
from app.surveys.authoring import response_count
from app.surveys.questionnaires import forget_questionnaire
from app.surveys.staff_forms import Options, QuestionForm


def _checked(session: Session, survey: Survey, form: QuestionForm,
             current: Question | None) -> tuple[dict[str, Any], Options]:
    """The question's columns and options from `form`, checked against the survey's other questions."""
    rows = session.exec(select(Question.id, Question.code, Question.page).where(Question.survey_id == survey.id)).all()
    codes: dict[int, set[str]] = {}
    if rows:
        for question_id, code in session.exec(select(QuestionOption.question_id, QuestionOption.code).where(
                col(QuestionOption.question_id).in_([r[0] for r in rows]), QuestionOption.kind == OptionKind.option)):
            codes.setdefault(question_id, set()).add(code)
    errors = form.problems(
        other_codes={code for question_id, code, _page in rows if current is None or question_id != current.id},
        questions={code: (page, codes.get(question_id or 0, set())) for question_id, code, page in rows})
    if errors:
        raise ValidationFailed(errors)
    return form.fields(current.settings if current else {}), form.parsed_options()


def save_question(session: Session, scope: Scope, survey: Survey, form: QuestionForm,
                  question: Question | None = None) -> Question:
    """Adds or changes a question with its options. Option rows keep their codes (so waves stay comparable)."""
    with writing(session):
        fields, parsed = _checked(session, survey, form, question)
        before = audit.snapshot(question)
        if question is None:
            last = session.execute(select(func.max(Question.position)).where(
                col(Question.survey_id) == survey.id, col(Question.page) == fields["page"])).scalar_one()
            question = Question(survey_id=survey.id or 0, position=int(last or 0) + 1, **fields)
        else:
            if question.code != fields["code"] and session.exec(select(Question.id).where(
                    Question.survey_id == survey.id, Question.condition_question_code == question.code)).first():
                raise ValidationFailed({"code": _("Andra frågor har villkor på den här koden. Ändra dem först.")})
            for name, value in fields.items():
                setattr(question, name, value)
        session.add(question)
        session.flush()
        session.execute(delete(QuestionOption).where(col(QuestionOption.question_id) == question.id))
        rows = [{"question_id": question.id, "kind": kind, "code": code, "position": i, "label": labels}
                for kind in ("option", "item") for i, (code, labels) in enumerate(parsed[kind].items(), start=1)]
        if rows:
            session.execute(insert(QuestionOption), rows)
        survey.updated_at = clock.now()
        session.add(survey)
        forget_questionnaire(survey)
        audit.record(session, scope.user, Action.SURVEY_QUESTION_UPDATE if before else Action.SURVEY_QUESTION_CREATE,
                     "survey_question", question.id,
                     municipality_id=scope.municipality_id, before=before,
                     after={**(audit.snapshot(question) or {}), "options": parsed})
    return question


def guard_editable(session: Session, survey: Survey) -> None:
    """Questions change only before answers exist; afterwards a new wave keeps the results comparable."""
    if response_count(session, survey):
        raise Conflict(_("Enkäten har redan svar. Kopiera den som en ny mätomgång för att ändra frågorna."))


def move_question(session: Session, scope: Scope, survey: Survey, question: Question, direction: str) -> None:
    with writing(session):
        siblings = list(session.exec(select(Question).where(Question.survey_id == survey.id)
                                     .order_by(col(Question.page), col(Question.position), col(Question.id))).all())
        index = next(i for i, q in enumerate(siblings) if q.id == question.id)
        other_index = index - 1 if direction == "up" else index + 1
        if direction not in ("up", "down") or not 0 <= other_index < len(siblings):
            return
        other = siblings[other_index]
        if other.page != question.page:
            question.page = other.page  # moving past a page edge moves the question onto that page
        for position, q in enumerate(siblings, start=1):
            q.position = position
        question.position, other.position = other.position, question.position
        pages = {q.code: q.page for q in siblings}
        if any(q.condition_question_code and pages.get(q.condition_question_code, 0) >= q.page for q in siblings):
            raise ValidationFailed(
                {"direction": _("Flytten skulle sätta en fråga före frågan som dess villkor gäller.")})
        session.add_all(siblings)
        forget_questionnaire(survey)
        audit.record(session, scope.user, Action.SURVEY_QUESTION_MOVE, "survey_question", question.id,
                     municipality_id=scope.municipality_id, after={"direction": direction, "page": question.page})


def delete_question(session: Session, scope: Scope, survey: Survey, question: Question) -> None:
    with writing(session):
        dependants = session.exec(select(Question.code).where(Question.survey_id == survey.id,
                                                              Question.condition_question_code == question.code)).all()
        if dependants:
            raise ValidationFailed({"delete": _("Frågan %(codes)s har ett villkor på den här frågan. Ta bort "
                                                "villkoret först.") % {"codes": ", ".join(dependants)}})
        before = audit.snapshot(question)
        session.execute(delete(QuestionOption).where(col(QuestionOption.question_id) == question.id))
        session.delete(question)
        forget_questionnaire(survey)
        audit.record(session, scope.user, Action.SURVEY_QUESTION_DELETE, "survey_question", question.id,
                     municipality_id=scope.municipality_id, before=before)
