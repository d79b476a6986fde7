"""Input cleaned once at the edge: control characters never reach a feed or a mail header, and one bad mail never
stops `send-reminders`."""

from __future__ import annotations

from xml.etree import ElementTree as ET

from sqlmodel import Session, col, select

from app import jobs, mail
from app.mail import outbox_files
from app.models import Role
from app.models.dialogues import MailOutbox
from app.models.pledges import PledgeStatus, PledgeUpdate
from app.web import clean_text, single_line
from tests import factories
from tests.conftest import CheckedClient
from tests.pledges import factories as pf

HOSTILE = "Klart\x00\x01\x07\x1b[31m\x0b\x0c\ufffe\u202eslutet\r\nrad två\tkolumn\x7f\x85"


def test_clean_text_keeps_lines_and_tabs_and_drops_the_rest() -> None:
    assert clean_text(HOSTILE) == "Klart[31mslutet\nrad två\tkolumn"
    assert single_line("Påminnelse\r\nBcc: offer@example.se\t!") == "Påminnelse Bcc: offer@example.se !"


def test_feed_parses_after_an_update_with_control_characters(client: CheckedClient, db: Session) -> None:
    """The attack: an update typed with control characters made feed.atom invalid XML for every reader."""
    municipality = factories.municipality(db)
    user = factories.staff(db, municipality, Role.coordinator)
    pledge, acts = pf.complete_pledge(db, municipality, PledgeStatus.published)
    db.commit()
    client.login(user)
    url = f"/staff/m/{municipality.slug}/pledges/{pledge.id}/activities/{acts[0].id}/updates"
    response = client.post_form(url, {"upd_text": HOSTILE, "upd_achieved": "3", "upd_date": "2025-03-01"})
    assert response.status_code == 303
    stored = db.exec(select(PledgeUpdate.text).where(PledgeUpdate.activity_id == acts[0].id)).one()
    assert stored == "Klart[31mslutet\nrad två\tkolumn"
    feed = client.get(f"/m/{municipality.slug}/pledges/feed.atom")
    root = ET.fromstring(feed.content)  # noqa: S314 - our own feed
    summaries = [e.text or "" for e in root.iter("{http://www.w3.org/2005/Atom}summary")]
    assert any("slutet" in s for s in summaries)


def test_feed_parses_with_control_characters_already_stored(client: CheckedClient, db: Session) -> None:
    """Rows written before input was cleaned (or by the CLI) must not break the feed either."""
    municipality = factories.municipality(db)
    pledge, acts = pf.complete_pledge(db, municipality, PledgeStatus.published)
    db.add(PledgeUpdate(pledge_id=pledge.id or 0, activity_id=acts[0].id or 0, posted_on=pledge.starts_on,
                        text="Före\x01\x1befter", achieved=None))
    db.commit()
    feed = client.get(f"/m/{municipality.slug}/pledges/feed.atom")
    root = ET.fromstring(feed.content)  # noqa: S314 - our own feed
    assert any("Föreefter" in (e.text or "") for e in root.iter("{http://www.w3.org/2005/Atom}summary"))


def test_a_crlf_subject_does_not_stop_send_reminders(db: Session) -> None:
    """The attack: a subject with CR/LF raised ValueError in the mail layer, which stopped `send-reminders` and left
    every later mail unsent. Now the subject is one line (no injected header), a mail that can never be built is
    marked failed, and the rest go out."""
    slug = factories.municipality(db).slug
    headers = {"X-Trygg-Municipality": slug}
    first = mail.queue(db, "forsta@resident.example", "Påminnelse\r\nBcc: offer@example.se", "Hej", headers=headers)
    db.add(MailOutbox(ref="", recipient="bad@example.se\r\nBcc: offer@example.se", subject="Trasig",
                      body="Hej", headers=headers))
    last = mail.queue(db, "sista@resident.example", "Sista\nbrevet", "Hej", headers=headers)
    db.commit()
    assert "sent 2 message(s)" in jobs.run("send-reminders", db)
    sent = {m["to"]: m for m in outbox_files("X-Trygg-Municipality", slug)}
    assert set(sent) == {"forsta@resident.example", "sista@resident.example"}
    assert sent["forsta@resident.example"]["subject"] == "Påminnelse Bcc: offer@example.se"
    assert first.id is not None and last.id is not None
    left = db.exec(select(MailOutbox).where(col(MailOutbox.recipient).contains("bad@"))).one()
    assert left.attempts == mail.MAX_ATTEMPTS and left.last_error.startswith("ValueError")
