"""axe-core on every foundation page at phone size, in Swedish and English, in a real browser."""

from __future__ import annotations

from typing import Any

import pytest

from app.demo import DEMO_SLUG
from tests.browser.conftest import assert_accessible, axe_violations, login

pytestmark = pytest.mark.browser

PUBLIC_PAGES = ["/", f"/m/{DEMO_SLUG}", "/tillganglighet", "/staff/login", "/finns-inte"]
STAFF_PAGES = ["/staff", "/staff/account", f"/staff/m/{DEMO_SLUG}", f"/staff/m/{DEMO_SLUG}/users"]


@pytest.mark.parametrize("lang", ["sv", "en"])
@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_public_page_is_accessible(page: Any, path: str, lang: str) -> None:
    page.goto(f"/sprak?lang={lang}&next=/")
    page.goto(path)
    assert page.locator("html").get_attribute("lang") == lang
    assert_accessible(page)


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_staff_pages_are_accessible(page: Any, lang: str) -> None:
    page.goto(f"/sprak?lang={lang}&next=/")
    login(page, "admin@strandvik.example")
    for path in STAFF_PAGES:
        page.goto(path)
        assert_accessible(page)


def test_arabic_is_right_to_left(page: Any) -> None:
    page.goto(f"/sprak?lang=ar&next=/m/{DEMO_SLUG}")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert_accessible(page)


def test_skip_link_is_first_tab_stop_and_moves_focus(page: Any) -> None:
    page.goto("/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.getAttribute('href')")
    assert focused == "#main"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_login_with_keyboard_only_and_error_summary(page: Any) -> None:
    page.goto("/staff/login")
    page.focus("#email")
    page.keyboard.type("admin@strandvik.example")
    page.keyboard.press("Tab")
    page.keyboard.type("wrong password")
    page.keyboard.press("Enter")
    page.wait_for_selector(".error-summary")
    assert page.title().startswith("Fel:")
    assert_accessible(page)


def test_axe_harness_reports_a_real_violation(page: Any) -> None:
    """Guards the harness itself: an unlabelled field and a missing lang must be reported."""
    page.set_content("<html><head><title>x</title></head><body><input type='text'></body></html>")
    rules = {v["id"] for v in axe_violations(page, impacts=None)}
    assert {"label", "html-has-lang"} <= rules
