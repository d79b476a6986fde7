"""Every CSV and XLSX the app writes goes through here, so no cell can run as a spreadsheet formula.

Excel, LibreOffice and Google Sheets treat a cell that starts with = + - @ (and, after trimming, tab, CR or LF)
as a formula: `=HYPERLINK(...)` in a resident's text would become a live link in a coordinator's sheet. Such text
gets a leading apostrophe (OWASP's advice); numbers (int, float, Decimal, and strings that are plain numbers such as
"-3.5") stay numbers.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r", "\n")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:[.,]\d+)?|[.,]\d+)(?:[eE][+-]?\d+)?")


def safe_cell(value: Any) -> Any:
    """The value, with text that a spreadsheet would run as a formula turned into plain text."""
    if isinstance(value, str) and value.startswith(FORMULA_LEADS) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def safe_row(row: Iterable[Any]) -> list[Any]:
    return [safe_cell(v) for v in row]


def csv_bytes(header: Sequence[Any] | None, rows: Iterable[Iterable[Any]], *, delimiter: str = ",",
              bom: bool = True) -> bytes:
    """A CSV file in UTF-8 (with a BOM so Excel reads it as UTF-8), every cell made safe; no header if None."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter)
    if header is not None:
        writer.writerow(safe_row(header))  # headers can carry names staff typed (areas, questions)
    for row in rows:
        writer.writerow(safe_row(row))
    return (("\ufeff" if bom else "") + buffer.getvalue()).encode("utf-8")


def append_row(sheet: Any, row: Iterable[Any]) -> None:
    """Append one safe row to an openpyxl worksheet (for writers that also style cells)."""
    sheet.append(safe_row(row))


def xlsx_bytes(sheets: Mapping[str, tuple[Sequence[Any] | None, Iterable[Iterable[Any]]]], *,
               write_only: bool = False) -> bytes:
    """An XLSX workbook with one sheet per entry (title -> (header or None, rows)), every cell made safe."""
    from openpyxl import Workbook  # type: ignore[import-untyped]  # imported here: only downloads need it
    from openpyxl.styles import Font  # type: ignore[import-untyped]

    book = Workbook(write_only=write_only)
    if not write_only:
        book.remove(book.active)
    for title, (header, rows) in sheets.items():
        sheet = book.create_sheet(title=title[:31])  # Excel's limit on sheet names
        if header is not None:
            append_row(sheet, header)
            if not write_only:  # a write-only sheet (large exports) cannot be styled after the fact
                for cell in sheet[1]:
                    cell.font = Font(bold=True)
                sheet.freeze_panes = "A2"
        for row in rows:
            append_row(sheet, row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
