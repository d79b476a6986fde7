"""Residents: event pages, calendar file, sign-up with capacity, waitlist, idempotency, bad input, the personal
link, self-cancellation with promotion, the walk report and the API. None of it shows personal data."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from app import clock
from app.mail import outbox_files
from app.models.dialogues import DialogueSignup, EventKind, SignupStatus
from tests import factories
from tests.conftest import CheckedClient
from tests.dialogues import factories as dialogue_factories


def _form(**overrides: str) -> dict[str, str]:
    values = {"name": "Ada Andersson", "email": "ada@resident.example", "phone": "", "people": "1",
              "consent": "yes"}
    values.update(overrides)
    return values


def _mails(slug: str, to: str) -> list[dict[str, str]]:
    return [m for m in outbox_files("X-Trygg-Municipality", slug) if m["to"] == to]


def _link(body: str) -> str:
    found = re.search(r"http://testserver(/anmalan/\S+)", body)
    assert found, body
    return found.group(1)


def test_event_list_page_and_calendar(client: CheckedClient, db: Session) -> None:
    municipality = factories.municipality(db)
    area = factories.area(db, municipality, name="Hamnen")
    event = dialogue_factories.event(db, municipality, area_id=area.id, place="Skolan, Kajgatan 4")
    other_area = dialogue_factories.event(db, municipality, title={"sv": "Annat område"})
    past = dialogue_factories.event(db, municipality, days=-5, title={"sv": "Gammalt möte"})
    db.commit()
    page = client.get(f"/m/{municipality.slug}/dialoger")
    assert page.status_code == 200
    assert event.title["sv"] in page.text and other_area.title["sv"] in page.text
    assert past.title["sv"] not in page.text
    filtered = client.get(f"/m/{municipality.slug}/dialoger?omrade={area.slug}")
    assert event.title["sv"] in filtered.text and "Annat område" not in filtered.text
    english = client.get(f"/m/{municipality.slug}/dialoger/{event.id}?lang=en")
    assert "Dialogue meeting" in english.text and "Sign me up" in english.text
    ics = client.get(f"/m/{municipality.slug}/dialoger/{event.id}/kalender.ics")
    assert ics.status_code == 200 and ics.headers["content-type"].startswith("text/calendar")
    assert "BEGIN:VEVENT" in ics.text and "LOCATION:Skolan\\, Kajgatan 4" in ics.text
    assert f"DTSTART:{event.starts_at:%Y%m%dT%H%M%S}Z" in ics.text
    assert client.get(f"/m/{municipality.slug}/dialoger/999999").status_code == 404
    section = client.get(f"/m/{municipality.slug}")
    assert event.title["sv"] in section.text


def test_signup_confirms_mails_a_link_and_the_link_page_cancels(client: CheckedClient, db: Session) -> None:
    municipality = factories.municipality(db)
    event = dialogue_factories.event(db, municipality, capacity=2)
    db.commit()
    response = client.post_form(f"/m/{municipality.slug}/dialoger/{event.id}/anmalan", _form(people="2"))
    assert response.status_code == 303 and response.headers["location"].startswith("/anmalan/")
    mine = client.get(response.headers["location"])
    assert "Du är anmäld." in mine.text and "Ada Andersson" in mine.text
    # The consent text names the deletion date.
    page = client.get(f"/m/{municipality.slug}/dialoger/{event.id}")
    assert "raderas senast" in page.text and "Fullbokat" in page.text
    mails = _mails(municipality.slug, "ada@resident.example")
    assert len(mails) == 1 and "Du är anmäld" in mails[0]["subject"]
    link = _link(mails[0]["body"])
    assert link == response.headers["location"]
    cancelled = client.post_form(f"{link}/avboka")
    assert cancelled.status_code == 303
    assert "Avbokad." in client.get(link).text
    signup = db.exec(select(DialogueSignup).where(DialogueSignup.event_id == event.id)).one()
    assert signup.status == SignupStatus.cancelled


def test_full_event_offers_waitlist_and_cancellation_promotes_the_first(client: CheckedClient,
                                                                        db: Session) -> None:
    municipality = factories.municipality(db)
    event = dialogue_factories.event(db, municipality, capacity=1)
    db.commit()
    url = f"/m/{municipality.slug}/dialoger/{event.id}/anmalan"
    first = client.post_form(url, _form(name="Först", email="forst@resident.example"))
    assert first.status_code == 303
    full = client.post_form(url, _form(name="Bertil", email="bertil@resident.example"))
    assert full.status_code == 400 and "väntelistan" in full.text and 'name="waitlist"' in full.text
    assert db.exec(select(DialogueSignup).where(DialogueSignup.email == "bertil@resident.example")).first() is None
    second = client.post_form(url, _form(name="Bertil", email="bertil@resident.example", waitlist="yes"))
    third = client.post_form(url, _form(name="Cecilia", email="cecilia@resident.example", waitlist="yes"))
    assert second.status_code == third.status_code == 303
    assert "Du står på väntelistan." in client.get(second.headers["location"]).text
    assert "väntelistan" in _mails(municipality.slug, "bertil@resident.example")[0]["subject"]

    client.post_form(f"{first.headers['location']}/avboka")
    statuses = {s.name: s.status for s in db.exec(select(DialogueSignup)
                                                  .where(DialogueSignup.event_id == event.id)).all()}
    assert statuses == {"Först": SignupStatus.cancelled, "Bertil": SignupStatus.confirmed,
                        "Cecilia": SignupStatus.waitlisted}
    subjects = [m["subject"] for m in _mails(municipality.slug, "bertil@resident.example")]
    assert any("Du har fått en plats" in s for s in subjects)
    assert not any("fått en plats" in m["subject"] for m in _mails(municipality.slug, "cecilia@resident.example"))


def test_same_contact_twice_is_idempotent_and_shows_nobody_else(client: CheckedClient, db: Session) -> None:
    municipality = factories.municipality(db)
    event = dialogue_factories.event(db, municipality)
    db.commit()
    url = f"/m/{municipality.slug}/dialoger/{event.id}/anmalan"
    assert client.post_form(url, _form(email="Ada@Resident.example")).status_code == 303
    again = client.post_form(url, _form(name="Someone Else", email="ada@resident.example"))
    assert again.status_code == 303 and again.headers["location"] == f"/m/{municipality.slug}/dialoger/{event.id}"
    page = client.get(again.headers["location"])
    assert "redan anmäld" in page.text and "Ada Andersson" not in page.text
    rows = db.exec(select(DialogueSignup).where(DialogueSignup.event_id == event.id)).all()
    assert len(rows) == 1 and rows[0].name == "Ada Andersson"
    phone = client.post_form(url, _form(email="", phone="070-111 22 33"))
    phone_again = client.post_form(url, _form(email="", phone="+46701112233"))
    assert phone.status_code == 303 and phone_again.status_code == 303
    assert len(db.exec(select(DialogueSignup).where(DialogueSignup.event_id == event.id)).all()) == 2


def test_bad_input_is_explained_in_the_residents_language(client: CheckedClient, db: Session) -> None:
    municipality = factories.municipality(db)
    event = dialogue_factories.event(db, municipality)
    db.commit()
    url = f"/m/{municipality.slug}/dialoger/{event.id}/anmalan"
    bad_mail = client.post_form(url, _form(email="inte-en-adress"))
    assert bad_mail.status_code == 400 and "i rätt format" in bad_mail.text and 'href="#email"' in bad_mail.text
    bad_phone = client.post_form(f"{url}?lang=ar", _form(email="", phone="ring mig"))
    assert bad_phone.status_code == 400 and 'lang="ar"' in bad_phone.text
    assert "أدخل رقم الهاتف المحمول بالأرقام فقط" in bad_phone.text
    neither = client.post_form(f"{url}?lang=en", _form(email="", phone=""))
    assert "Give an e-mail address or a mobile number" in neither.text
    no_consent = client.post_form(url, _form(consent=""))
    assert no_consent.status_code == 400 and 'href="#consent"' in no_consent.text
    too_many = client.post_form(url, _form(people="99"))
    assert too_many.status_code == 400 and 'href="#people"' in too_many.text
    assert db.exec(select(DialogueSignup).where(DialogueSignup.event_id == event.id)).all() == []


def test_passed_deadline_and_cancelled_event_refuse_signup(client: CheckedClient, db: Session) -> None:
    municipality = factories.municipality(db)
    late = dialogue_factories.event(db, municipality, signup_deadline=clock.now() - timedelta(hours=1))
    cancelled = dialogue_factories.event(db, municipality, status="cancelled")
    db.commit()
    for event, text in ((late, "Sista dagen för anmälan har passerat."), (cancelled, "Träffen är inställd.")):
        page = client.get(f"/m/{municipality.slug}/dialoger/{event.id}")
        assert text in page.text and 'name="consent"' not in page.text
        response = client.post_form(f"/m/{municipality.slug}/dialoger/{event.id}/anmalan", _form())
        assert response.status_code == 400 and text in response.text
    assert db.exec(select(DialogueSignup)).all() == [] or all(
        s.event_id not in {late.id, cancelled.id} for s in db.exec(select(DialogueSignup)).all())


def test_tampered_or_expired_links_are_404(client: CheckedClient, db: Session) -> None:
    municipality = factories.municipality(db)
    event = dialogue_factories.event(db, municipality)
    db.commit()
    response = client.post_form(f"/m/{municipality.slug}/dialoger/{event.id}/anmalan", _form())
    link = response.headers["location"]
    assert client.get(link).status_code == 200
    tampered = link[:-3] + ("aaa" if not link.endswith("aaa") else "bbb")
    assert client.get(tampered).status_code == 404
    assert client.post_form(f"{tampered}/avboka").status_code == 404
    assert client.get("/anmalan/not-a-token").status_code == 404
    # After the event is over the link expires.
    event.starts_at = clock.now() - timedelta(days=2)
    event.ends_at = clock.now() - timedelta(days=1)
    db.add(event)
    db.commit()
    expired = client.get(link)
    assert expired.status_code == 404 and "Sidan hittades inte" in expired.text


def test_report_and_api_show_no_personal_data(client: CheckedClient, db: Session) -> None:
    municipality = factories.municipality(db)
    party = factories.party(db, municipality, name="Gatukontoret")
    walk = dialogue_factories.event(db, municipality, kind=EventKind.safety_walk, capacity=10,
                                    title={"sv": "Vandring i parken"})
    dialogue_factories.observation(db, walk, landmark="Parkstigen", problem="Trasig lampa", party_id=party.id,
                                   status="rejected", rejection_reason="Ingår i en större ombyggnad")
    dialogue_factories.signup(db, walk, name="Hemlig Person", email="hemlig@resident.example", people=3)
    db.commit()
    report = client.get(f"/m/{municipality.slug}/dialoger/{walk.id}/rapport")
    assert report.status_code == 200
    assert "Parkstigen" in report.text and "Gatukontoret" in report.text and "Ingår i en större" in report.text
    api = client.get(f"/api/v1/events?municipality={municipality.slug}")
    assert api.status_code == 200
    item = api.json()[0]
    assert item["seats_left"] == 7 and item["capacity"] == 10
    assert item["url"] == f"http://testserver/m/{municipality.slug}/dialoger/{walk.id}"
    for body in (report.text, api.text, client.get(f"/m/{municipality.slug}/dialoger/{walk.id}").text,
                 client.get(f"/m/{municipality.slug}").text):
        assert "Hemlig" not in body and "hemlig@resident.example" not in body
    assert client.get("/api/v1/events?municipality=finns-inte").status_code == 404
    assert client.get("/api/v1/events").status_code == 422


def test_personal_pages_are_not_cached(client: CheckedClient, db: Session) -> None:
    municipality = factories.municipality(db)
    walk = dialogue_factories.event(db, municipality, kind=EventKind.safety_walk)
    db.commit()
    response = client.post_form(f"/m/{municipality.slug}/dialoger/{walk.id}/anmalan", _form())
    page = client.get(response.headers["location"])
    assert page.headers["cache-control"] == "no-store" and page.headers["referrer-policy"] == "no-referrer"


def test_interpretation_languages_are_named_and_checked(client: CheckedClient, db: Session) -> None:
    municipality = factories.municipality(db)
    event = dialogue_factories.event(db, municipality, interpretation_languages=["ar", "so"])
    db.commit()
    page = client.get(f"/m/{municipality.slug}/dialoger/{event.id}")
    assert '<span lang="ar">العربية</span>' in page.text and "Soomaali</option>" in page.text
    url = f"/m/{municipality.slug}/dialoger/{event.id}/anmalan"
    wrong = client.post_form(url, _form(interpretation_language="fi"))
    assert wrong.status_code == 400 and 'href="#interpretation_language"' in wrong.text
    assert client.post_form(url, _form(interpretation_language="so")).status_code == 303
    assert db.exec(select(DialogueSignup).where(DialogueSignup.event_id == event.id)).one().interpretation_language \
        == "so"


def test_waitlisted_twice_stays_one_row_and_resends_the_link(client: CheckedClient, db: Session,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    municipality = factories.municipality(db)
    event = dialogue_factories.event(db, municipality, capacity=1)
    dialogue_factories.signup(db, event)
    db.commit()
    url = f"/m/{municipality.slug}/dialoger/{event.id}/anmalan"
    assert client.post_form(url, _form(waitlist="yes")).status_code == 303
    again = client.post_form(url, _form(waitlist="yes"))
    assert again.status_code == 303 and "/anmalan/" not in again.headers["location"]
    rows = db.exec(select(DialogueSignup).where(DialogueSignup.email == "ada@resident.example")).all()
    assert len(rows) == 1 and rows[0].status == SignupStatus.waitlisted
    subjects = [m["subject"] for m in _mails(municipality.slug, "ada@resident.example")]
    assert len(subjects) == 1 and "väntelistan" in subjects[0]  # one confirmation mail per address and hour
    later = clock.now() + timedelta(minutes=61)
    monkeypatch.setattr(clock, "now", lambda: later)
    assert client.post_form(url, _form(waitlist="yes")).status_code == 303
    subjects = [m["subject"] for m in _mails(municipality.slug, "ada@resident.example")]
    assert len(subjects) == 2 and all("väntelistan" in s for s in subjects)  # an hour later the link is resent
