"""Letter codes on paper: the PDF (a letter per page or eight slips per page) and CSV of a generated batch, the QR
code's address (the start page with the code filled in), and the download: only from this user's fresh signed batch
token, never by looking codes up (no used/unused oracle)."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
import segno
from itsdangerous import URLSafeTimedSerializer
from sqlmodel import Session, col, select

from app.audit import Action
from app.auth import Scope
from app.config import get_settings
from app.models import AuditLog, Municipality, Role, StaffUser
from app.models.surveys import LetterCode, SurveyDraft, SurveyMode
from app.surveys import answering, authoring, letters, letters_service
from app.surveys.codes import code_hash, format_code, new_code
from tests import factories
from tests.conftest import CheckedClient
from tests.surveys.factories import scope_for, standard_survey

# Attempts counted up to a limit stay in one rate window (tests/conftest.py: steady_clock).
pytestmark = pytest.mark.usefixtures("steady_clock")

URL = "https://trygg.example.se/s/trygg-2026"


def test_the_qr_code_opens_the_start_page_with_the_code() -> None:
    assert letters.code_url(URL, "ABCDE23456") == f"{URL}?code=ABCDE23456"
    assert letters.qr_matrix(letters.code_url(URL, "ABCDE23456")) == tuple(
        tuple(row) for row in segno.make(f"{URL}?code=ABCDE23456", error="m", mask=0).matrix)


def _record_qr(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The addresses the PDF encodes as QR codes (segno cannot decode, so record what it was given)."""
    drawn: list[str] = []
    real = letters.qr_matrix

    def record(url: str) -> tuple[tuple[int, ...], ...]:
        drawn.append(url)
        return real(url)

    monkeypatch.setattr(letters, "qr_matrix", record)
    return drawn


def test_pdf_has_a_page_per_letter_or_eight_slips_a_page(monkeypatch: pytest.MonkeyPatch) -> None:
    drawn = _record_qr(monkeypatch)
    text = letters.LetterText("Exempelstad", [("sv", "Trygghetsenkät"), ("ar", "استطلاع الأمان"), ("ti", "ሰላም")],
                              URL, letters.instructions(["sv", "en", "ar"], URL))
    codes = [new_code() for _ in range(9)]
    pdf = letters.codes_pdf(text, codes, "letter")
    assert pdf.startswith(b"%PDF") and _pages(pdf) == 9
    assert drawn == [letters.code_url(URL, c) for c in codes]
    assert _pages(letters.codes_pdf(text, codes, "slips")) == 2  # 8 + 1


def test_texts_the_font_cannot_show_are_left_out() -> None:
    assert letters.printable("Trygghetsenkät i Åmål", "sv")
    assert not letters.printable("ሰላም", "ti")  # Ethiopic: not in DejaVu Sans
    assert letters.printable("استطلاع الأمان", "ar") == letters.can_shape()
    instructions = dict(letters.instructions(["sv", "en", "ar", "fi"], URL))
    assert set(instructions) == {"sv", "en", "ar"} and URL in instructions["en"] and "QR" in instructions["en"]


def _pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type /Page\b", pdf))


def _setup(db: Session, role: Role = Role.coordinator) -> tuple[Municipality, StaffUser, Any]:
    survey = standard_survey(db, modes=[SurveyMode.letter_codes.value])
    municipality = db.get(Municipality, survey.municipality_id)
    assert municipality is not None
    return municipality, factories.staff(db, municipality, role), survey


def _hidden_batches(page: str) -> list[str]:
    return re.findall(r'name="batch" value="([^"]+)"', page)


def _codes_of(token: str) -> list[str]:
    """The codes a batch token carries (signed, not secret: the page shows them too)."""
    return str(URLSafeTimedSerializer("unused").loads_unsafe(token)[1]["c"]).split()


