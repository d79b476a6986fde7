"""Paper answers: the downloadable template per survey and the all-or-nothing import (one transaction, bulk Core
inserts in chunks, channel "paper", the survey's series and wave, the date on the paper only)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import insert
from sqlmodel import Session, col

from app import audit, clock, spreadsheets
from app.audit import Action
from app.auth import Scope
from app.db import writing
from app.errors import AppError, ValidationFailed
from app.i18n import gettext as _
from app.models.surveys import Answer, Channel, Response, Survey, SurveyStatus
from app.surveys import paper, questionnaires, rules

CHUNK = 500  # responses per INSERT batch


class PaperRejected(AppError):
    """At least one row is wrong: nothing was stored. Carries every problem found."""

    status = 400

    def __init__(self, problems: list[paper.RowProblem], rows: int) -> None:
        super().__init__(_("Inga svar importerades."))
        self.problems = problems
        self.rows = rows


@dataclass(frozen=True)
class ImportResult:
    rows: int
    chunks: int


def _languages(survey: Survey) -> list[str]:
    return list(dict.fromkeys(["sv", *survey.languages]))


def template_csv(questionnaire: questionnaires.Questionnaire) -> bytes:
    return spreadsheets.csv_bytes(paper.headers(questionnaire.questions),
                                  [paper.notes(questionnaire.questions, _languages(questionnaire.survey))])


def template_xlsx(questionnaire: questionnaires.Questionnaire) -> bytes:
    codes: list[list[str]] = [
        [paper.DATE_COLUMN, _("Datum på pappret"), "", _("ÅÅÅÅ-MM-DD (tomt = i dag)")],
        [paper.LANGUAGE_COLUMN, _("Språk"), "", ", ".join(_languages(questionnaire.survey))]]
    for column in paper.columns(questionnaire.questions):
        codes.append([column.header, rules.localized(column.question.text, "sv")[:300],
                      _("ja") if column.question.required else "", column.note])
        for option in (*column.question.options, *column.question.items):
            codes.append(["", "", "", f"{option.code} = {rules.localized(option.label, 'sv')[:200]}"])
    return spreadsheets.xlsx_bytes({
        _("Svar"): (paper.headers(questionnaire.questions), []),
        _("Koder"): ([_("Kolumn"), _("Fråga"), _("Obligatorisk"), _("Tillåtna värden")], codes)})


def check_importable(survey: Survey) -> None:
    if survey.status in (SurveyStatus.draft, SurveyStatus.archived):
        raise ValidationFailed({"file": _("Pappersvar kan bara importeras till en öppen eller stängd enkät.")})


def import_paper(session: Session, scope: Scope, survey: Survey, data: bytes) -> ImportResult:
    """Reads and checks the whole file, then stores every row in one transaction, or nothing.

    Raises ValidationFailed({"file": ...}) when the file cannot be read, PaperRejected when any row is wrong.
    """
    check_importable(survey)
    questionnaire = questionnaires.load_questionnaire(session, survey)
    try:
        table = paper.read_table(data)
        rows, problems = paper.check_rows(questionnaire.questions, table, area_codes=questionnaire.area_codes,
                                          bounds=questionnaire.bounds, languages=_languages(survey),
                                          today=clock.today())
    except paper.FileProblem as exc:
        raise ValidationFailed({"file": exc.message}) from None
    if problems:
        raise PaperRejected(problems, len(rows) + len({p.row for p in problems}))
    if not rows:
        raise ValidationFailed({"file": _("Filen har inga svar att importera.")})
    areas = {rules.AREA_PREFIX + a.slug: a.id for a in questionnaire.areas}
    chunks = 0
    with writing(session):
        for start in range(0, len(rows), CHUNK):
            batch = rows[start:start + CHUNK]
            ids = session.execute(
                insert(Response).returning(col(Response.id), sort_by_parameter_order=True),
                [{"survey_id": survey.id, "series_id": survey.series_id, "wave": survey.wave,
                  "channel": Channel.paper.value,
                  "area_id": areas.get(rules.response_area_code(questionnaire.questions, row.answers) or ""),
                  "language": row.language, "submitted_on": row.submitted_on} for row in batch]).scalars().all()
            answer_rows = []
            for response_id, row in zip(ids, batch, strict=True):
                for values in rules.answer_rows(questionnaire.questions, row.answers):
                    values["response_id"] = response_id
                    values["survey_id"] = survey.id
                    answer_rows.append(values)
            if answer_rows:
                session.execute(insert(Answer), answer_rows)
            chunks += 1
        audit.record(session, scope.user, Action.SURVEY_IMPORT_PAPER, "survey", survey.id,
                     municipality_id=scope.municipality_id, after={"responses": len(rows)})
    return ImportResult(len(rows), chunks)
