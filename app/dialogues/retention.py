"""Retention and reminders, run by the scheduler: purge sign-ups after the event, remind the day before."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete
from sqlmodel import Session, col, select

from app import audit, clock
from app.audit import Action
from app.config import get_settings
from app.db import writing
from app.dialogues import mails
from app.dialogues.service import live_counts, signup_url
from app.models import Municipality, StaffUser
from app.models.dialogues import (
    DialogueEvent,
    DialogueSignup,
    EventStatus,
    MailOutbox,
    SignupStatus,
)

REMINDER_BEFORE = timedelta(hours=24)


def purge(session: Session, actor: StaffUser | None = None) -> list[tuple[int, dict[str, int]]]:
    """Delete the sign-ups (and any queued mail) of events that ended more than SIGNUP_RETENTION_DAYS ago,
    keeping only counts on the event. Each deletion is audit-logged with counts, never names."""
    now = clock.now()
    cutoff = now - timedelta(days=get_settings().signup_retention_days)
    due = session.exec(select(DialogueEvent).where(col(DialogueEvent.ends_at) < cutoff,
                                                   col(DialogueEvent.purged_at).is_(None))).all()
    done: list[tuple[int, dict[str, int]]] = []
    with writing(session):
        for event in due:
            event_id = event.id or 0
            kept = live_counts(session, event_id)
            deleted = session.execute(delete(DialogueSignup).where(col(DialogueSignup.event_id) == event_id))
            mail_deleted = session.execute(delete(MailOutbox).where(col(MailOutbox.ref) == mails.ref(event_id)))
            event.final_counts = kept
            event.purged_at = now
            session.add(event)
            audit.record(session, actor, Action.DIALOGUE_EVENT_PURGE_SIGNUPS, "dialogue_event", event_id,
                         municipality_id=event.municipality_id,
                         after={"deleted_signups": int(getattr(deleted, "rowcount", 0) or 0),
                                "deleted_mail": int(getattr(mail_deleted, "rowcount", 0) or 0), **kept})
            done.append((event_id, kept))
    return done


def queue_reminders(session: Session) -> int:
    """Queue reminders for events starting within a day (once per event); returns how many were queued."""
    now = clock.now()
    events = session.exec(select(DialogueEvent).where(
        DialogueEvent.status == EventStatus.published, col(DialogueEvent.reminder_sent_at).is_(None),
        col(DialogueEvent.starts_at) > now, col(DialogueEvent.starts_at) <= now + REMINDER_BEFORE)).all()
    queued = 0
    with writing(session):
        for event in events:
            municipality = session.get(Municipality, event.municipality_id)
            assert municipality is not None
            for signup in session.exec(select(DialogueSignup).where(DialogueSignup.event_id == event.id,
                                                                    DialogueSignup.status == SignupStatus.confirmed)):
                if mails.queue_for_signup(session, "reminder", signup, event, municipality, signup_url(signup)):
                    queued += 1
            event.reminder_sent_at = now
            session.add(event)
    return queued
