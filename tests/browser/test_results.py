""""Det här sa ni" at phone size, in Swedish and Arabic: from the town page to a closed wave's results, from a
concern on it to the pledge activity that answers it; axe-clean, and the page with its styles within 60 KB."""

from __future__ import annotations

from typing import Any

import pytest

from app.demo import DEMO_SLUG

pytestmark = pytest.mark.browser

BUDGET = 60 * 1024
PROMISED = {"sv": "Vi lovade:", "ar": "وعدنا:"}
ACTIVITY = "Kommunen ska byta till LED-belysning i gångtunnlar och parker."  # the demo's pledge, in Swedish only


@pytest.mark.parametrize("lang", ["sv", "ar"])
def test_a_resident_goes_from_the_results_to_what_is_done(page: Any, lang: str) -> None:
    from tests.browser.conftest import assert_accessible

    page.goto(f"/sprak?lang={lang}&next=/m/{DEMO_SLUG}")
    assert page.locator("html").get_attribute("dir") == ("rtl" if lang == "ar" else "ltr")
    with page.expect_navigation():
        page.locator(f"section[aria-labelledby='results-section-h'] a[href^='/m/{DEMO_SLUG}/results/']").first.click()
    results_url = page.url
    assert "/results/" in results_url
    assert_accessible(page)

    # The page's weight: the document and every file it loads (styles, scripts, images), uncompressed.
    loaded = page.evaluate("() => [...new Set([...performance.getEntriesByType('resource')].map(e => e.name))]")
    weight = len(page.request.get(results_url).body()) + sum(len(page.request.get(u).body()) for u in loaded)
    assert any(u.endswith(".css") for u in loaded) and weight <= BUDGET, f"{weight} bytes: {loaded}"

    # From the ranking table to the concern's block, and on to the focus area of the pledge that answers it.
    page.locator("a[href='#concern-littering']").click()
    block = page.locator("#concern-littering")
    assert PROMISED[lang] in block.inner_text()
    with page.expect_navigation():
        # the demo pledge's answer (other tests may add pledges answering the same concern)
        block.locator(".rs-answer", has_text=ACTIVITY).locator("a[href*='/pledges/']").first.click()
    assert "#fa-h-" in page.url
    focus_id = page.url.rsplit("#", 1)[1]
    heading = page.locator(f"#{focus_id}")
    assert heading.is_visible()
    assert page.get_by_text(ACTIVITY).first.is_visible()
    assert_accessible(page)
