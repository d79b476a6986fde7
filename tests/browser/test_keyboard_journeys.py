"""Keyboard-only journeys at phone size: only Tab, Shift+Tab, Enter, Space and the arrow keys, never a click.

A resident signs up for a dialogue meeting, and reads the public pledge down to its activities and updates.
Every element that takes focus on the way must show a focus indicator. (Answering a survey by keyboard, in
Swedish and Arabic, is tests/browser/test_surveys.py.)
"""

from __future__ import annotations

from typing import Any

import pytest

from app.demo import DEMO_SLUG

pytestmark = pytest.mark.browser

MEETING = "Dialogmöte om tryggheten i Norra hamnen"
PLEDGE = "Medborgarlöfte för Strandvik 2025–2026"

FOCUS_STYLE = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const s = getComputedStyle(el);
  return {tag: el.tagName, id: el.id, text: (el.textContent || '').trim().slice(0, 40),
          visible: el.matches(':focus-visible'),
          outline: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2,
          shadow: s.boxShadow !== 'none'};
}"""


def assert_focus_visible(page: Any) -> dict[str, Any]:
    """The focused element matches :focus-visible and draws an outline or a ring (WCAG 2.4.7)."""
    focused: dict[str, Any] | None = page.evaluate(FOCUS_STYLE)
    assert focused is not None, "focus was lost to the page body"
    assert focused["visible"] and (focused["outline"] or focused["shadow"]), f"no visible focus on {focused}"
    return focused


def tab_until(page: Any, matches: str, limit: int = 120, key: str = "Tab") -> None:
    """Presses Tab (or Shift+Tab) until the focused element matches the JS condition `matches` (on `el`),
    checking the focus indicator of every stop on the way."""
    for _ in range(limit):
        page.keyboard.press(key)
        assert_focus_visible(page)
        if page.evaluate(f"() => {{ const el = document.activeElement; return !!({matches}); }}"):
            return
    raise AssertionError(f"{key} never reached an element where {matches}")


def link_named(text: str) -> str:
    return f"el.tagName === 'A' && el.textContent.trim() === {text!r}"


def test_resident_signs_up_for_a_meeting_with_the_keyboard(page: Any) -> None:
    page.goto(f"/m/{DEMO_SLUG}")
    tab_until(page, link_named(MEETING))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("h1").inner_text() == MEETING

    tab_until(page, "el.id === 'name'")
    page.keyboard.type("Kim Tangentbord")
    tab_until(page, "el.id === 'email'")
    page.keyboard.type("kim.tangentbord@example.org")
    tab_until(page, "el.id === 'people'")
    page.keyboard.press("ArrowUp")  # 1 -> 2 people, with the arrow keys of a number field
    assert page.input_value("#people") == "2"
    tab_until(page, "el.id === 'consent'")
    page.keyboard.press("Space")
    assert page.is_checked("#consent")
    tab_until(page, "el.type === 'submit' && el.form && el.form.action.endsWith('/anmalan')")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    assert "/anmalan/" in page.url
    assert page.locator("#signup-status").inner_text() == "Du är anmäld."
    assert "Kim Tangentbord" in page.content()


def test_signup_errors_are_reachable_by_keyboard(page: Any) -> None:
    """An empty submission leads to the error summary; its link moves focus to the field to fix."""
    page.goto(f"/m/{DEMO_SLUG}/dialoger")
    tab_until(page, link_named(MEETING))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    tab_until(page, "el.type === 'submit' && el.form && el.form.action.endsWith('/anmalan')")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.title().startswith("Fel:")
    tab_until(page, "el.closest('.error-summary') && el.getAttribute('href') === '#name'")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "name"


def test_resident_reads_the_pledge_with_the_keyboard(page: Any) -> None:
    page.goto(f"/m/{DEMO_SLUG}")
    tab_until(page, link_named(PLEDGE))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("h1").inner_text() == PLEDGE

    # Reading: Space pages down (focus stays on the page) until the updates are on screen, passing activities.
    page.evaluate("document.activeElement.blur()")
    seen_activities = 0
    for _ in range(80):
        seen_activities = max(seen_activities, page.evaluate(
            "[...document.querySelectorAll('.pl-activity')].filter(el => { const r = el.getBoundingClientRect();"
            " return r.bottom > 0 && r.top < innerHeight; }).length"))
        if page.evaluate("(() => { const r = document.getElementById('pl-upd-h').getBoundingClientRect();"
                         " return r.top >= 0 && r.top < innerHeight; })()"):
            break
        before = page.evaluate("scrollY")
        page.keyboard.press("Space")
        # Wait on the page, not on time: the scroll has moved (it may be animated), or the page has no more.
        page.wait_for_function("y => scrollY > y || innerHeight + scrollY >= document.documentElement.scrollHeight - 1",
                               arg=before)
    else:
        raise AssertionError("Space never brought the updates on screen")
    assert seen_activities > 0
    assert page.locator(".pl-updates li").count() > 0

    # Everything after the updates is reachable by Tab, with visible focus: the subscription form's e-mail field.
    tab_until(page, "el.type === 'email'")
    top = page.evaluate("document.getElementById('pl-upd-h').getBoundingClientRect().top")
    assert top < 0  # the e-mail field comes after the updates in reading and tab order
    # And back again with Shift+Tab to the top of the page, every stop visibly focused.
    tab_until(page, "el.classList.contains('brand')", key="Shift+Tab", limit=200)
