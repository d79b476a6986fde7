"""A resident answers the standard survey on a phone with the keyboard only, in Swedish and in Arabic (RTL),
axe clean on every page; the answer then shows in the staff response count."""

from __future__ import annotations

from typing import Any

import pytest

from app.demo import DEMO_SLUG
from tests.browser.conftest import assert_accessible, login

pytestmark = pytest.mark.browser

SLUG = "trygghet-2026"  # the open demo wave


def tab_to(page: Any, element_id: str, limit: int = 250) -> None:
    """Presses Tab until the element with this id has focus (keyboard only, as a resident would)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement && document.activeElement.id") == element_id:
            return
    raise AssertionError(f"Tab never reached #{element_id}")


def choose_radio(page: Any, first_id: str, steps: int) -> None:
    """Focuses a radio group by Tab and picks the option `steps` after the first with the arrow keys."""
    tab_to(page, first_id)
    if steps == 0:
        page.keyboard.press("Space")
    for _ in range(steps):
        page.keyboard.press("ArrowDown")


def choose_option(page: Any, select_id: str, steps: int) -> None:
    tab_to(page, select_id)
    for _ in range(steps):
        page.keyboard.press("ArrowDown")


def submit(page: Any, label: str) -> None:
    button = page.locator("form.survey-form button[type=submit]")
    assert button.inner_text().strip() == label
    button_id = "survey-submit"
    page.evaluate(f"document.querySelector('form.survey-form button[type=submit]').id = '{button_id}'")
    tab_to(page, button_id)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def response_count(page: Any) -> int:
    page.goto(f"/staff/m/{DEMO_SLUG}/surveys")
    page.get_by_role("link", name="Trygghetsenkät 2026").click()
    return int(page.locator("#response-count").inner_text())


def answer_survey(page: Any, language: str, texts: dict[str, str]) -> None:
    page.goto(f"/s/{SLUG}")
    assert_accessible(page)
    tab_to(page, "language-sv")  # the interface language (Swedish) is preselected; arrows move the choice
    for _ in range(10):
        if page.evaluate(f"document.querySelector('#language-{language}').checked"):
            break
        page.keyboard.press("ArrowDown")
    tab_to(page, "code")  # the demo survey also takes letter codes; open-link residents leave it empty
    page.keyboard.press("Tab")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("html").get_attribute("lang") == language
    assert page.locator("html").get_attribute("dir") == ("rtl" if language == "ar" else "ltr")
    assert_accessible(page)

    # Page 1: first without the required answer -> error summary in the resident's language.
    submit(page, texts["next"])
    assert page.title().startswith(texts["error_prefix"])
    assert page.locator(".error-summary").is_visible()
    assert_accessible(page)
    choose_radio(page, "q-unsafe_evening", 2)
    choose_radio(page, "q-worry_assault", 1)
    submit(page, texts["next"])
    # Page 2: several answers and a labelled scale.
    assert_accessible(page)
    tab_to(page, "q-consequences")
    page.keyboard.press("Space")
    choose_radio(page, "q-trust_police", 2)
    submit(page, texts["next"])
    # Page 3: the problem battery.
    assert_accessible(page)
    choose_radio(page, "q-problems", 0)
    choose_radio(page, "q-problems-dark_places-1", 1)
    submit(page, texts["next"])
    # Page 4: ranking and 0-10 scale; then back to page 3 and forward again: answers are kept.
    assert_accessible(page)
    choose_option(page, "q-priorities", 2)
    choose_radio(page, "q-safety_score", 6)
    submit(page, texts["next"])
    assert_accessible(page)
    page.go_back()
    page.go_back()
    page.reload()
    assert page.locator("#q-problems").is_checked()
    page.go_forward()
    page.reload()
    assert page.locator("#q-safety_score-6").is_checked()
    submit(page, texts["next"])
    # Page 5: a condition that shows the place question.
    choose_radio(page, "q-unsafe_place_exists", 0)
    submit(page, texts["next"])
    # Page 6: a place from the list (no map needed), a time of day, and free text.
    assert_accessible(page)
    assert page.locator(".privacy-notice").is_visible()
    choose_option(page, "q-unsafe_place", 1)
    choose_option(page, "q-unsafe_place-time", 3)
    tab_to(page, "q-suggestion")
    page.keyboard.type(texts["suggestion"])
    submit(page, texts["next"])
    # Page 7: background.
    assert_accessible(page)
    choose_radio(page, "q-age", 1)
    choose_radio(page, "q-gender", 3)
    choose_radio(page, "q-subarea", 0)
    submit(page, texts["send"])
    assert page.url.endswith(f"/s/{SLUG}/tack")
    assert page.locator("h1").inner_text() == texts["thanks"]
    assert_accessible(page)


@pytest.mark.parametrize(("language", "texts"), [
    ("sv", {"next": "Nästa", "send": "Skicka in svaren", "thanks": "Tack för dina svar", "error_prefix": "Fel:",
            "suggestion": "Bättre belysning vid stationen"}),
    ("ar", {"next": "التالي", "send": "أرسل الإجابات", "thanks": "شكرًا على إجاباتك", "error_prefix": "خطأ:",
            "suggestion": "إضاءة أفضل قرب المحطة"}),
])
def test_resident_answers_with_the_keyboard_and_staff_see_it(page: Any, language: str,
                                                            texts: dict[str, str]) -> None:
    page.set_viewport_size({"width": 360, "height": 740})
    login(page, "samordnare@strandvik.example")
    page.goto("/sprak?lang=sv&next=/staff")
    before = response_count(page)
    answer_survey(page, language, texts)
    page.goto("/sprak?lang=sv&next=/staff")
    assert response_count(page) == before + 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # no sideways scrolling on the phone


def test_staff_survey_pages_are_accessible(page: Any) -> None:
    login(page, "samordnare@strandvik.example")
    page.goto(f"/staff/m/{DEMO_SLUG}/surveys")
    assert_accessible(page)
    page.get_by_role("link", name="Trygghetsenkät 2026").click()
    assert_accessible(page)
    base = page.url
    for path in ("/preview?page=3", "/preview?page=3&lang=ar", "/translations", "/texts"):
        page.goto(base + path)
        assert_accessible(page)
    page.goto(f"/staff/m/{DEMO_SLUG}/surveys")
    page.get_by_role("button", name="Skapa enkät").click()  # a new draft from the standard question bank
    page.wait_for_selector(".notice-success")
    assert_accessible(page)
    page.get_by_role("link", name="Ändra fråga problems").click()
    assert_accessible(page)
    assert "littering = Nedskräpning" in page.locator("#items-sv").input_value()


def test_tapping_the_map_sets_a_point_inside_the_municipality(page: Any) -> None:
    """With JavaScript on, the place question draws the areas and a tap stores a point (in RTL too)."""
    page.goto("/sprak?lang=ar&next=/")
    page.goto(f"/s/{SLUG}")
    with page.expect_navigation():
        page.locator("form button[type=submit]").click()
    page.goto(f"/s/{SLUG}/1")
    choose_radio(page, "q-unsafe_evening", 0)
    submit(page, "التالي")
    for expected in (3, 4, 5):
        submit(page, "التالي")
        assert page.url.endswith(f"/{expected}")
    choose_radio(page, "q-unsafe_place_exists", 0)
    submit(page, "التالي")
    svg = page.locator(".place-map svg")
    assert svg.is_visible() and page.locator(".place-map polygon").count() == 5
    box = svg.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    lat = float(page.locator('input[name="q-unsafe_place-lat"]').input_value())
    lon = float(page.locator('input[name="q-unsafe_place-lon"]').input_value())
    assert 59.36 <= lat <= 59.39 and 16.53 <= lon <= 16.56
    assert_accessible(page)
    submit(page, "التالي")
    assert page.url.endswith(f"/s/{SLUG}/7")  # the point was inside the municipality, so it was accepted
