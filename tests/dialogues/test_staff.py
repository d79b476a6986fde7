"""Staff: event CRUD, cancel (everyone told), attendee list and CSV, check-in, message to all, counts,
observations with photos that lose their metadata, and the development outbox page."""

from __future__ import annotations

import io
from datetime import timedelta

from PIL import Image
from sqlmodel import Session, select

from app import clock
from app.config import ROOT
from app.dialogues import rules, service, walks
from app.models import AuditLog, Role
from app.models.dialogues import DialogueEvent, EventKind, SignupStatus, WalkObservation, WalkPhoto
from tests import factories
from tests.conftest import CheckedClient
from tests.dialogues import factories as dialogue_factories


def _event_form(**overrides: str) -> dict[str, str]:
    start = clock.now() + timedelta(days=10)
    values = {"kind": "safety_walk", "title_sv": "Trygghetsvandring i Hamnen", "title_en": "Safety walk",
              "description_sv": "Vi går tillsammans.", "place": "Hamnplan", "latitude": "59.38",
              "longitude": "16.55", "starts_at": rules.to_local_input(start),
              "ends_at": rules.to_local_input(start + timedelta(hours=2)), "capacity": "15",
              "signup_deadline": "", "accessibility": "Flack terräng", "related_url": ""}
    values.update(overrides)
    return values


def test_create_edit_and_validate_an_event(client: CheckedClient, db: Session) -> None:
    municipality = factories.municipality(db, languages=["sv", "en", "ar"])
    user = factories.staff(db, municipality, Role.coordinator)
    db.commit()
    client.login(user)
    base = f"/staff/m/{municipality.slug}/dialogues"
    assert client.get(f"{base}/new").status_code == 200
    bad = client.post_form(f"{base}/new", _event_form(title_sv="", capacity="0", latitude="200",
                                                       ends_at="2020-01-01T10:00"))
    assert bad.status_code == 400
    for field in ("title_sv", "capacity", "latitude", "ends_at"):
        assert f'href="#{field}"' in bad.text
    form = _event_form()
    response = client.post(f"{base}/new", data={**form, "csrf_token": client.csrf(),
                                                "interpretation_languages": ["ar", "so", "xx"]},
                           follow_redirects=False)
    assert response.status_code == 303
    event = db.exec(select(DialogueEvent).where(DialogueEvent.municipality_id == municipality.id)).one()
    assert event.title == {"sv": "Trygghetsvandring i Hamnen", "en": "Safety walk"}
    assert event.interpretation_languages == ["ar", "so"] and event.latitude == 59.38
    assert rules.to_local_input(event.starts_at) == form["starts_at"]
    assert client.get(response.headers["location"]).status_code == 200
    edited = client.post_form(f"{base}/{event.id}/edit", _event_form(capacity="30"))
    assert edited.status_code == 303
    db.refresh(event)
    assert event.capacity == 30
    assert db.exec(select(AuditLog).where(AuditLog.entity == "dialogue_event", AuditLog.entity_id == event.id)
                   ).all()


def test_more_capacity_promotes_and_cancel_tells_everyone(client: CheckedClient, db: Session) -> None:
    municipality = factories.municipality(db)
    user = factories.staff(db, municipality, Role.coordinator)
    event = dialogue_factories.event(db, municipality, capacity=1)
    dialogue_factories.signup(db, event, email="a@resident.example")
    waiting = dialogue_factories.signup(db, event, email="b@resident.example", status=SignupStatus.waitlisted)
    dialogue_factories.signup(db, event, email="", phone="+46700000000", status=SignupStatus.waitlisted)
    db.commit()
    client.login(user)
    base = f"/staff/m/{municipality.slug}/dialogues/{event.id}"
    values = {"kind": "meeting", "title_sv": "Möte", "place": "Här", "capacity": "2",
              "starts_at": rules.to_local_input(event.starts_at), "ends_at": rules.to_local_input(event.ends_at)}
    assert client.post_form(f"{base}/edit", values).status_code == 303
    db.refresh(waiting)
    assert waiting.status == SignupStatus.confirmed
    assert client.post_form(f"{base}/cancel").status_code == 303
    db.refresh(event)
    assert event.status == "cancelled"
    outbox = client.get(f"/staff/m/{municipality.slug}/dialogues/outbox")
    assert outbox.text.count("Inställt:") == 2  # the two with e-mail; the phone-only one cannot be mailed
    public = client.get(f"/m/{municipality.slug}/dialoger/{event.id}")
    assert "Träffen är inställd." in public.text


