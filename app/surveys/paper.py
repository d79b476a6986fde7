"""Paper answers: the template's columns, reading an uploaded CSV/XLSX, and checking every row with the same
rules the web flow uses (rules.read_page, rules.prune_hidden). Pure: no database, tested with literals.

One column per form field of the web flow, named after the question code:
single / labelled or numeric scale / sub-area / free text -> `<code>`; multiple -> `<code>` with the chosen
codes separated by `;`; problem battery -> `<code>:<item>` per item; ranking -> `<code>:1` .. `<code>:<n>`;
place -> `<code>:spot`, `<code>:lat`, `<code>:lon`, `<code>:time`. Two optional columns come first: `date`
(the date on the paper, YYYY-MM-DD, default today) and `language`. A row whose first cell starts with `#` is a
note (the template's second row explains the allowed codes) and is skipped, as are empty rows.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from app.i18n import gettext as _
from app.surveys import rules

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
MAX_COLUMNS = 500  # far more than any survey's template; a sheet may declare 16,384 columns in a few bytes
MAX_REPORTED = 200  # problems listed on the report page; the count says how many there were in all
BACKGROUND_ROWS = 2000  # a file with more data rows than this is imported by a background job with a progress page
PROGRESS_EVERY = 250  # rows between two progress reports of a background import
DATE_COLUMN = "date"
LANGUAGE_COLUMN = "language"
NOTE_PREFIX = "#"
XLSX_SIGNATURE = b"PK\x03\x04"


@dataclass(frozen=True)
class Column:
    header: str
    field: str  # the web form's field name (rules.field_name)
    question: rules.QuestionDef
    note: str  # allowed values, in Swedish codes (what the paper coder types)


@dataclass(frozen=True)
class RowProblem:
    row: int  # 1-based row number in the file, as a spreadsheet shows it
    column: str
    message: str


@dataclass(frozen=True)
class PaperRow:
    row: int
    submitted_on: date
    language: str
    answers: dict[str, Any]


class FileProblem(Exception):
    """The file as a whole cannot be read (type, size, encoding, header)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _codes(options: Iterable[rules.OptionDef]) -> str:
    return ", ".join(option.code for option in options)


def columns(questions: Sequence[rules.QuestionDef]) -> list[Column]:
    """The template's answer columns, in question order."""
    result: list[Column] = []
    for q in questions:
        def add(part: str, note: str, q: rules.QuestionDef = q) -> None:
            result.append(Column(f"{q.code}:{part}" if part else q.code, rules.field_name(q, part), q, note))

        if q.type == "scale" and q.numeric:
            low, high = q.scale_range
            add("", f"{low}–{high}")
        elif q.type in ("single", "scale", "subarea"):
            add("", _codes(q.options))
        elif q.type == "multiple":
            low, high = q.choice_range
            add("", _("%(low)s–%(high)s av: %(codes)s (skilj med ;)") % {"low": low, "high": high,
                                                                           "codes": _codes(q.options)})
        elif q.type == "matrix":
            for item in q.items:
                add(item.code, _codes(q.options))
        elif q.type == "ranking":
            for rank in range(1, q.rank_count + 1):
                add(str(rank), _codes(q.options))
        elif q.type == "text":
            add("", _("fritext, högst %(n)s tecken") % {"n": rules.MAX_TEXT})
        elif q.type == "place":
            add("spot", _codes(q.options) or _("område: area:<namn>"))
            add("lat", _("latitud, t.ex. 59.3712"))
            add("lon", _("longitud, t.ex. 16.5461"))
            add("time", ", ".join(rules.TIMES_OF_DAY))
    return result


def headers(questions: Sequence[rules.QuestionDef]) -> list[str]:
    return [DATE_COLUMN, LANGUAGE_COLUMN, *(c.header for c in columns(questions))]


def notes(questions: Sequence[rules.QuestionDef], languages: Sequence[str]) -> list[str]:
    first = NOTE_PREFIX + " " + _("ÅÅÅÅ-MM-DD (tomt = i dag)")
    return [first, ", ".join(languages), *(("*" if c.question.required else "") + c.note
                                           for c in columns(questions))]


