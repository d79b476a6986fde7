"""E-mail through real SMTP: a broken mail server never breaks a sign-up, the outbox retries, reminders go once."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from app import clock, jobs
from app.config import get_settings
from app.mail import deliver_pending
from app.models.dialogues import DialogueSignup, MailOutbox, SignupStatus
from tests import factories
from tests.conftest import CheckedClient
from tests.dialogues import factories as dialogue_factories
from tests.dialogues.smtp import Inbox, free_port, smtp_server


def test_signup_survives_a_dead_mail_server_and_the_outbox_retries(client: CheckedClient, db: Session,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    settings = get_settings()
    monkeypatch.setattr(settings, "smtp_host", "127.0.0.1")
    monkeypatch.setattr(settings, "smtp_port", free_port())  # nothing listens here
    municipality = factories.municipality(db)
    event = dialogue_factories.event(db, municipality)
    db.commit()
    response = client.post_form(f"/m/{municipality.slug}/dialoger/{event.id}/anmalan",
                                {"name": "Rut Retry", "email": "rut@resident.example", "consent": "yes"})
    assert response.status_code == 303
    assert db.exec(select(DialogueSignup).where(DialogueSignup.email == "rut@resident.example")).one()
    queued = db.exec(select(MailOutbox).where(MailOutbox.recipient == "rut@resident.example")).one()
    assert queued.attempts == 1 and queued.last_error
    # Not due yet: a retry right away does nothing.
    assert deliver_pending(db) == (0, 0)
    with smtp_server() as inbox:
        monkeypatch.setattr(settings, "smtp_port", inbox.port)
        later = clock.now() + timedelta(minutes=10)
        monkeypatch.setattr(clock, "now", lambda: later)
        assert "sent 1 message(s)" in jobs.run("send-reminders", db)
        [message] = inbox.to("rut@resident.example")
    assert "Du är anmäld" in str(message["Subject"])
    assert re.search(r"http://testserver/anmalan/\S+", Inbox.text(message))
    assert db.exec(select(MailOutbox).where(MailOutbox.recipient == "rut@resident.example")).first() is None


def test_reminders_go_once_to_confirmed_residents(db: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = get_settings()
    municipality = factories.municipality(db)
    soon = dialogue_factories.event(db, municipality, days=0, starts_at=clock.now() + timedelta(hours=12),
                                    ends_at=clock.now() + timedelta(hours=14))
    later = dialogue_factories.event(db, municipality, days=5)
    dialogue_factories.signup(db, soon, email="soon@resident.example", language="en")
    dialogue_factories.signup(db, soon, email="wait@resident.example", status=SignupStatus.waitlisted)
    dialogue_factories.signup(db, later, email="later@resident.example")
    db.commit()
    with smtp_server() as inbox:
        monkeypatch.setattr(settings, "smtp_host", "127.0.0.1")
        monkeypatch.setattr(settings, "smtp_port", inbox.port)
        assert "Queued 1 event reminder(s)" in jobs.run("send-reminders", db)
        assert "Queued 0 event reminder(s)" in jobs.run("send-reminders", db)
        [reminder] = inbox.to("soon@resident.example")
        assert str(reminder["Subject"]).startswith("Reminder:")  # in the language the resident signed up in
        assert inbox.to("wait@resident.example") == [] and inbox.to("later@resident.example") == []