def test_attendees_csv_checkin_counts_and_message(client: CheckedClient, db: Session) -> None:
    municipality = factories.municipality(db)
    user = factories.staff(db, municipality, Role.police)
    viewer = factories.staff(db, municipality, Role.viewer)
    event = dialogue_factories.event(db, municipality)
    here = dialogue_factories.signup(db, event, name="Närvarande Nils", people=2)
    away = dialogue_factories.signup(db, event, name="=HYPERLINK(\"x\")")
    dialogue_factories.signup(db, event, name="Väntande Vera", status=SignupStatus.waitlisted)
    db.commit()
    base = f"/staff/m/{municipality.slug}/dialogues/{event.id}"
    client.login(viewer)
    assert client.get(f"{base}/attendees").status_code == 403
    assert "Närvarande Nils" not in client.get(base).text
    client.login(user)
    listing = client.get(f"{base}/attendees")
    assert "Närvarande Nils" in listing.text and "Väntande Vera" in listing.text
    csv_text = client.get(f"{base}/attendees.csv").text
    assert "Närvarande Nils" in csv_text and "'=HYPERLINK" in csv_text
    assert client.post_form(f"{base}/checkin/{here.id}", {"attended": "yes"}).status_code == 303
    assert client.post_form(f"{base}/no-show").status_code == 303
    db.refresh(here)
    db.refresh(away)
    assert here.attended is True and away.attended is False
    counts = service.counts(db, event)
    assert (counts["attended"], counts["no_show"], counts["confirmed_people"], counts["waitlisted"]) == (1, 1, 3, 1)
    page = client.get(f"{base}/checkin")
    assert "1 närvarande, 1 uteblev." in page.text
    empty = client.post_form(f"{base}/message", {"subject": "", "body": ""})
    assert empty.status_code == 400 and 'href="#subject"' in empty.text
    sent = client.post_form(f"{base}/message", {"subject": "Ny lokal", "body": "Vi ses i aulan i stället."})
    assert sent.status_code == 303
    outbox = client.get(f"/staff/m/{municipality.slug}/dialogues/outbox")
    assert outbox.text.count("Vi ses i aulan i stället.") == 3


def test_observations_and_photos(client: CheckedClient, db: Session) -> None:
    municipality = factories.municipality(db)
    user = factories.staff(db, municipality, Role.coordinator)
    area = factories.area(db, municipality, name="Parken")
    party = factories.party(db, municipality, name="Parkförvaltningen")
    walk = dialogue_factories.event(db, municipality, kind=EventKind.safety_walk, days=-1)
    db.commit()
    client.login(user)
    base = f"/staff/m/{municipality.slug}/dialogues/{walk.id}/observations"
    nowhere = client.post_form(f"{base}/new", {"category": "lighting", "problem": "Mörkt"})
    assert nowhere.status_code == 400 and 'href="#landmark"' in nowhere.text
    rejected = client.post_form(f"{base}/new", {"area_id": str(area.id), "category": "lighting",
                                                "problem": "Mörkt", "status": "rejected"})
    assert rejected.status_code == 400 and 'href="#rejection_reason"' in rejected.text
    created = client.post_form(f"{base}/new", {"area_id": str(area.id), "category": "vegetation",
                                               "problem": "Höga buskar", "measure": "Klipp",
                                               "party_id": str(party.id), "deadline": "2027-05-01"})
    assert created.status_code == 303
    observation = db.exec(select(WalkObservation).where(WalkObservation.event_id == walk.id)).one()
    assert observation.party_id == party.id and str(observation.deadline) == "2027-05-01"
    url = f"{base}/{observation.id}/photos"
    with_gps = dialogue_factories.image_bytes("JPEG", exif=True)
    assert b"SecretCamera" in with_gps
    assert client.post(url, data={"csrf_token": client.csrf()}, files={"photo": ("p.jpg", with_gps, "image/jpeg")},
                       follow_redirects=False).status_code == 303
    not_image = client.post(url, data={"csrf_token": client.csrf()},
                            files={"photo": ("x.jpg", b"GIF89a not really", "image/jpeg")})
    assert not_image.status_code == 400 and "ingen bild som går att läsa" in not_image.text
    gif = io.BytesIO()
    Image.new("RGB", (4, 4)).save(gif, "GIF")
    assert client.post(url, data={"csrf_token": client.csrf()},
                       files={"photo": ("x.gif", gif.getvalue(), "image/gif")}).status_code == 400
    huge = b"\xff\xd8" + b"0" * (walks.MAX_PHOTO_BYTES + 10)
    too_big = client.post(url, data={"csrf_token": client.csrf()}, files={"photo": ("big.jpg", huge, "image/jpeg")})
    assert too_big.status_code == 400 and "för stor" in too_big.text
    photo = db.exec(select(WalkPhoto).where(WalkPhoto.observation_id == observation.id)).one()
    served = client.get(f"/staff/m/{municipality.slug}/dialogues/photos/{photo.id}")
    assert served.status_code == 200 and served.headers["content-type"] == "image/jpeg"
    assert b"SecretCamera" not in served.content
    cleaned = Image.open(io.BytesIO(served.content))
    assert not cleaned.getexif() and cleaned.size == (40, 30)
    assert ROOT / "frontend" not in walks.photo_dir().resolve().parents  # outside the web root
    png = dialogue_factories.image_bytes("PNG")
    assert client.post(url, data={"csrf_token": client.csrf()}, files={"photo": ("p.png", png, "image/png")},
                       follow_redirects=False).status_code == 303
    report = client.get(f"/m/{municipality.slug}/dialoger/{walk.id}/rapport")
    assert "Höga buskar" in report.text and "Parkförvaltningen" in report.text
