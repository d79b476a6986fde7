"""Responses for staff: counts by day, channel and area (GROUP BY in SQL) and exports, one row per response with
a column per question/item code (the paper template's columns), free text masked.

Exports carry no response id (a running number instead) and nothing but what the response table holds: the
date, channel, language and sub-area. Free text goes through app.masking (names, phone numbers,
e-mail addresses, personal identity numbers, links), and every cell that a spreadsheet would read as a
formula is prefixed with an apostrophe. Background answers (the sub-area and every question the questionnaire
marks as background), the date, the channel and the language are k-anonymised (app.surveys.anonymity): no
combination of them shown is shared by fewer than SUPPRESSION_MIN_N respondents; rows come grouped by those
values, not in submission order.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session, col

from app import audit, spreadsheets
from app.audit import Action
from app.auth import Scope
from app.config import get_settings
from app.db import writing
from app.masking import mask_text
from app.models import Area
from app.models.surveys import Answer, Response, Survey
from app.surveys import anonymity, paper, questionnaires, rules

BATCH = 2000  # responses read per query while exporting


@dataclass(frozen=True)
class Counts:
    total: int
    by_day: list[tuple[date, int]]
    by_channel: list[tuple[str, int]]
    by_area: list[tuple[str | None, int]]  # area name, None for "not given"


def counts(session: Session, survey: Survey) -> Counts:
    """Three small GROUP BY queries on survey_response; no answer rows are read."""
    where = col(Response.survey_id) == survey.id
    by_day = session.execute(select(col(Response.submitted_on), func.count()).where(where)
                             .group_by(col(Response.submitted_on)).order_by(col(Response.submitted_on))).all()
    by_channel = session.execute(select(col(Response.channel), func.count()).where(where)
                                 .group_by(col(Response.channel)).order_by(col(Response.channel))).all()
    by_area = session.execute(select(col(Area.name), func.count()).select_from(Response)
                              .outerjoin(Area, col(Area.id) == Response.area_id).where(where)
                              .group_by(col(Area.name)).order_by(col(Area.name))).all()
    return Counts(total=sum(int(n) for _d, n in by_day),
                  by_day=[(d, int(n)) for d, n in by_day],
                  by_channel=[(str(c), int(n)) for c, n in by_channel],
                  by_area=[(a, int(n)) for a, n in by_area])


def shown_areas(by_area: list[tuple[str | None, int]], k: int) -> list[tuple[str | None, int]]:
    """The per-area counts as the responses page shows them: areas with at least `k` respondents by name, every
    smaller area pooled with "not given" into one row (None), so no area with fewer than `k` respondents is shown
    (the same rule as the exports' k-anonymity)."""
    shown = [(area, n) for area, n in by_area if area is not None and n >= k]
    pooled = sum(n for area, n in by_area if area is None or n < k)
    return shown + ([(None, pooled)] if pooled else [])


def safe_cell(value: str) -> str:
    """A text cell a spreadsheet will not evaluate (CSV/formula injection)."""
    return str(spreadsheets.safe_cell(value))  # one rule for every spreadsheet: app/spreadsheets.py


def export_headers(questionnaire: questionnaires.Questionnaire) -> list[str]:
    return ["response", "date", "channel", "language", "area",
            *(c.header for c in paper.columns(questionnaire.questions))]


AREA_COLUMN = 4  # the response's sub-area, in export_headers
QUASI_COLUMNS = (1, 2, 3)  # date, channel and language, in export_headers


def background_columns(questionnaire: questionnaires.Questionnaire) -> list[int]:
    """The export columns that describe the respondent rather than the place: the sub-area and the columns of
    every question marked as background (age, gender, sub-area, years lived, relation to the area)."""
    fixed = len(export_headers(questionnaire)) - len(paper.columns(questionnaire.questions))
    # The date, channel and language single a person out as well as any background answer does.
    return [*QUASI_COLUMNS, AREA_COLUMN, *(fixed + i for i, c in enumerate(paper.columns(questionnaire.questions))
                           if c.question.role or c.question.type == "subarea")]


def anonymised_rows(session: Session, questionnaire: questionnaires.Questionnaire,
                    k: int | None = None) -> list[list[str]]:
    """Every export row, with the background columns k-anonymised across the whole survey (so all rows are read
    before the first is written)."""
    rows = list(export_rows(session, questionnaire))
    columns = background_columns(questionnaire)
    safe = anonymity.k_anonymise([[row[c] for c in columns] for row in rows],
                                 get_settings().suppression_min_n if k is None else k)
    for row, values in zip(rows, safe, strict=True):
        for column, value in zip(columns, values, strict=True):
            row[column] = value
    # Submission order would date a blanked row by its neighbours: rows are grouped by what they show instead
    # (submission order only within a group whose shown values are the same) and numbered afresh.
    rows.sort(key=lambda row: [row[c] for c in columns])
    for number, row in enumerate(rows, start=1):
        row[0] = str(number)
    return rows


def export_rows(session: Session, questionnaire: questionnaires.Questionnaire) -> Iterator[list[str]]:
    """One list of cells per response, in submission order, read in batches (answers of BATCH responses each)."""
    survey = questionnaire.survey
    columns = paper.columns(questionnaire.questions)
    position = {c.header: i for i, c in enumerate(columns)}
    by_id = {q.id: q for q in questionnaire.questions}
    area_names = {a.id: a.slug for a in questionnaire.areas}
    number = 0
    last_id = 0
    while True:
        responses = session.execute(
            select(col(Response.id), col(Response.submitted_on), col(Response.channel), col(Response.language),
                   col(Response.area_id))
            .where(col(Response.survey_id) == survey.id, col(Response.id) > last_id)
            .order_by(col(Response.id)).limit(BATCH)).all()
        if not responses:
            return
        first, last_id = responses[0][0], responses[-1][0]
        cells: dict[int, list[str]] = {r[0]: [""] * len(columns) for r in responses}
        answers = session.execute(
            select(col(Answer.response_id), col(Answer.question_id), col(Answer.item_code), col(Answer.value_code),
                   col(Answer.value_number), col(Answer.value_text), col(Answer.lat), col(Answer.lon),
                   col(Answer.time_of_day))
            .where(col(Answer.survey_id) == survey.id, col(Answer.response_id).between(first, last_id))
            .order_by(col(Answer.response_id), col(Answer.id))).all()
        for response_id, question_id, item, code, number_value, text, lat, lon, time in answers:
            question = by_id.get(question_id)
            row = cells.get(response_id)
            if question is None or row is None:
                continue
            _place(row, position, question, item, code, number_value, text, lat, lon, time)
        for response_id, day, channel, language, area_id in responses:
            number += 1
            area = area_names.get(area_id, "") if area_id else ""
            yield [str(number), day.isoformat(), str(channel), language, area,
                   *(safe_cell(v) for v in cells[response_id])]


def _place(row: list[str], position: dict[str, int], question: rules.QuestionDef, item: str, code: str | None,
           number: int | None, text: str | None, lat: float | None, lon: float | None, time: str | None) -> None:
    def put(header: str, value: Any) -> None:
        index = position.get(header)
        if index is not None and value is not None:
            row[index] = str(value)

    kind, base = question.type, question.code
    if kind == "matrix":
        put(f"{base}:{item}", code)
    elif kind == "ranking":
        put(f"{base}:{number}", code)
    elif kind == "multiple":
        index = position.get(base)
        if index is not None and code:
            row[index] = f"{row[index]};{code}" if row[index] else code
    elif kind == "text":
        put(base, mask_text(text or ""))
    elif kind == "place":
        put(f"{base}:spot", code)
        put(f"{base}:lat", lat)
        put(f"{base}:lon", lon)
        put(f"{base}:time", time)
    else:
        put(base, code)


def export_csv(session: Session, questionnaire: questionnaires.Questionnaire) -> tuple[bytes, int]:
    """The CSV file and its number of rows (for the audit log)."""
    rows = anonymised_rows(session, questionnaire)
    return spreadsheets.csv_bytes(export_headers(questionnaire), rows), len(rows)


def export_xlsx(session: Session, questionnaire: questionnaires.Questionnaire) -> tuple[bytes, int]:
    """The XLSX file and its number of rows (for the audit log)."""
    rows = anonymised_rows(session, questionnaire)
    return spreadsheets.xlsx_bytes({"responses": (export_headers(questionnaire), rows)}, write_only=True), len(rows)


def record_export(session: Session, scope: Scope, survey: Survey, kind: str, rows: int) -> None:
    """Who downloaded which survey's respondent rows, when (the log row's time) and how many."""
    with writing(session):
        audit.record(session, scope.user, Action.SURVEY_EXPORT_RESPONSES, "survey", survey.id,
                     municipality_id=scope.municipality_id, after={"format": kind, "rows": rows})
