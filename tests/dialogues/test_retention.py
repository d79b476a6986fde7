"""Must show: after the retention days, no name, e-mail or phone number remains anywhere in the database for the
event; counts remain and the deletion is audit-logged with counts only."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select as sa_select
from sqlmodel import Session, select

from app import clock, jobs
from app.audit import Action
from app.config import get_settings
from app.dialogues import mails, retention, service
from app.models import AuditLog, metadata
from app.models.dialogues import DialogueEvent, DialogueSignup, MailOutbox, SignupStatus
from tests import factories
from tests.conftest import CheckedClient
from tests.dialogues import factories as dialogue_factories

NAME = "Zelmira Kvarnström"
EMAIL = "zelmira.kvarnstrom@resident.example"
PHONE = "+46701234567"


def _everything(session: Session) -> str:
    """Every value of every row of every table, as one string."""
    parts: list[str] = []
    for table in metadata.sorted_tables:
        for row in session.execute(sa_select(table)).all():
            parts.append(repr(tuple(row)))
    return "\n".join(parts)


def test_signups_are_deleted_after_the_retention_days(client: CheckedClient, db: Session,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    municipality = factories.municipality(db)
    event = dialogue_factories.event(db, municipality, capacity=1)
    other = dialogue_factories.event(db, municipality, days=200)
    keeper = dialogue_factories.signup(db, other, name="Kvar Kvarsson")
    db.commit()
    # Through the real form: a confirmed resident with e-mail and phone ...
    response = client.post_form(f"/m/{municipality.slug}/dialoger/{event.id}/anmalan",
                                {"name": NAME, "email": EMAIL, "phone": "070-123 45 67", "people": "1",
                                 "needs": "Rullstol", "consent": "yes"})
    assert response.status_code == 303
    # ... a waitlisted one, a check-in, and a message that failed and still waits in the outbox.
    client.post_form(f"/m/{municipality.slug}/dialoger/{event.id}/anmalan",
                     {"name": "Wilma Väntelista", "email": "wilma@resident.example", "consent": "yes",
                      "waitlist": "yes"})
    signup = db.exec(select(DialogueSignup).where(DialogueSignup.email == EMAIL)).one()
    assert signup.phone == PHONE
    signup.attended = True
    db.add(signup)
    mails.queue_for_signup(db, "reminder", signup, event, municipality, "http://testserver/x")
    db.commit()
    assert NAME in _everything(db) and EMAIL in _everything(db) and PHONE in _everything(db)

    days = get_settings().signup_retention_days
    assert days == 30  # the default

    def at(moment: datetime) -> None:
        monkeypatch.setattr(clock, "now", lambda: moment)

    at(event.ends_at + timedelta(days=days - 1))
    assert retention.purge(db) == []
    assert NAME in _everything(db)

    at(event.ends_at + timedelta(days=days, minutes=1))
    message = jobs.run("purge", db)
    assert "1 event(s)" in message

    everything = _everything(db)
    for personal in (NAME, EMAIL, PHONE, "Wilma", "wilma@resident.example", "Rullstol"):
        assert personal not in everything, personal
    assert db.exec(select(DialogueSignup).where(DialogueSignup.event_id == event.id)).all() == []
    assert db.exec(select(MailOutbox).where(MailOutbox.ref == mails.ref(event.id))).all() == []
    # Counts remain, and are what the staff page shows.
    kept = db.get(DialogueEvent, event.id, populate_existing=True)
    assert kept is not None and kept.purged_at is not None
    assert kept.final_counts == {"confirmed": 1, "confirmed_people": 1, "waitlisted": 1, "cancelled": 0,
                                 "attended": 1, "no_show": 0}
    assert service.counts(db, kept)["attended"] == 1
    log = db.exec(select(AuditLog).where(AuditLog.action == Action.DIALOGUE_EVENT_PURGE_SIGNUPS,
                                         AuditLog.entity_id == event.id)).one()
    assert log.after is not None and log.after["deleted_signups"] == 2 and log.after["deleted_mail"] == 1
    # Another event's sign-ups are untouched; a second purge changes nothing.
    assert db.get(DialogueSignup, keeper.id) is not None
    assert retention.purge(db) == []
    assert db.exec(select(DialogueSignup).where(DialogueSignup.status == SignupStatus.confirmed,
                                                DialogueSignup.event_id == other.id)).one().name == "Kvar Kvarsson"