# --- reading a file -------------------------------------------------------------------------------------------


def sniff(data: bytes) -> str:
    """"xlsx" or "csv" from the content (never from the file name); FileProblem otherwise."""
    if not data:
        raise FileProblem(_("Filen är tom."))
    if len(data) > MAX_BYTES:
        raise FileProblem(_("Filen är för stor. Högst %(mb)s MB.") % {"mb": MAX_BYTES // (1024 * 1024)})
    if data.startswith(XLSX_SIGNATURE):
        return "xlsx"
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FileProblem(_("Filen är varken en CSV-fil i UTF-8 eller en Excel-fil (XLSX).")) from None
    if "\x00" in text:
        raise FileProblem(_("Filen är varken en CSV-fil i UTF-8 eller en Excel-fil (XLSX)."))
    return "csv"


def read_table(data: bytes) -> list[list[str]]:
    """The file's rows as lists of strings (header first), whatever its type."""
    kind = sniff(data)
    return _read_xlsx(data) if kind == "xlsx" else _read_csv(data.decode("utf-8-sig"))


def _read_csv(text: str) -> list[list[str]]:
    # The header row decides (Excel with Swedish settings saves `;`); it holds codes, never commas of its own.
    first_line = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first_line.count)
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error:
        raise FileProblem(_("CSV-filen kunde inte läsas.")) from None
    if len(rows) > MAX_ROWS + 2:
        raise FileProblem(_("Filen har för många rader. Högst %(n)s svar per fil.") % {"n": MAX_ROWS})
    return rows


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, date):
        return value.isoformat()[:10]
    return str(value)


