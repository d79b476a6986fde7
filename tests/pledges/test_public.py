"""Public pledge pages: languages, size, embed headers, Atom feed, open data, subscription with double opt-in."""

from __future__ import annotations

import csv
import io
from typing import Any
from xml.etree import ElementTree as ET

import pytest
from sqlmodel import Session, select

from app.mail import outbox_files
from app.models.dialogues import MailOutbox
from app.models.pledges import PledgeStatus, PledgeSubscriber, PledgeUpdate
from app.pledges import public_view, subscribers
from tests import factories
from tests.conftest import CheckedClient
from tests.pledges import factories as pf


@pytest.fixture
def published(db: Session) -> dict[str, Any]:
    municipality = factories.municipality(db, languages=["sv", "en", "ar"])
    found, acts = pf.complete_pledge(db, municipality, PledgeStatus.published)
    acts[0].achieved = 5
    acts[0].status = "in_progress"  # type: ignore[assignment]
    db.add(acts[0])
    db.add(PledgeUpdate(pledge_id=found.id or 0, activity_id=acts[0].id or 0, posted_on=found.starts_on,
                        text="Fem papperskorgar uppsatta.", achieved=5))
    found.title = {"sv": "Tryggare Centrum", "ar": "وسط أكثر أمانًا"}
    db.add(found)
    db.commit()
    return {"m": municipality, "pledge": found, "acts": acts,
            "url": f"/m/{municipality.slug}/pledges/{found.id}"}


def test_public_page_in_swedish_and_arabic(client: CheckedClient, published: dict[str, Any]) -> None:
    sv = client.get(published["url"])
    assert sv.status_code == 200 and "Fem papperskorgar uppsatta." in sv.text and 'value="50"' in sv.text
    assert "Så räknar vi" in sv.text  # the roll-up rule is stated
    ar = client.get(published["url"] + "?lang=ar")
    assert 'lang="ar" dir="rtl"' in ar.text and "وسط أكثر أمانًا" in ar.text
    assert "Tryggare Centrum" not in ar.text.split("<h1>")[1].split("</h1>")[0]


def test_drafts_are_not_public(client: CheckedClient, db: Session, published: dict[str, Any]) -> None:
    draft = pf.pledge(db, published["m"], PledgeStatus.draft, title="Hemligt utkast")
    db.commit()
    assert client.get(f"/m/{published['m'].slug}/pledges/{draft.id}").status_code == 404
    assert "Hemligt utkast" not in client.get(f"/m/{published['m'].slug}/pledges").text


def test_public_page_is_light(client: CheckedClient, published: dict[str, Any]) -> None:
    """≤ 60 KB transferred without charts: the HTML plus every stylesheet it links (uncompressed, a worst case)."""
    page = client.get(published["url"])
    total = len(page.content)
    for href in ("/static/css/site.css", "/static/css/pledges.css"):
        assert href in page.text
        total += len(client.get(href).content)
    assert "<script" not in page.text  # readable with JavaScript off: nothing to load
    assert total <= 60 * 1024, total


def test_embed_card_may_be_framed_and_other_pages_may_not(client: CheckedClient, published: dict[str, Any]) -> None:
    card = client.get(published["url"] + "/card")
    assert card.status_code == 200 and "<progress" in card.text and "Tryggare Centrum" in card.text
    assert "frame-ancestors *" in card.headers["content-security-policy"]
    assert "x-frame-options" not in card.headers
    page = client.get(published["url"])
    assert page.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]