def test_generated_codes_download_as_pdf_and_csv(client: CheckedClient, db: Session,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    municipality, user, survey = _setup(db)
    client.login(user)
    url = f"/staff/m/{municipality.slug}/surveys/{survey.id}/codes"
    page = client.post_form(url, {"count": "6", "format": "page"})
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    pdf_part, csv_all = _hidden_batches(page.text)
    codes = _codes_of(pdf_part)
    assert _codes_of(csv_all) == codes and len(codes) == 6
    stored = set(db.exec(select(LetterCode.code_hash).where(LetterCode.survey_id == survey.id)).all())
    assert {code_hash(c) for c in codes} == stored
    assert all(format_code(c) in page.text for c in codes)

    drawn = _record_qr(monkeypatch)
    pdf = client.post_form(f"{url}/download", {"batch": pdf_part, "format": "pdf", "layout": "letter"})
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF") and _pages(pdf.content) == 6
    public = f"/s/{survey.slug}?code="
    assert [u.split(public)[1] for u in drawn] == codes and all(public in u for u in drawn)
    slips = client.post_form(f"{url}/download", {"batch": pdf_part, "format": "pdf", "layout": "slips"})
    assert slips.status_code == 200 and _pages(slips.content) == 1

    csv = client.post_form(f"{url}/download", {"batch": csv_all, "format": "csv"})
    rows = csv.text.strip().splitlines()
    assert csv.status_code == 200 and rows[0] == "code,url,qr_url"
    assert [r.split(",")[0] for r in rows[1:]] == [format_code(c) for c in codes]
    assert db.exec(select(AuditLog).where(AuditLog.action == Action.SURVEY_DOWNLOAD_CODES)).all()


def test_pdf_straight_from_the_generating_form(client: CheckedClient, db: Session) -> None:
    municipality, user, survey = _setup(db)
    client.login(user)
    pdf = client.post_form(f"/staff/m/{municipality.slug}/surveys/{survey.id}/codes", {"count": "3", "format": "pdf"})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF") and _pages(pdf.content) == 3
    assert pdf.headers["cache-control"] == "no-store"


def test_the_download_needs_this_users_fresh_batch_token(client: CheckedClient, db: Session,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """Codes typed into the form, another survey's or another user's token, a tampered or an old token: refused."""
    municipality, user, survey = _setup(db)
    other = standard_survey(db, modes=[SurveyMode.letter_codes.value])
    colleague = factories.staff(db, municipality, Role.coordinator)
    codes = authoring.generate_codes(db, scope_for(db, municipality), survey, "3")
    own = letters_service.batch_token(Scope(user, municipality, Role.coordinator), survey, codes)
    client.login(user)
    url = f"/staff/m/{municipality.slug}/surveys/{survey.id}/codes/download"
    assert client.post_form(url, {"batch": own, "format": "csv"}).status_code == 200
    foreign = [letters_service.batch_token(Scope(user, municipality, Role.coordinator), other, codes),
               letters_service.batch_token(Scope(colleague, municipality, Role.coordinator), survey, codes),
               own[:-2] + ("AA" if not own.endswith("AA") else "BB"), " ".join(codes), "", "<script>"]
    for bad in foreign:
        for kind in ("pdf", "csv"):
            response = client.post_form(url, {"batch": bad, "format": kind})
            assert response.status_code == 400, (bad, kind)
            assert not response.content.startswith(b"%PDF") and codes[0] not in response.text
    later = time.time() + letters_service.BATCH_TOKEN_SECONDS + 1
    monkeypatch.setattr("itsdangerous.timed.time.time", lambda: later)
    assert client.post_form(url, {"batch": own, "format": "csv"}).status_code == 400


def test_the_download_is_no_oracle_for_used_codes(client: CheckedClient, db: Session) -> None:
    """The old download answered 200 for an unused code and 400 for a used one; now it never looks codes up."""
    municipality, user, survey = _setup(db)
    codes = authoring.generate_codes(db, scope_for(db, municipality), survey, "2")
    used = db.exec(select(LetterCode).where(LetterCode.code_hash == code_hash(codes[1]))).one()
    used.used = True  # a resident has answered with it since
    db.add(used)
    db.commit()
    scope = Scope(user, municipality, Role.coordinator)
    client.login(user)
    url = f"/staff/m/{municipality.slug}/surveys/{survey.id}/codes/download"
    answers = [client.post_form(url, {"batch": letters_service.batch_token(scope, survey, [code]), "format": "csv",
                                      "codes": code}) for code in codes]
    assert [a.status_code for a in answers] == [200, 200]
    assert [len(a.content) for a in answers] == [len(answers[0].content)] * 2


def test_viewers_cannot_download_and_codes_prefill_the_start_page(client: CheckedClient, db: Session) -> None:
    municipality, viewer, survey = _setup(db, Role.viewer)
    codes = authoring.generate_codes(db, scope_for(db, municipality), survey, "1")
    client.login(viewer)
    url = f"/staff/m/{municipality.slug}/surveys/{survey.id}/codes/download"
    token = letters_service.batch_token(Scope(viewer, municipality, Role.viewer), survey, codes)
    assert client.post_form(url, {"batch": token, "format": "pdf"}).status_code == 403
    start = client.get(f"/s/{survey.slug}?code={codes[0].lower()}")
    assert start.status_code == 200 and f'value="{format_code(codes[0])}"' in start.text
    assert not db.exec(select(SurveyDraft)).all()  # filled in, never submitted
    junk = client.get(f"/s/{survey.slug}?code=%22%3E%3Cscript%3E")
    assert junk.status_code == 200 and 'name="code" type="text" value=""' in junk.text


def test_a_large_batch_is_offered_as_several_pdfs(client: CheckedClient, db: Session) -> None:
    municipality, user, survey = _setup(db)
    client.login(user)
    page = client.post_form(f"/staff/m/{municipality.slug}/surveys/{survey.id}/codes",
                            {"count": "600", "format": "pdf"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    *parts, everything = _hidden_batches(page.text)
    assert [len(_codes_of(p)) for p in parts] == [500, 100]
    assert [c for p in parts for c in _codes_of(p)] == _codes_of(everything)
    assert "PDF med kod 501–600" in page.text


# --- residents' letter codes: no endpoint tells a used code from an unknown one; guessing is limited -----------


def _used_and_unknown(db: Session) -> tuple[Any, str, str, str]:
    """A letter-code survey with one code used by a resident, one unused, and a well-formed code never issued."""
    survey = standard_survey(db, modes=[SurveyMode.letter_codes.value])
    municipality = db.get(Municipality, survey.municipality_id)
    assert municipality is not None
    used, unused = authoring.generate_codes(db, scope_for(db, municipality), survey, "2")
    row = db.exec(select(LetterCode).where(LetterCode.code_hash == code_hash(used))).one()
    row.used, row.code_hash = True, "0" * 64  # as a submission leaves it: used, its hash overwritten
    db.add(row)
    db.commit()
    unknown = next(c for c in (new_code() for _ in range(100)) if c not in (used, unused))
    return survey, used, unused, unknown


def _normalised(text: str, code: str) -> str:
    """The page with the code typed and the session's CSRF token taken out (they differ by design)."""
    text = re.sub(r'name="csrf_token" value="[^"]*"', "", text)
    return text.replace(format_code(code), "CODE").replace(code, "CODE")


def test_a_used_code_and_an_unknown_code_get_the_same_answer(client: CheckedClient, db: Session) -> None:
    """The probe, on every endpoint that takes a code: the start form and the start page's prefill."""
    survey, used, _unused, unknown = _used_and_unknown(db)
    starts = [client.post_form(f"/s/{survey.slug}/start", {"language": "sv", "code": code}) for code in (used, unknown)]
    assert [r.status_code for r in starts] == [400, 400]
    assert _normalised(starts[0].text, used) == _normalised(starts[1].text, unknown)
    assert "Koden finns inte eller har redan använts." in starts[0].text
    pages = [client.get(f"/s/{survey.slug}?code={code}") for code in (used, unknown)]
    assert [p.status_code for p in pages] == [200, 200]
    assert _normalised(pages[0].text, used) == _normalised(pages[1].text, unknown)


def test_wrong_codes_are_limited_per_client_and_counted(client: CheckedClient, db: Session,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """The attack: guessing codes from one address. After the limit even a right code gets the limit page, in the
    resident's language; staff see how many attempts failed (the codes tried are kept nowhere)."""
    monkeypatch.setattr(get_settings(), "letter_code_failures_per_hour", 3)
    survey, used, unused, unknown = _used_and_unknown(db)
    start = f"/s/{survey.slug}/start"
    for code in (unknown, used, unknown):
        assert client.post_form(start, {"language": "en", "code": code}).status_code == 400
    limited = client.post_form(start, {"language": "en", "code": unused})
    assert limited.status_code == 429 and "Too many attempts" in limited.text
    assert not db.exec(select(SurveyDraft).where(col(SurveyDraft.code_hash).is_not(None))).all()
    assert answering.code_failures(db, survey) == 3
    again = client.post_form(start, {"language": "sv", "code": unknown})
    assert again.status_code == 429 and "För många försök" in again.text
    stored = " ".join(str(v) for row in db.exec(select(LetterCode.code_hash)).all() for v in [row])
    assert code_hash(unknown) not in stored  # tried codes are not recorded
    municipality = db.get(Municipality, survey.municipality_id)
    assert municipality is not None
    client.cookies.clear()
    client.login(factories.staff(db, municipality, Role.coordinator))
    page = client.get(f"/staff/m/{municipality.slug}/surveys/{survey.id}/responses")
    assert "Felaktiga kodförsök från invånare: 3" in page.text
