"""A coordinator's cycle in the browser: create the cycle, see checklist items tick from what the demo already
holds, record the signed agreement with its PDF, adopt a lägesbild and open its PDF (read back: pages, text, the
frozen figures); every page axe-clean."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from fpdf import FPDF
from pypdf import PdfReader

from app.demo import DEMO_SLUG
from tests.browser.conftest import assert_accessible, login

pytestmark = pytest.mark.browser


def _signed_pdf(path: Any) -> None:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", "", 12)
    pdf.cell(0, 10, "Samverkansoverenskommelse, undertecknad")
    path.write_bytes(bytes(pdf.output()))


def test_a_coordinator_runs_the_cycle_to_an_adopted_lägesbild(page: Any, tmp_path: Any) -> None:
    login(page, "samordnare@strandvik.example")
    page.goto(f"/staff/m/{DEMO_SLUG}/cycles")
    page.fill("#name", "Webbläsartest 2025")
    page.fill("#starts_on", "2025-01-01")
    page.fill("#ends_on", "2025-12-31")
    with page.expect_navigation():
        page.get_by_role("button", name="Skapa arbetscykeln").click()
    assert page.locator("h1").inner_text() == "Arbetscykel Webbläsartest 2025"
    assert_accessible(page)
    # The demo's closed wave (April 2025) and its published pledge (January 2025) tick their items.
    survey_item = page.locator("li", has_text="Trygghetsenkät genomförd")
    assert "done" in (survey_item.get_attribute("class") or "") and "stängde" in survey_item.inner_text()
    assert "done" in (page.locator("li", has_text="Medborgarlöfte undertecknat").get_attribute("class") or "")
    assert "done" not in (page.locator("li", has_text="Slutrapport skriven").get_attribute("class") or "")

    page.goto(f"/staff/m/{DEMO_SLUG}/cycles/agreements/new")
    page.fill("#title", "Överenskommelse i webbläsaren")
    page.fill("#starts_on", "2025-01-01")
    page.fill("#ends_on", "2025-12-31")
    page.select_option("#cycle_id", label="Webbläsartest 2025")
    page.fill("#sig_name_0", "Karin Lund")
    page.fill("#sig_signed_on_0", "2025-02-01")
    page.fill("#sig_name_1", "Per Holm")
    page.fill("#sig_signed_on_1", "2025-02-02")
    signed = tmp_path / "avtal.pdf"
    _signed_pdf(signed)
    page.set_input_files("#document", str(signed))
    with page.expect_navigation():
        page.get_by_role("button", name="Spara överenskommelsen").click()
    assert "Överenskommelsen är sparad." in page.content()
    assert_accessible(page)
    page.goto(f"/staff/m/{DEMO_SLUG}/cycles")
    with page.expect_navigation():
        page.get_by_role("link", name="Webbläsartest 2025").click()
    assert "done" in (page.locator("li", has_text="Samverkansöverenskommelse undertecknad")
                      .get_attribute("class") or "")

    page.goto(f"/staff/m/{DEMO_SLUG}/cycles/documents")
    page.fill("#title", "Lägesbild i webbläsaren")
    page.select_option("#survey_id", index=1)
    with page.expect_navigation():
        page.get_by_role("button", name="Skapa dokumentet").click()
    assert_accessible(page)
    first_row = page.locator("#survey-table tbody tr").first.inner_text()
    share = re.search(r"(\d+) %", first_row)
    assert share is not None
    page.fill("#analysis", "Skräp och mörker i Centrum.")
    with page.expect_navigation():
        page.get_by_role("button", name="Spara texterna").click()
    page.fill("#adopted_on", "2025-06-01")
    page.fill("#decision_body", "Kommunstyrelsen")
    with page.expect_navigation():
        page.get_by_role("button", name="Anta och lås siffrorna").click()
    assert "Siffrorna är nu låsta." in page.content()
    assert_accessible(page)
    pdf_url = page.get_by_role("link", name="PDF").get_attribute("href")
    answer = page.context.request.get(pdf_url)
    assert answer.status == 200 and answer.headers["content-type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(answer.body()))
    text = re.sub(r"\s+", " ", " ".join(p.extract_text() for p in reader.pages))
    assert len(reader.pages) >= 1
    assert "Lägesbild i webbläsaren" in text and "antagen 2025-06-01 av Kommunstyrelsen" in text
    assert "Skräp och mörker i Centrum." in text and f"{share.group(1)} %" in text