def test_atom_feed_lists_updates(client: CheckedClient, published: dict[str, Any]) -> None:
    response = client.get(f"/m/{published['m'].slug}/pledges/feed.atom")
    assert response.headers["content-type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)  # noqa: S314 - our own feed
    ns = {"a": "http://www.w3.org/2005/Atom"}
    entries = root.findall("a:entry", ns)
    assert len(entries) == 1
    assert "Fem papperskorgar" in (entries[0].findtext("a:summary", namespaces=ns) or "")


def test_open_data_json_csv_and_openapi(client: CheckedClient, published: dict[str, Any]) -> None:
    data = client.get(f"/api/v1/pledges?municipality={published['m'].slug}").json()
    assert len(data) == 1
    assert data[0]["title"] == "Tryggare Centrum" and len(data[0]["focus_areas"]) == 2
    assert data[0]["focus_areas"][0]["activities"][0]["achieved"] == 5
    assert data[0]["updates"][0]["text"] == "Fem papperskorgar uppsatta."
    response = client.get(f"/api/v1/pledges.csv?municipality={published['m'].slug}&table=activities")
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == 2 and rows[0]["achieved"] == "5"
    assert client.get("/api/v1/pledges?municipality=finns-inte").status_code == 404
    paths = client.get("/openapi.json").json()["paths"]
    assert "/api/v1/pledges" in paths and "/api/v1/pledges.csv" in paths


def test_subscription_double_opt_in_and_one_click_unsubscribe(client: CheckedClient, db: Session,
                                                               published: dict[str, Any]) -> None:
    slug = published["m"].slug
    response = client.post_form(f"/m/{slug}/pledges/subscribe", {"email": "inte-en-adress"})
    assert response.status_code == 400 and "namn@exempel.se" in response.text
    response = client.post_form(f"/m/{slug}/pledges/subscribe", {"email": "Boende@Example.se"})
    assert response.status_code == 200
    row = db.exec(select(PledgeSubscriber).where(PledgeSubscriber.email == "boende@example.se")).one()
    assert not row.confirmed
    mails = [m for m in outbox_files("To", "boende@example.se") if row.token in m["body"]]
    assert mails and "/confirm/" in mails[0]["body"]
    # No update mail before confirming.
    assert subscribers.notify_subscribers(db, published["pledge"], published["acts"][0],
                                      db.exec(select(PledgeUpdate)).first()) == []  # type: ignore[arg-type]
    page = client.get(f"/m/{slug}/pledges/confirm/{row.token}")  # a mail scanner opening the link ...
    assert page.status_code == 200 and f'action="/m/{slug}/pledges/confirm/{row.token}"' in page.text
    db.refresh(row)
    assert not row.confirmed  # ... confirms nothing: the person's click on the button does
    assert client.post_form(f"/m/{slug}/pledges/confirm/{row.token}").status_code == 303
    db.refresh(row)
    assert row.confirmed
    ids = subscribers.notify_subscribers(db, published["pledge"], published["acts"][0],
                                     db.exec(select(PledgeUpdate)).first())
    assert len(ids) == 1
    queued = db.get(MailOutbox, ids[0])
    assert queued is not None and queued.recipient == "boende@example.se"
    assert queued.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert row.token in queued.headers["List-Unsubscribe"]
    page = client.get(f"/m/{slug}/pledges/unsubscribe/{row.token}")
    assert page.status_code == 200
    assert client.post_form(f"/m/{slug}/pledges/unsubscribe/{row.token}").status_code == 200
    assert db.exec(select(PledgeSubscriber).where(PledgeSubscriber.email == "boende@example.se")).first() is None


def test_rfc8058_one_click_post_deletes_the_address(client: CheckedClient, db: Session,
                                                     published: dict[str, Any]) -> None:
    db.add(PledgeSubscriber(municipality_id=published["m"].id, email="a@b.se", token="tok-123", confirmed=True))
    db.commit()
    response = client.post("/api/v1/pledges/unsubscribe/tok-123", data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 204
    assert db.exec(select(PledgeSubscriber).where(PledgeSubscriber.token == "tok-123")).first() is None


def test_municipality_page_links_the_pledges(client: CheckedClient, published: dict[str, Any]) -> None:
    page = client.get(f"/m/{published['m'].slug}")
    assert f"/m/{published['m'].slug}/pledges/{published['pledge'].id}" in page.text


def test_linked_walk_observation_is_shown(client: CheckedClient, db: Session, published: dict[str, Any]) -> None:
    from datetime import UTC, datetime

    from app.models.dialogues import DialogueEvent, WalkObservation

    event = DialogueEvent(municipality_id=published["m"].id, kind="safety_walk", title={"sv": "Vandring"},  # type: ignore[arg-type]
                          starts_at=datetime(2025, 9, 1, 18, tzinfo=UTC), ends_at=datetime(2025, 9, 1, 20, tzinfo=UTC))
    db.add(event)
    db.flush()
    observation = WalkObservation(event_id=event.id or 0, municipality_id=published["m"].id, landmark="Gångtunneln",
                                  category="lighting", problem="Trasig lampa", measure="Byt till LED")  # type: ignore[arg-type]
    db.add(observation)
    db.flush()
    act = published["acts"][0]
    act.observation_id = observation.id
    db.add(act)
    db.commit()
    page = client.get(published["url"])
    assert "Från trygghetsvandringen:" in page.text and "Gångtunneln: Trasig lampa" in page.text


def test_demo_pledge_page_transfer_size(client: CheckedClient, db: Session) -> None:
    """The full demo pledge (3 focus areas, 8 activities, updates, an indicator chart): page + CSS ≤ 60 KB."""
    from app.models import PartyKind
    from app.pledges import demo

    municipality = factories.municipality(db, languages=["sv", "en", "ar"])
    for kind in PartyKind:
        factories.party(db, municipality, kind)
    demo.load(db, municipality)
    db.commit()
    current, _archive = public_view.public_pledges(db, municipality.id or 0)
    page = client.get(f"/m/{municipality.slug}/pledges/{current[0].id}", headers={"Accept-Encoding": "identity"})
    sizes = {"html": len(page.content)}
    for href in ("/static/css/site.css", "/static/css/pledges.css"):
        sizes[href] = len(client.get(href, headers={"Accept-Encoding": "identity"}).content)
    assert "<svg" in page.text and "<table" in page.text  # the indicator chart and its data table
    assert sum(sizes.values()) <= 60 * 1024, sizes


def test_unconfirmed_addresses_are_purged_after_30_days(db: Session, published: dict[str, Any]) -> None:
    from datetime import timedelta

    from app import clock

    old = PledgeSubscriber(municipality_id=published["m"].id, email="gammal@b.se", token="old-1",
                           created_at=clock.now() - timedelta(days=31))
    fresh = PledgeSubscriber(municipality_id=published["m"].id, email="ny@b.se", token="new-1")
    kept = PledgeSubscriber(municipality_id=published["m"].id, email="bekraftad@b.se", token="conf-1", confirmed=True,
                            created_at=clock.now() - timedelta(days=400))
    db.add_all([old, fresh, kept])
    db.commit()
    assert subscribers.purge_unconfirmed(db) == 1
    left = set(db.exec(select(PledgeSubscriber.email)).all())
    assert {"ny@b.se", "bekraftad@b.se"} <= left and "gammal@b.se" not in left
