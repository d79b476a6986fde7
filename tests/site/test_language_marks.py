"""WCAG 3.1.1/3.1.2: a Swedish fallback inside a page in another language is marked lang="sv"; staff pages,
which have no Arabic catalog, are Swedish pages rather than Swedish text labelled Arabic."""

from __future__ import annotations

import re

from sqlmodel import Session

from app.i18n import InLanguage, pick
from app.models import Role
from app.models.pledges import PledgeStatus
from app.web import in_lang, lang_attr
from tests import factories
from tests.conftest import CheckedClient
from tests.pledges import factories as pledge_factories


def test_pick_knows_the_language_it_fell_back_to() -> None:
    assert pick({"sv": "Hej", "ar": "مرحبا"}, "ar").lang == "ar"
    assert pick({"sv": "Hej"}, "ar") == "Hej" and pick({"sv": "Hej"}, "ar").lang == "sv"
    assert pick({"en": "Hello"}, "ar").lang == "en"
    assert pick({}, "ar") == ""


def test_marks_only_text_in_another_language() -> None:
    assert lang_attr(InLanguage("مرحبا", "ar"), "ar") == ""
    assert lang_attr(InLanguage("Hej", "sv"), "ar") == ' lang="sv" dir="ltr"'
    assert lang_attr("stored Swedish text", "sv-x-easy") == ""  # easy Swedish is Swedish
    assert lang_attr("", "ar") == ""
    assert in_lang("Kajgatan <4>", "ar") == '<span lang="sv" dir="ltr">Kajgatan &lt;4&gt;</span>'
    assert in_lang("Kajgatan", "sv") == "Kajgatan"


def test_pledge_page_in_arabic_marks_swedish_fallbacks(client: CheckedClient, db: Session) -> None:
    town = factories.municipality(db, languages=["sv", "ar"])
    found, _acts = pledge_factories.complete_pledge(db, town, PledgeStatus.published)
    db.commit()
    html = client.get(f"/m/{town.slug}/pledges/{found.id}?lang=ar").text
    assert re.search(r'<html lang="ar" dir="rtl"', html)
    # The factory's texts are Swedish only: each shown text is marked as Swedish.
    assert re.search(r'<h2 id="fa-h-\d+" lang="sv" dir="ltr">Nedskräpning</h2>', html)
    assert re.search(r'<p class="pl-act-title" lang="sv" dir="ltr">Fler papperskorgar</p>', html)
    swedish = client.get(f"/m/{town.slug}/pledges/{found.id}?lang=sv").text
    assert 'lang="sv" dir="ltr">Nedskräpning' not in swedish


def test_staff_pages_fall_back_to_swedish_not_arabic(client: CheckedClient, db: Session) -> None:
    town = factories.municipality(db)
    user = factories.staff(db, town, Role.admin)
    db.commit()
    client.login(user)
    html = client.get(f"/staff/m/{town.slug}?lang=ar").text
    assert '<html lang="sv" dir="ltr">' in html
    assert "hreflang=\"ar\"" not in html  # the staff switcher offers only languages staff pages have
    assert '<html lang="en" dir="ltr">' in client.get(f"/staff/m/{town.slug}?lang=en").text