def _read_xlsx(data: bytes) -> list[list[str]]:
    from openpyxl import load_workbook  # type: ignore[import-untyped]  # imported here: only uploads and downloads need it

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if "xl/workbook.xml" not in archive.namelist():
                raise FileProblem(_("Filen är varken en CSV-fil i UTF-8 eller en Excel-fil (XLSX)."))
            # Guard against zip bombs: the unpacked size is bounded too.
            if sum(info.file_size for info in archive.infolist()) > 20 * MAX_BYTES:
                raise FileProblem(_("Filen är för stor. Högst %(mb)s MB.") % {"mb": MAX_BYTES // (1024 * 1024)})
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except FileProblem:
        raise
    except Exception:
        raise FileProblem(_("Excel-filen kunde inte läsas.")) from None
    too_wide = FileProblem(_("Filen har för många kolumner. Högst %(n)s.") % {"n": MAX_COLUMNS})
    try:
        sheet = workbook.worksheets[0]
        declared = sheet.max_column  # read-only sheets pad every row to the width the file declares
        if (declared or 0) > MAX_COLUMNS:
            raise too_wide
        rows: list[list[str]] = []
        for values in sheet.iter_rows(values_only=True, max_col=declared):
            if len(values) > MAX_COLUMNS:  # undeclared width: each row is as wide as its last cell
                raise too_wide
            rows.append([_cell(v) for v in values])
            if len(rows) > MAX_ROWS + 2:
                raise FileProblem(_("Filen har för många rader. Högst %(n)s svar per fil.") % {"n": MAX_ROWS})
        return rows
    finally:
        workbook.close()


# --- checking rows ------------------------------------------------------------------------------------------


def check_rows(questions: Sequence[rules.QuestionDef], table: list[list[str]], *, area_codes: set[str],
               bounds: rules.Bounds, languages: Sequence[str], today: date,
               on_progress: Callable[[int, int], None] | None = None,
               every: int = PROGRESS_EVERY) -> tuple[list[PaperRow], list[RowProblem]]:
    """Every data row checked as the web flow checks a resident's answers. Returns (rows, problems); the import
    stores the rows only when there are no problems at all. `on_progress(checked, total)` is told after every
    `every` data rows and once at the end (a background import records it for its progress page)."""
    if not table or not any(cell.strip() for cell in table[0]):
        raise FileProblem(_("Filen saknar rubrikrad. Använd mallen för enkäten."))
    header = [cell.strip() for cell in table[0]]
    known = {c.header: c for c in columns(questions)}
    allowed = {DATE_COLUMN, LANGUAGE_COLUMN, *known}
    unknown = [h for h in header if h and h not in allowed]
    if unknown:
        raise FileProblem(_("Okända kolumner: %(names)s. Använd mallen för enkäten.") % {
            "names": ", ".join(unknown[:10])})
    seen = [h for h in header if h]
    if len(set(seen)) != len(seen):
        raise FileProblem(_("Någon kolumn finns två gånger i rubrikraden."))
    by_field = {c.field: c.header for c in known.values()}
    base_field = {rules.field_name(q): q.code for q in questions}
    relaxed = [replace(q, required=False) for q in questions]

    rows: list[PaperRow] = []
    problems: list[RowProblem] = []
    total = len(table) - 1
    for index, raw in enumerate(table[1:], start=2):
        if on_progress is not None and index > 2 and (index - 2) % every == 0:
            on_progress(index - 2, total)
        cells = {header[i]: (raw[i] if i < len(raw) else "").strip() for i in range(len(header)) if header[i]}
        first = raw[0].strip() if raw else ""
        if first.startswith(NOTE_PREFIX) or not any(cells.values()):
            continue
        row_problems: list[RowProblem] = []
        day = today
        raw_date = cells.get(DATE_COLUMN, "")
        if raw_date:
            parsed = _parse_date(raw_date)
            if parsed is None:
                row_problems.append(RowProblem(index, DATE_COLUMN, _("Skriv datumet som ÅÅÅÅ-MM-DD.")))
            elif parsed > today:
                row_problems.append(RowProblem(index, DATE_COLUMN, _("Datumet ligger i framtiden.")))
            else:
                day = parsed
        language = cells.get(LANGUAGE_COLUMN, "") or (languages[0] if languages else "sv")
        if language not in languages:
            row_problems.append(RowProblem(index, LANGUAGE_COLUMN, _("Språket finns inte i enkäten: välj %(codes)s.")
                                           % {"codes": ", ".join(languages)}))
        form: dict[str, list[str]] = {}
        for header_name, column in known.items():
            value = cells.get(header_name, "")
            if not value:
                continue
            if column.question.type == "multiple":
                form[column.field] = [v.strip() for v in re.split(r"[;,]", value) if v.strip()]
            elif column.question.type == "subarea" and not value.startswith(rules.AREA_PREFIX) and \
                    rules.AREA_PREFIX + value in area_codes:
                form[column.field] = [rules.AREA_PREFIX + value]
            else:
                form[column.field] = [value]
        values = rules.FormValues(form)
        # First read everything without the required check, to learn which questions show for these answers…
        loose, errors = rules.read_page(relaxed, values, area_codes=area_codes, bounds=bounds)
        if not errors:
            kept = rules.prune_hidden(questions, loose)
            shown = [q for q in questions if rules.is_visible(q, kept)]
            # …then read the shown questions exactly as the web flow does (required answers, whole batteries).
            answers, errors = rules.read_page(shown, values, area_codes=area_codes, bounds=bounds)
            answers = rules.prune_hidden(questions, answers)
            for missing in rules.missing_required(questions, answers):
                errors.setdefault(rules.field_name(missing), _("Svara på alla obligatoriska frågor."))
        for field, message in errors.items():
            row_problems.append(RowProblem(index, by_field.get(field) or base_field.get(field, field), message))
        if row_problems:
            problems.extend(row_problems)
        else:
            rows.append(PaperRow(index, day, language, answers))
    if on_progress is not None:
        on_progress(total, total)
    return rows, problems


def _parse_date(raw: str) -> date | None:
    """YYYY-MM-DD (a spreadsheet date cell arrives as such, possibly with a time after it)."""
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}(?:[ T][\d:.]*)?", raw):
        return None
    try:
        return date.fromisoformat(raw[:10])
    except ValueError:
        return None
