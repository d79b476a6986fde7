"""Parsing of an uploaded crime-statistics CSV (reported crimes per area, category and period).

Pure. The file is the shape Brå and Polisen publish, one row per area, category and period:
`område;brottskategori;period;antal` (comma or semicolon; Swedish or English headers). A period is a year
("2025"), a quarter ("2025-Q3" / "2025K3") or a month ("2025-07"). Any bad row makes the whole file fail, and
every bad row is named by its line number.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass

from app.i18n import gettext as _

MAX_ROWS = 20_000
HEADERS = {
    "area": ("område", "omrade", "area", "delområde"),
    "category": ("brottskategori", "kategori", "brottstyp", "category", "crime"),
    "period": ("period", "år", "ar", "year"),
    "count": ("antal", "anmälda brott", "anmalda brott", "count", "number"),
}
PERIOD = re.compile(r"^(\d{4})(?:-?(?:Q|K)([1-4])|-(0[1-9]|1[0-2]))?$", re.IGNORECASE)


@dataclass(frozen=True)
class CrimeRow:
    area_id: int
    category: str
    period: str
    count: int


def normalise_period(raw: str) -> str | None:
    match = PERIOD.match(raw.strip())
    if not match:
        return None
    year, quarter, month = match.groups()
    if not 1990 <= int(year) <= 2100:
        return None
    if quarter:
        return f"{year}-Q{quarter}"
    if month:
        return f"{year}-{month}"
    return year


def parse_crime_csv(data: bytes, areas: Mapping[str, int]) -> tuple[list[CrimeRow], list[str]]:
    """Rows and errors; `areas` maps a lower-case area slug or name to its id."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            return [], [_("Filen kunde inte läsas som text (spara den som CSV i UTF-8).")]
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        return [], [_("Filen är tom.")]
    delimiter = ";" if lines[0].count(";") >= lines[0].count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = [h.strip().lower() for h in next(reader)]
    positions: dict[str, int] = {}
    for key, names in HEADERS.items():
        for i, h in enumerate(header):
            if h in names:
                positions[key] = i
                break
    missing = [key for key in HEADERS if key not in positions]
    if missing:
        return [], [_("Rad 1: kolumnerna ska heta område, brottskategori, period och antal.")]
    rows: list[CrimeRow] = []
    errors: list[str] = []
    seen: set[tuple[int, str, str]] = set()
    for line_no, record in enumerate(reader, start=2):
        if not any(cell.strip() for cell in record):
            continue
        if len(rows) + len(errors) >= MAX_ROWS:
            errors.append(_("Filen har fler än %(max)s rader.") % {"max": MAX_ROWS})
            break
        cells = [c.strip() for c in record]
        problems = []

        def get(name: str, cells: list[str] = cells) -> str:
            return cells[positions[name]] if positions[name] < len(cells) else ""

        area_id = areas.get(get("area").lower())
        if area_id is None:
            problems.append(_("okänt område ”%(area)s”") % {"area": get("area")[:80]})
        category = get("category")
        if not category or len(category) > 120:
            problems.append(_("brottskategori saknas eller är för lång"))
        period = normalise_period(get("period"))
        if period is None:
            problems.append(_("perioden ”%(period)s” ska vara ett år, kvartal (2025-Q3) eller månad (2025-07)")
                            % {"period": get("period")[:20]})
        raw_count = get("count").replace(" ", "").replace("\u00a0", "")
        count = int(raw_count) if raw_count.isdecimal() and len(raw_count) <= 9 else None
        if count is None:
            problems.append(_("antal ska vara ett heltal, 0 eller mer"))
        if not problems and area_id is not None and period is not None and count is not None:
            row_key = (area_id, category, period)
            if row_key in seen:
                problems.append(_("samma område, kategori och period finns redan på en tidigare rad"))
            else:
                seen.add(row_key)
                rows.append(CrimeRow(area_id=area_id, category=category, period=period, count=count))
        if problems:
            errors.append(_("Rad %(line)s: %(problems)s") % {"line": line_no, "problems": ", ".join(problems)})
    if not rows and not errors:
        errors.append(_("Filen har inga rader med siffror."))
    return rows, errors
