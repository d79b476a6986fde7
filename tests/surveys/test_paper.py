"""Paper answers: the template, type and size checks, every row checked like the web flow, all-or-nothing."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook  # type: ignore[import-untyped]
from sqlmodel import Session, col, select

from app import i18n
from app.audit import Action
from app.models import AuditLog, Municipality, Role, StaffUser
from app.models.surveys import Answer, Response, Survey, SurveyStatus
from app.surveys import authoring, paper, rules
from tests import factories
from tests.conftest import CheckedClient
from tests.surveys.factories import standard_survey

GOOD: dict[str, str] = {
    "date": "2026-11-20", "unsafe_evening": "fairly_unsafe", "consequences": "other_route;avoided_activity",
    "trust_police": "3", "problems:littering": "very_big", "problems:dark_places": "fairly_big",
    "priorities:1": "dark_places", "priorities:2": "littering", "safety_score": "6", "unsafe_place_exists": "yes",
    "unsafe_place:spot": "station", "unsafe_place:time": "evening",
    "suggestion": "Bättre belysning, ring Anna Svensson 070-123 45 67", "age": "25-34", "relation": "lives",
}


def setup(db: Session, role: Role = Role.coordinator) -> tuple[Municipality, StaffUser, Survey]:
    municipality = factories.municipality(db, languages=["sv", "en", "ar"])
    survey = standard_survey(db, municipality)
    return municipality, factories.staff(db, municipality, role), survey


def base(survey: Survey, municipality: Municipality) -> str:
    return f"/staff/m/{municipality.slug}/surveys/{survey.id}"


def make_csv(rows: list[dict[str, str]], headers: list[str] | None = None) -> bytes:
    names = headers or list(dict.fromkeys(k for row in rows for k in row))
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=names)
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")


def make_xlsx(rows: list[dict[str, str]]) -> bytes:
    names = list(dict.fromkeys(k for row in rows for k in row))
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(names)
    for row in rows:
        sheet.append([row.get(n, "") for n in names])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(client: CheckedClient, url: str, data: bytes, name: str = "svar.csv") -> Any:
    return client.post(url, data={"csrf_token": client.csrf()}, files={"file": (name, data, "text/csv")},
                       follow_redirects=False)


def paper_count(db: Session, survey: Survey) -> int:
    return len(db.exec(select(Response.id).where(Response.survey_id == survey.id, Response.channel == "paper")).all())


# --- pure rules -------------------------------------------------------------------------------------------------

Q = [rules.QuestionDef(id=1, code="color", type="single", required=True,
                       options=(rules.OptionDef("red", {}), rules.OptionDef("blue", {}))),
     rules.QuestionDef(id=2, code="why", type="text", condition=("color", "red")),
     rules.QuestionDef(id=3, code="grid", type="matrix", options=(rules.OptionDef("big", {}),),
                       items=(rules.OptionDef("a", {}), rules.OptionDef("b", {})))]


def check(table: list[list[str]]) -> tuple[list[paper.PaperRow], list[paper.RowProblem]]:
    i18n.set_language("sv")  # messages come in the current language; an earlier test may have left another
    return paper.check_rows(Q, table, area_codes=set(), bounds=rules.Bounds(), languages=["sv", "en"],
                            today=date(2026, 11, 29))


def test_columns_follow_the_question_codes() -> None:
    assert paper.headers(Q) == ["date", "language", "color", "why", "grid:a", "grid:b"]


def test_rows_are_checked_like_the_web_flow() -> None:
    rows, problems = check([["color", "why", "grid:a", "date"],
                            ["red", "mörkt", "big", ""],
                            ["# a note row", "", "", ""],
                            ["", "", "", ""],
                            ["green", "", "", ""],
                            ["", "", "", "2026-11-01"],
                            ["blue", "", "", "2027-01-01"]])
    assert [r.row for r in rows] == [2]
    assert rows[0].answers == {"color": "red", "why": "mörkt", "grid": {"a": "big"}}
    assert [(p.row, p.column) for p in problems] == [(5, "color"), (6, "color"), (7, "date")]
    assert "alternativen" in problems[0].message


def test_answers_to_hidden_questions_are_dropped_as_on_the_web() -> None:
    rows, problems = check([["color", "why"], ["blue", "text that does not belong"]])
    assert not problems and rows[0].answers == {"color": "blue"}


@pytest.mark.parametrize(("data", "message"), [
    (b"", "tom"), (b"\xff\xfe\x00bad", "varken"), (b"PK\x03\x04broken zip", "Excel-filen kunde inte"),
    (b"x" * (paper.MAX_BYTES + 1), "för stor")])
def test_files_are_checked_by_content_and_size(data: bytes, message: str) -> None:
    i18n.set_language("sv")
    with pytest.raises(paper.FileProblem) as caught:
        paper.read_table(data)
    assert message in caught.value.message


def test_unknown_columns_are_refused() -> None:
    with pytest.raises(paper.FileProblem) as caught:
        check([["color", "namn"], ["red", "Anna"]])
    assert "namn" in caught.value.message


def test_semicolon_separated_csv_is_read() -> None:
    assert paper.read_table(b"color;why\n# red, blue;a, b, c, d\nred;x\n") == [
        ["color", "why"], ["# red, blue", "a, b, c, d"], ["red", "x"]]


# --- pages ------------------------------------------------------------------------------------------------------


def test_templates_have_a_column_per_question_and_item(client: CheckedClient, db: Session) -> None:
    municipality, user, survey = setup(db)
    client.login(user)
    response = client.get(f"{base(survey, municipality)}/paper-template.csv")
    assert response.status_code == 200 and "attachment" in response.headers["content-disposition"]
    table = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert table[0][:3] == ["date", "language", "unsafe_evening"]
    assert "problems:littering" in table[0] and "priorities:3" in table[0]
    assert table[1][0].startswith("#") and "very_big" in table[1][table[0].index("problems:littering")]
    xlsx = client.get(f"{base(survey, municipality)}/paper-template.xlsx")
    workbook = load_workbook(io.BytesIO(xlsx.content))
    assert [c.value for c in workbook.worksheets[0][1]] == table[0]
    codes = [row[3] for row in workbook.worksheets[1].iter_rows(values_only=True)]
    assert "very_big = Mycket stort problem" in codes or any("very_big =" in str(c) for c in codes)


def test_a_good_file_imports_every_row_as_paper_answers(client: CheckedClient, db: Session) -> None:
    municipality, user, survey = setup(db)
    client.login(user)
    rows = [GOOD, {**GOOD, "date": "", "language": "en", "subarea": f"norr-{municipality.id}"}]
    response = upload(client, f"{base(survey, municipality)}/paper", make_csv(rows))
    assert response.status_code == 303, response.text[:3000]
    stored = db.exec(select(Response).where(Response.survey_id == survey.id).order_by(col(Response.id))).all()
    assert [(r.channel, r.wave, r.series_id) for r in stored] == [("paper", 1, survey.series_id)] * 2
    assert stored[0].submitted_on == date(2026, 11, 20) and stored[1].language == "en"
    assert stored[1].area_id is not None and stored[0].area_id is None
    values = set(db.exec(select(Answer.item_code, Answer.value_code).where(Answer.response_id == stored[0].id)))
    assert ("littering", "very_big") in values and ("", "avoided_activity") in values
    assert db.exec(select(AuditLog).where(AuditLog.action == Action.SURVEY_IMPORT_PAPER)).first() is not None
    page = client.get(response.headers["location"])
    assert "2 pappersvar importerades" in page.text


def test_xlsx_upload_is_read_by_its_content(client: CheckedClient, db: Session) -> None:
    municipality, user, survey = setup(db)
    client.login(user)
    response = upload(client, f"{base(survey, municipality)}/paper", make_xlsx([GOOD]), name="answers.csv")
    assert response.status_code == 303, response.text[:3000]
    assert paper_count(db, survey) == 1


def test_one_bad_row_imports_nothing_and_names_the_row(client: CheckedClient, db: Session) -> None:
    municipality, user, survey = setup(db)
    client.login(user)
    rows = [GOOD, GOOD, {**GOOD, "safety_score": "11"}, GOOD]
    response = upload(client, f"{base(survey, municipality)}/paper", make_csv(rows))
    assert response.status_code == 400
    assert paper_count(db, survey) == 0
    assert "Inga svar importerades" in response.text
    assert "<th scope=\"row\">4</th><td><code>safety_score</code></td>" in response.text
    assert "Välj ett värde från 0 till 10." in response.text


def test_a_missing_required_answer_is_a_bad_row(client: CheckedClient, db: Session) -> None:
    municipality, user, survey = setup(db)
    client.login(user)
    response = upload(client, f"{base(survey, municipality)}/paper",
                      make_csv([GOOD, {**GOOD, "unsafe_evening": ""}]))
    assert response.status_code == 400 and paper_count(db, survey) == 0
    assert "<th scope=\"row\">3</th><td><code>unsafe_evening</code></td>" in response.text


@pytest.mark.parametrize(("data", "message"), [
    (b"\x89PNG\r\n\x1a\n\x00\x00", "varken en CSV-fil"),
    (b"date,unsafe_evening\n" + b"x" * paper.MAX_BYTES, "för stor"),
    (b"date,unknown_question\n2026-11-01,yes\n", "Okända kolumner"),
    (b"date,unsafe_evening\n", "inga svar")])
def test_wrong_files_get_a_clear_page_and_store_nothing(client: CheckedClient, db: Session, data: bytes,
                                                       message: str) -> None:
    municipality, user, survey = setup(db)
    client.login(user)
    response = upload(client, f"{base(survey, municipality)}/paper", data)
    assert response.status_code == 400 and message in response.text
    assert 'href="#file"' in response.text
    assert paper_count(db, survey) == 0


def test_no_file_chosen(client: CheckedClient, db: Session) -> None:
    municipality, user, survey = setup(db)
    client.login(user)
    response = client.post_form(f"{base(survey, municipality)}/paper", {})
    assert response.status_code == 400 and "Välj en CSV- eller XLSX-fil." in response.text


def test_draft_surveys_take_no_paper_answers(client: CheckedClient, db: Session) -> None:
    municipality = factories.municipality(db)
    survey = standard_survey(db, municipality, status=SurveyStatus.draft)
    user = factories.staff(db, municipality, Role.coordinator)
    client.login(user)
    response = upload(client, f"{base(survey, municipality)}/paper", make_csv([GOOD]))
    assert response.status_code == 400 and paper_count(db, survey) == 0


def test_paper_import_needs_edit_and_the_right_municipality(client: CheckedClient, db: Session) -> None:
    municipality, viewer, survey = setup(db, Role.viewer)
    client.login(viewer)
    assert upload(client, f"{base(survey, municipality)}/paper", make_csv([GOOD])).status_code == 403
    other = factories.municipality(db)
    stranger = factories.staff(db, other, Role.coordinator)
    client.login(stranger)
    assert upload(client, f"/staff/m/{other.slug}/surveys/{survey.id}/paper", make_csv([GOOD])).status_code == 404
    assert client.get(f"/staff/m/{other.slug}/surveys/999999/paper").status_code == 404
    assert paper_count(db, survey) == 0


def test_large_import_runs_in_chunks_in_one_transaction(client: CheckedClient, db: Session) -> None:
    municipality, user, survey = setup(db)
    client.login(user)
    rows = [GOOD] * 1201
    response = upload(client, f"{base(survey, municipality)}/paper", make_csv(rows))
    assert response.status_code == 303
    assert paper_count(db, survey) == 1201
    assert "1201 pappersvar importerades (i 3 omgångar" in client.get(response.headers["location"]).text
    assert authoring.response_count(db, survey) == 1201
