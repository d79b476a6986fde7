"""Formula injection: every CSV/XLSX the app writes goes through app/spreadsheets.py, the public open data included."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from sqlmodel import Session

from app import spreadsheets
from app.models.pledges import PledgeStatus, PledgeUpdate
from tests import factories
from tests.conftest import CheckedClient
from tests.pledges import factories as pf

APP = Path(__file__).resolve().parent.parent / "app"
FORMULAS = ["=HYPERLINK(\"http://evil.example\",\"klicka\")", "+SUM(A1:A9)", "-2+3+cmd|' /C calc'!A0",
            "@SUM(A1)", "\t=1+1", "\r=1+1", "\n=1+1"]


def test_safe_cell_neutralises_formulas_and_keeps_numbers() -> None:
    for text in FORMULAS:
        assert spreadsheets.safe_cell(text) == "'" + text
    assert spreadsheets.safe_cell(-3) == -3 and spreadsheets.safe_cell(2.5) == 2.5
    assert spreadsheets.safe_cell("-3.5") == "-3.5" and spreadsheets.safe_cell("+46701234567") == "+46701234567"
    assert spreadsheets.safe_cell("Hej = hallå") == "Hej = hallå" and spreadsheets.safe_cell(None) is None


def test_open_data_pledges_csv_neutralises_formula_leads(client: CheckedClient, db: Session) -> None:
    """The attack: a partner's update text `=HYPERLINK(...)` became a live formula in /api/v1/pledges.csv."""
    municipality = factories.municipality(db)
    pledge, acts = pf.complete_pledge(db, municipality, PledgeStatus.published)
    for text in FORMULAS:
        db.add(PledgeUpdate(pledge_id=pledge.id or 0, activity_id=acts[0].id or 0, posted_on=pledge.starts_on,
                            text=text, achieved=1))
    acts[0].title = {"sv": "@SUM(1+1)"}
    db.add(acts[0])
    db.commit()
    updates = client.get(f"/api/v1/pledges.csv?municipality={municipality.slug}&table=updates")
    assert updates.status_code == 200
    texts = [row[4] for row in csv.reader(io.StringIO(updates.text, newline=""))][1:]
    assert sorted(texts) == sorted("'" + t for t in FORMULAS)
    activities = client.get(f"/api/v1/pledges.csv?municipality={municipality.slug}&table=activities")
    assert "'@SUM(1+1)" in activities.text
    rows = list(csv.reader(io.StringIO(activities.text, newline="")))
    assert all(not cell.startswith(spreadsheets.FORMULA_LEADS) or re.fullmatch(r"-?\d+(\.\d+)?", cell)
               for row in rows for cell in row)


def test_xlsx_cells_are_neutralised_and_numbers_stay_numbers() -> None:
    from openpyxl import load_workbook  # type: ignore[import-untyped]

    body = spreadsheets.xlsx_bytes({"data": (["=titel", "n"], [["=1+1", 7], ["@A1", -2]])})
    sheet = load_workbook(io.BytesIO(body))["data"]
    assert [[c.value for c in row] for row in sheet.iter_rows()] == [["'=titel", "n"], ["'=1+1", 7], ["'@A1", -2]]
    assert sheet["B2"].data_type == "n"


def test_every_spreadsheet_writer_goes_through_the_helper() -> None:
    """A new csv.writer or openpyxl Workbook anywhere else in app/ would write cells nobody made safe."""
    writer = re.compile(r"csv\.(writer|DictWriter)\(|\bWorkbook\(|from openpyxl import[^\n]*\bWorkbook\b|xlsxwriter")
    offenders = [str(path.relative_to(APP)) for path in APP.rglob("*.py")
                 if path.name != "spreadsheets.py" and writer.search(path.read_text(encoding="utf-8"))]
    assert offenders == []
