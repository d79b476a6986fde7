"""The situation picture in a real browser at phone size, on the demo data: charts and the map drawn from the
app's own files, every table there, axe clean in Swedish and English, and usable with JavaScript off."""

from __future__ import annotations

from typing import Any

import pytest

from app.demo import DEMO_SLUG
from tests.browser.conftest import CHROMIUM, PHONE, assert_accessible, login

pytestmark = pytest.mark.browser

BASE = f"/staff/m/{DEMO_SLUG}/concerns"


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_dashboard_with_demo_data_is_accessible_and_draws_charts(page: Any, lang: str) -> None:
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    page.goto(f"/sprak?lang={lang}&next=/")
    login(page, "admin@strandvik.example")
    page.goto(BASE)
    assert page.locator("h1").count() == 1
    page.wait_for_selector("#chart-ranking .main-svg")  # plotly, served by the app, drew the ranking
    page.wait_for_selector("#hotspot-map svg path")  # the area polygons
    assert page.locator("#hotspot-map circle").count() > 0
    assert page.locator("#ranking-caption").count() == 1
    assert page.locator("td .too-few, td.suppressed").count() > 0  # small groups are marked, not shown
    assert page.locator("#trend-caption").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], "the page scrolls sideways"
    assert not [p for p in problems if "Content Security Policy" in p], problems
    assert_accessible(page)


def test_dashboard_filters_and_report_work_without_javascript(browser: Any, live_server: str) -> None:
    context = browser.new_context(viewport=PHONE, base_url=live_server, java_script_enabled=False)
    page = context.new_page()
    try:
        login(page, "admin@strandvik.example")
        page.goto(BASE)
        assert page.locator(".chart").first.is_hidden()  # no empty chart boxes without JavaScript
        options = page.locator("#wave option")
        assert options.count() >= 2
        page.select_option("#wave", options.nth(options.count() - 1).get_attribute("value"))
        page.click(".filters button[type=submit]")
        page.wait_for_selector("#ranking-caption")
        assert "wave=" in page.url
        page.click("text=Lägesbild för utskrift")
        assert page.locator("h2#method-title").count() == 1  # (axe needs JavaScript: checked in the tests above)
    finally:
        context.close()


def test_priorities_are_chosen_with_the_keyboard(page: Any) -> None:
    login(page, "admin@strandvik.example")
    page.goto(BASE)
    boxes = page.locator("#priorities input[type=checkbox]")
    for i in range(2):
        boxes.nth(i).check()
    page.click("#priorities button[type=submit]")
    page.wait_for_selector(".notice-success")
    assert page.locator("#priorities ol li").count() == 2
    assert_accessible(page)


def test_themes_and_crime_pages_are_accessible(page: Any) -> None:
    login(page, "admin@strandvik.example")
    for path in (f"{BASE}/themes", f"{BASE}/crime"):
        page.goto(path)
        assert page.locator("h1").count() == 1
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], f"{path} scrolls sideways"
        assert_accessible(page)
    assert CHROMIUM
