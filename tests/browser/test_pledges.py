"""The whole pledge loop in a real browser at phone size, axe-clean throughout: choose priorities on the concerns
dashboard -> draft a pledge from them -> activities for the police and the municipality -> signed by the police and
the municipality (not the submitter) -> the police post an update -> the public page in Swedish and Arabic shows
the new progress."""

from __future__ import annotations

import re
from typing import Any

import pytest

from app.demo import DEMO_SLUG
from tests.browser.conftest import assert_accessible, login

pytestmark = pytest.mark.browser

BASE = f"/staff/m/{DEMO_SLUG}/pledges"


def _submit(page: Any, action_suffix: str) -> None:
    page.locator(f'form[action$="{action_suffix}"] button[type=submit]').click()
    page.wait_for_load_state()


def _choose_priorities_on_the_dashboard(page: Any) -> list[str]:
    """Step one of the loop: the coordinator marks two concerns as priorities on the concerns dashboard."""
    page.goto(f"/staff/m/{DEMO_SLUG}/concerns")
    boxes = page.locator("#priorities input[type=checkbox]")
    assert boxes.count() >= 2
    for i in range(boxes.count()):
        boxes.nth(i).set_checked(i < 2)
    labels = [page.locator(f'label[for="{boxes.nth(i).get_attribute("id")}"]').inner_text() for i in range(2)]
    page.click("#priorities button[type=submit]")
    page.wait_for_selector(".notice-success")
    assert page.locator("#priorities ol li").count() == 2
    assert_accessible(page)
    return [label.rsplit(" (", 1)[0] for label in labels]


def test_draft_sign_publish_update_and_public_page(page: Any) -> None:
    login(page, "samordnare@strandvik.example")
    chosen = _choose_priorities_on_the_dashboard(page)
    page.goto(BASE)
    assert_accessible(page)
    page.goto(f"{BASE}/new")
    assert_accessible(page)
    page.fill("#title", "Tryggare kvällar i Ekbacken")
    page.fill("#intro", "Polisen och kommunen lovar tryggare kvällar.")
    page.fill("#starts_on", "2026-01-01")
    page.fill("#ends_on", "2027-12-31")
    _submit(page, "/new")
    page.wait_for_url(re.compile(r".*/pledges/\d+$"))
    pledge_url = page.url
    assert_accessible(page)

    for index, title in enumerate(chosen):
        priorities = page.locator("input[name=priority]")
        assert priorities.count() >= 2, "the priorities chosen on the dashboard are offered"
        page.locator(f"#priority-{index}").check()
        page.fill("#fa_title", title)
        _submit(page, "/focus-areas")
    assert page.locator("#focus-areas h3").count() >= 2
    # The focus areas carry the residents' figures from the dashboard ("57 % av 58 invånare …").
    assert re.search(r"\d+ % av \d+", page.locator("#focus-areas").inner_text())

    # An activity without a party is refused with a clear message, and the page stays accessible.
    page.fill("#act_title", "Ny belysning i gångtunneln")
    _submit(page, "/activities")
    assert "Välj vem som ansvarar" in page.content()
    assert page.title().startswith("Fel:")
    assert_accessible(page)

    for focus_index, party_label, title, target in (
            (0, "Strandviks kommun", "Kommunen ska sätta upp ny belysning i gångtunneln.", "4"),
            (1, "Polisen, LPO Strandvik", "Polisen ska göra hastighetskontroller vid skolan.", "10")):
        page.goto(pledge_url)
        page.locator("#act_focus_area_id").select_option(index=focus_index)
        page.fill("#act_title", title)
        option = page.locator("#act_party option", has_text=party_label).first.get_attribute("value")
        page.locator("#act_party").select_option(option)
        page.fill("#act_target_number", target)
        page.fill("#act_target_unit", "st")
        _submit(page, "/activities")
        assert title in page.content()

    page.fill("#sig_name", "Lena Holm")
    page.fill("#sig_role", "Lokalpolisområdeschef")
    _submit(page, "/signatories")
    _submit(page, "/submit")
    assert "Granskas" in page.content()
    # Four eyes: the coordinator who submitted cannot sign; the police and the municipality's admin sign.
    _submit(page, "/publish")
    assert "kan därför inte signera" in page.content()
    for signer in ("kommunpolis@strandvik.example", "admin@strandvik.example"):
        page.context.clear_cookies()
        login(page, signer)
        page.goto(pledge_url)
        _submit(page, "/publish")
    assert "Undertecknat och publicerat" in page.content()
    assert_accessible(page)
    pledge_id = pledge_url.rstrip("/").rsplit("/", 1)[1]

    # The police post an update on their activity.
    page.context.clear_cookies()
    login(page, "kommunpolis@strandvik.example")
    page.goto(pledge_url)
    page.locator("a", has_text="Polisen ska göra hastighetskontroller").first.click()
    page.wait_for_load_state()
    assert_accessible(page)
    # With JavaScript on, the cancel reason shows only when "cancelled" is chosen.
    assert not page.locator("#cancel_reason").is_visible()
    page.locator("#status").select_option("cancelled")
    assert page.locator("#cancel_reason").is_visible()
    page.locator("#status").select_option("in_progress")
    page.fill("#upd_text", "Fem hastighetskontroller vid skolan i januari.")
    page.fill("#upd_achieved", "5")
    _submit(page, "/updates")
    assert "Uppföljningen är publicerad." in page.content()

    public = f"/m/{DEMO_SLUG}/pledges/{pledge_id}"
    page.goto(f"/sprak?lang=sv&next={public}")
    assert page.locator("h1").inner_text() == "Tryggare kvällar i Ekbacken"
    assert "Fem hastighetskontroller vid skolan i januari." in page.content()
    assert page.locator('progress[aria-label^="Polisen ska göra"]').get_attribute("value") == "50"
    assert_accessible(page)

    page.goto(f"/sprak?lang=ar&next={public}")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert "المتابعة" in page.content()  # "Uppföljning" in Arabic
    assert page.locator('progress[aria-label^="Polisen ska göra"]').get_attribute("value") == "50"
    assert_accessible(page)


def test_demo_pledge_public_pages_are_accessible(page: Any) -> None:
    page.goto(f"/m/{DEMO_SLUG}/pledges")
    assert_accessible(page)
    page.locator(".pl-list a", has_text="Medborgarlöfte för Strandvik 2025–2026").first.click()
    page.wait_for_load_state()
    assert page.locator(".pl-focus").count() == 3
    assert_accessible(page)
    card = page.url + "/card"
    page.goto(card)
    assert_accessible(page)
