"""The administrator's set-up pages in a real browser at phone size: axe finds no serious problems, in Swedish
and English, including a form shown again with errors, and the forms work with the keyboard."""

from __future__ import annotations

from typing import Any

import pytest

from app.demo import DEMO_SLUG
from tests.browser.conftest import assert_accessible, login

pytestmark = pytest.mark.browser

BASE = f"/staff/m/{DEMO_SLUG}"
PAGES = [f"{BASE}/settings", f"{BASE}/areas", f"{BASE}/areas/new", f"{BASE}/parties", f"{BASE}/parties/new",
         f"{BASE}/audit"]


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_set_up_pages_are_accessible_at_phone_size(page: Any, lang: str) -> None:
    page.goto(f"/sprak?lang={lang}&next=/")
    login(page, "admin@strandvik.example")
    for path in PAGES:
        page.goto(path)
        assert page.locator("h1").count() == 1
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, f"{path} scrolls sideways"
        assert_accessible(page)


def test_area_edit_and_delete_pages_are_accessible(page: Any) -> None:
    login(page, "admin@strandvik.example")
    page.goto(f"{BASE}/areas")
    page.get_by_role("link", name="Centrum", exact=True).click()
    page.wait_for_selector("#geojson")
    assert '"Polygon"' in page.input_value("#geojson")
    assert_accessible(page)
    page.goto(f"{BASE}/areas")
    page.get_by_role("link", name="Ta bort Strandvik tätort").click()
    page.wait_for_selector(".notice-error")  # it has sub-areas: refused with a reason, no button
    assert page.locator("button#confirm").count() == 0
    assert_accessible(page)


def test_bad_area_input_shows_an_accessible_error_summary(page: Any) -> None:
    login(page, "admin@strandvik.example")
    page.goto(f"{BASE}/areas/new")
    page.fill("#name", "Testområde i webbläsaren")
    page.fill("#population", "-3")
    page.fill("#geojson", '{"type": "Point", "coordinates": [16.5, 59.3]}')
    page.click("form[enctype] button[type=submit]")
    page.wait_for_selector(".error-summary")
    assert page.title().startswith("Fel:")
    assert page.locator(".error-summary a").count() == 2
    assert page.locator("#population").get_attribute("aria-invalid") == "true"
    assert_accessible(page)
    page.click(".error-summary a[href='#geojson']")
    assert page.evaluate("location.hash") == "#geojson"


def test_creating_and_deleting_a_party_with_the_keyboard(page: Any) -> None:
    login(page, "admin@strandvik.example")
    page.goto(f"{BASE}/parties/new")
    page.focus("#name")
    page.keyboard.type("Trafikverket")
    page.select_option("#kind", "partner")
    page.focus("#name")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{BASE}/parties")
    assert page.get_by_role("link", name="Trafikverket", exact=True).count() == 1
    assert_accessible(page)
    # Clean up the shared demo data, through the confirmation page.
    page.get_by_role("link", name="Ta bort Trafikverket").click()
    page.wait_for_selector("#confirm")
    assert_accessible(page)
    page.click("#confirm")
    page.wait_for_url(f"**{BASE}/parties")
    assert page.get_by_role("link", name="Trafikverket", exact=True).count() == 0
    # Both changes are in the audit log, with a before/after table that fits the phone.
    page.goto(f"{BASE}/audit?entity=party")
    assert page.locator("table.diff").count() >= 2
    assert page.locator("text=Trafikverket").count() >= 2
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert_accessible(page)


def test_municipality_admin_is_refused_the_system_pages(page: Any) -> None:
    login(page, "admin@strandvik.example")
    response = page.goto("/staff/admin/municipalities")
    assert response is not None and response.status == 403
    assert_accessible(page)
