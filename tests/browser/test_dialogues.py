"""Must show, in a real browser at phone size: sign up, get the e-mail from a real SMTP server, cancel from its
link, and the first on the waitlist is promoted and told. axe on every page on the way; staff pages too."""

from __future__ import annotations

import re
import secrets
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from app.config import get_settings
from app.demo import DEMO_SLUG
from app.dialogues.demo import FOCUS_GROUP_TITLE
from app.models.dialogues import DialogueEvent, DialogueSignup, SignupStatus
from tests.browser.conftest import assert_accessible, login
from tests.dialogues.smtp import Inbox, smtp_server

pytestmark = pytest.mark.browser


def _link(inbox: Inbox, address: str, subject_part: str) -> str:
    for message in inbox.wait_for(address):
        if subject_part in str(message["Subject"]):
            found = re.search(r"https?://\S+?(/anmalan/\S+)", Inbox.text(message))
            assert found
            return found.group(1)
    raise AssertionError(f"no message {subject_part!r} to {address}")


def _sign_up(page: Any, name: str, email: str, people: str) -> None:
    page.fill("#name", name)
    page.fill("#email", email)
    page.fill("#people", people)
    page.check("#consent")
    page.click("form.form button[type=submit]")
    page.wait_for_url("**/anmalan/**")


def _seats_taken_but(engine: Engine, title: str, free: int) -> None:
    """Others have already signed up (two people each, the demo's limit per sign-up) until `free` seats are left."""
    with Session(engine) as db:
        event = next(e for e in db.exec(select(DialogueEvent).order_by(col(DialogueEvent.id)))
                     if e.title.get("sv") == title)
        signups = db.exec(select(DialogueSignup).where(DialogueSignup.event_id == event.id,
                                                       DialogueSignup.status == SignupStatus.confirmed))
        taken = sum(s.people for s in signups)
        while event.capacity - taken > free:
            people = min(2, event.capacity - taken - free)
            email = f"{secrets.token_hex(4)}@resident.example"
            db.add(DialogueSignup(event_id=event.id or 0, token=secrets.token_urlsafe(24), name="Tidigare anmäld",
                                  email=email, contact_key=email, people=people, status=SignupStatus.confirmed))
            taken += people
        db.commit()


def test_signup_mail_cancel_and_promotion_on_a_phone(page: Any, live_engine: Engine,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    settings = get_settings()
    _seats_taken_but(live_engine, FOCUS_GROUP_TITLE, free=2)
    with smtp_server() as inbox:
        monkeypatch.setattr(settings, "smtp_host", "127.0.0.1")
        monkeypatch.setattr(settings, "smtp_port", inbox.port)
        page.goto(f"/m/{DEMO_SLUG}/dialoger")
        assert_accessible(page)
        page.click(f"text={FOCUS_GROUP_TITLE}")
        assert page.locator("h1").inner_text() == FOCUS_GROUP_TITLE
        assert_accessible(page)
        event_url = page.url

        # Anna cannot take all 8 seats in one sign-up (the limit per sign-up), and loses nothing she typed.
        page.fill("#name", "Anna Andersson")
        page.fill("#email", "anna@resident.example")
        page.fill("#people", "8")
        page.check("#consent")
        page.click("form.form button[type=submit]")
        page.wait_for_selector(".error-summary")
        assert page.locator("#name").input_value() == "Anna Andersson"
        assert_accessible(page)
        # She takes the last two.
        page.fill("#people", "2")
        page.check("#consent")
        page.click("form.form button[type=submit]")
        page.wait_for_url("**/anmalan/**")
        assert page.locator("#signup-status").inner_text() == "Du är anmäld."
        assert_accessible(page)

        # Bertil finds it full and joins the waitlist.
        page.goto(event_url)
        assert page.locator("#waitlist").is_checked()
        assert_accessible(page)
        _sign_up(page, "Bertil Berg", "bertil@resident.example", "1")
        assert page.locator("#signup-status").inner_text() == "Du står på väntelistan."
        _link(inbox, "bertil@resident.example", "väntelistan")

        # Anna cancels from the link in her e-mail.
        anna_link = _link(inbox, "anna@resident.example", "Du är anmäld")
        page.goto(anna_link)
        assert_accessible(page)
        page.click("text=Avboka min anmälan")
        page.wait_for_selector("text=Din anmälan är avbokad.")
        assert page.locator("#signup-status").inner_text() == "Avbokad."
        assert_accessible(page)

        # Bertil is promoted and told.
        promoted = inbox.wait_for("bertil@resident.example", count=2)
        assert any("Du har fått en plats" in str(m["Subject"]) for m in promoted)
        bertil_link = _link(inbox, "bertil@resident.example", "Du har fått en plats")
        page.goto(bertil_link)
        assert page.locator("#signup-status").inner_text() == "Du är anmäld."

        # A tampered link is a 404 page, accessible too.
        response = page.goto(anna_link[:-4] + "AAAA")
        assert response.status == 404
        assert_accessible(page)


def test_dialogue_pages_are_accessible(page: Any) -> None:
    page.goto(f"/sprak?lang=ar&next=/m/{DEMO_SLUG}/dialoger")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert_accessible(page)
    page.click("text=Trygghetsvandring i Ekbacken")
    assert_accessible(page)
    page.goto("/sprak?lang=sv&next=/")
    page.goto(f"/m/{DEMO_SLUG}/dialoger")
    page.click("text=Trygghetsvandring i Ekbacken")
    assert "Gångtunneln under Ekvägen" in page.content()
    assert_accessible(page)
    # The sign-up form with errors.
    page.goto(f"/m/{DEMO_SLUG}/dialoger")
    page.click("text=Dialogmöte om tryggheten i Norra hamnen")
    page.fill("#email", "inte-en-adress")
    page.click("form.form button[type=submit]")
    page.wait_for_selector(".error-summary")
    assert page.title().startswith("Fel:")
    assert_accessible(page)

    login(page, "samordnare@strandvik.example")
    base = f"/staff/m/{DEMO_SLUG}/dialogues"
    page.goto(f"/staff/m/{DEMO_SLUG}")
    page.click("text=Dialogmöten och trygghetsvandringar")
    assert_accessible(page)
    page.click("text=Trygghetsvandring i Ekbacken")
    walk_url = page.url
    assert_accessible(page)
    page.click("text=Gångtunneln under Ekvägen")
    assert_accessible(page)
    for suffix in ("/new", "/outbox"):
        page.goto(base + suffix)
        assert_accessible(page)
    for suffix in ("/attendees", "/checkin", "/message", "/edit", "/observations/new"):
        page.goto(walk_url + suffix)
        assert_accessible(page)
