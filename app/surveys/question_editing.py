"""Staff editing of a survey's questions: add, change, move and delete, before any answers exist."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, insert
from sqlmodel import Session, col, select

from app import audit, clock
from app.auth import Scope
from app.errors import Conflict, ValidationFailed
from app.i18n import gettext as _
from app.models.surveys import (
    BackgroundRole,
    OptionKind,
    Question,
    QuestionOption,
    QuestionType,
    Survey,
)
from app.surveys import rules
from app.surveys.authoring import response_count
from app.surveys.questionnaires import forget_questionnaire

# --- staff: questions ------------------------------------------------------------------------------------------


@dataclass
class QuestionInput:
    """A question as staff typed it (already cut to length by the route)."""

    type: str
    code: str
    page: str
    required: bool
    role: str
    condition: str  # "question_code=option_code" or ""
    text: dict[str, str]
    help: dict[str, str]
    options: dict[str, str]  # language -> "code = label" lines
    items: dict[str, str]
    min_choices: str = ""
    max_choices: str = ""
    scale_min: str = ""
    scale_max: str = ""


def _parse_question(session: Session, survey: Survey, data: QuestionInput,
                    current: Question | None) -> tuple[dict[str, Any], dict[str, dict[str, dict[str, str]]]]:
    errors: dict[str, str] = {}
    try:
        kind = QuestionType(data.type)
    except ValueError:
        raise ValidationFailed({"type": _("Välj en frågetyp.")}) from None
    if not data.code or not rules.SLUG_RE.fullmatch(data.code.replace("_", "-")):
        errors["code"] = _("Koden får bara innehålla små bokstäver a–z, siffror, _ och - (högst 40 tecken).")
    else:
        clash = session.exec(select(Question.id).where(Question.survey_id == survey.id, Question.code == data.code,
                                                       Question.id != (current.id if current else None))).first()
        if clash:
            errors["code"] = _("Koden används redan av en annan fråga i enkäten.")
    if not data.page.isdecimal() or not 1 <= int(data.page) <= 50:
        errors["page"] = _("Ange ett sidnummer från 1 till 50.")
    if not data.text.get("sv"):
        errors["text-sv"] = _("Skriv frågan på svenska.")
    role = data.role or None
    if role and role not in {r.value for r in BackgroundRole}:
        errors["role"] = _("Välj en bakgrundsroll i listan.")
    parsed: dict[str, dict[str, dict[str, str]]] = {"option": {}, "item": {}}
    for kind_name, source in (("option", data.options), ("item", data.items)):
        base_codes: list[str] = []
        for lang, raw in source.items():
            lines, problem = rules.parse_option_lines(raw)
            if problem:
                errors[f"{kind_name}s-{lang}"] = problem
                continue
            if lang == "sv":
                base_codes = [code for code, _label in lines]
            for code, label in lines:
                parsed[kind_name].setdefault(code, {})[lang] = label
        unknown = [code for code in parsed[kind_name] if code not in base_codes]
        if unknown and f"{kind_name}s-sv" not in errors:
            errors[f"{kind_name}s-sv"] = _("Koden ”%(code)s” finns på ett annat språk men inte på svenska.") % {
                "code": unknown[0]}
    needs_options = kind in (QuestionType.single, QuestionType.multiple, QuestionType.matrix, QuestionType.ranking)
    if needs_options and not parsed["option"] and "options-sv" not in errors:
        errors["options-sv"] = _("Frågetypen behöver svarsalternativ.")
    if kind == QuestionType.matrix and not parsed["item"] and "items-sv" not in errors:
        errors["items-sv"] = _("Ett problembatteri behöver rader (påståenden).")
    settings: dict[str, Any] = dict(current.settings) if current else {}
    for name, raw, low, high in (("min_choices", data.min_choices, 0, 50), ("max_choices", data.max_choices, 1, 50),
                                 ("scale_min", data.scale_min, 0, 10), ("scale_max", data.scale_max, 1, 10)):
        if raw:
            if not raw.isdecimal() or not low <= int(raw) <= high:
                errors[name] = _("Ange ett heltal från %(low)s till %(high)s.") % {"low": low, "high": high}
            else:
                settings[name] = int(raw)
    if kind == QuestionType.ranking:
        settings.setdefault("rank_count", 3)
    if kind == QuestionType.place:
        settings.setdefault("with_time", True)
    condition_code = condition_value = None
    if data.condition:
        source_code, _sep, value = data.condition.partition("=")
        source_question = session.exec(select(Question).where(Question.survey_id == survey.id,
                                                              Question.code == source_code)).first()
        page = int(data.page) if data.page.isdecimal() else 0
        valid_values = set(session.exec(select(QuestionOption.code).where(
            QuestionOption.question_id == (source_question.id if source_question else 0),
            QuestionOption.kind == OptionKind.option)))
        if source_question is None or source_question.page >= page or value not in valid_values:
            errors["condition"] = _("Villkoret måste gälla ett svarsalternativ i en fråga på en tidigare sida.")
        else:
            condition_code, condition_value = source_code, value
    if errors:
        raise ValidationFailed(errors)
    fields = {"type": kind, "code": data.code, "page": int(data.page), "required": data.required,
              "role": BackgroundRole(role) if role else None,
              "text": {k: v for k, v in data.text.items() if v}, "help": {k: v for k, v in data.help.items() if v},
              "settings": settings, "condition_question_code": condition_code,
              "condition_value_code": condition_value}
    return fields, parsed


def save_question(session: Session, scope: Scope, survey: Survey, data: QuestionInput,
                  question: Question | None = None) -> Question:
    """Adds or changes a question with its options. Option rows keep their codes (so waves stay comparable)."""
    fields, parsed = _parse_question(session, survey, data, question)
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
    audit.record(session, scope.user, "update" if before else "create", "survey_question", question.id,
                 municipality_id=scope.municipality_id, before=before,
                 after={**(audit.snapshot(question) or {}), "options": parsed})
    session.commit()
    return question


def _guard_has_no_answers(session: Session, survey: Survey) -> None:
    if response_count(session, survey):
        raise Conflict(_("Enkäten har redan svar. Kopiera den som en ny mätomgång för att ändra frågorna."))


def guard_editable(session: Session, survey: Survey) -> None:
    """Questions change only before answers exist; afterwards a new wave keeps the results comparable."""
    _guard_has_no_answers(session, survey)


def move_question(session: Session, scope: Scope, survey: Survey, question: Question, direction: str) -> None:
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
        session.rollback()
        raise ValidationFailed({"direction": _("Flytten skulle sätta en fråga före frågan som dess villkor gäller.")})
    session.add_all(siblings)
    forget_questionnaire(survey)
    audit.record(session, scope.user, "move", "survey_question", question.id,
                 municipality_id=scope.municipality_id, after={"direction": direction, "page": question.page})
    session.commit()


def delete_question(session: Session, scope: Scope, survey: Survey, question: Question) -> None:
    dependants = session.exec(select(Question.code).where(Question.survey_id == survey.id,
                                                          Question.condition_question_code == question.code)).all()
    if dependants:
        raise ValidationFailed({"delete": _("Frågan %(codes)s har ett villkor på den här frågan. Ta bort "
                                            "villkoret först.") % {"codes": ", ".join(dependants)}})
    before = audit.snapshot(question)
    session.execute(delete(QuestionOption).where(col(QuestionOption.question_id) == question.id))
    session.delete(question)
    forget_questionnaire(survey)
    audit.record(session, scope.user, "delete", "survey_question", question.id,
                 municipality_id=scope.municipality_id, before=before)
    session.commit()
