"""The system administrator's page for creating municipalities, in a real browser at phone size."""

from __future__ import annotations

from typing import Any

import pytest

from app.demo import SYSTEM_ADMIN_EMAIL
from tests.browser.conftest import assert_accessible, login

pytestmark = pytest.mark.browser
ROOT_EMAIL = SYSTEM_ADMIN_EMAIL


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_municipalities_page_is_accessible(page: Any, lang: str) -> None:
    page.goto(f"/sprak?lang={lang}&next=/")
    login(page, ROOT_EMAIL)
    page.click("a[href='/staff/admin/municipalities']")
    page.wait_for_selector("h1")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert_accessible(page)


def test_creating_a_municipality_with_errors_then_correctly(page: Any) -> None:
    login(page, ROOT_EMAIL)
    page.goto("/staff/admin/municipalities")
    page.fill("#name", "Älvby kommun")
    page.fill("#admin_name", "Åsa Admin")
    page.fill("#admin_email", "inte en adress")
    page.click("form[action='/staff/admin/municipalities'] button[type=submit]")
    page.wait_for_selector(".error-summary")
    assert page.title().startswith("Fel:")
    assert page.input_value("#name") == "Älvby kommun"  # what was typed is kept
    assert_accessible(page)
    page.fill("#admin_email", "asa@alvby.example")
    page.check("#languages-fi")
    page.click("form[action='/staff/admin/municipalities'] button[type=submit]")
    page.wait_for_url("**/staff/m/alvby-kommun/settings")
    assert page.is_checked("#languages-fi") and page.is_checked("#languages-sv")
    assert_accessible(page)
