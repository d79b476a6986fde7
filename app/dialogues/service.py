"""Dialogue events and their sign-ups: public and staff reads, race-safe seats, attendance and messages.

Seats are race-safe: every write that changes who has a seat (sign-up, cancellation, promotion, capacity
change) first takes the event's lock: `BEGIN IMMEDIATE` on SQLite (the engine's `sqlite_immediate` option) and
`SELECT ... FOR UPDATE` on the event row on PostgreSQL, then counts the confirmed seats in SQL.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import case, func, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from app import audit, clock, mail
from app.audit import Action
from app.auth import Scope
from app.config import get_settings
from app.db import writing
from app.dialogues import mails
from app.dialogues.forms import SignupInput
from app.errors import NotFound, ValidationFailed
from app.i18n import gettext as _
from app.models import Area, Municipality
from app.models.dialogues import (
    DialogueEvent,
    DialogueSignup,
    EventKind,
    EventStatus,
    MailOutbox,
    SignupStatus,
    WalkObservation,
)


def kind_labels() -> dict[str, str]:
    return {EventKind.meeting.value: _("Dialogmöte"), EventKind.safety_walk.value: _("Trygghetsvandring"),
            EventKind.street_stand.value: _("Gatumöte"), EventKind.focus_group.value: _("Fokusgrupp"),
            EventKind.online.value: _("Möte på nätet")}



# ----------------------------------------------------------------------------------------------- public reads


@dataclass(frozen=True)
class EventRow:
    event: DialogueEvent
    taken: int
    waitlisted: int

    @property
    def seats_left(self) -> int:
        return max(0, self.event.capacity - self.taken)


def seat_counts(session: Session, event_ids: list[int]) -> dict[int, tuple[int, int]]:
    """event id -> (confirmed people, waitlisted people), in one GROUP BY."""
    if not event_ids:
        return {}
    rows = session.exec(
        select(DialogueSignup.event_id, DialogueSignup.status, func.coalesce(func.sum(DialogueSignup.people), 0))
        .where(col(DialogueSignup.event_id).in_(event_ids),
               col(DialogueSignup.status).in_([SignupStatus.confirmed, SignupStatus.waitlisted]))
        .group_by(col(DialogueSignup.event_id), col(DialogueSignup.status))
    ).all()
    found: dict[int, tuple[int, int]] = {i: (0, 0) for i in event_ids}
    for event_id, status, people in rows:
        taken, waiting = found[event_id]
        found[event_id] = (int(people), waiting) if status == SignupStatus.confirmed else (taken, int(people))
    return found


def _rows(session: Session, events: list[DialogueEvent]) -> list[EventRow]:
    counts = seat_counts(session, [e.id for e in events if e.id is not None])
    return [EventRow(e, *counts.get(e.id or 0, (0, 0))) for e in events]


def upcoming(session: Session, municipality_id: int, area_id: int | None = None,
             limit: int | None = None) -> list[EventRow]:
    query = select(DialogueEvent).where(DialogueEvent.municipality_id == municipality_id,
                                        DialogueEvent.status == EventStatus.published,
                                        col(DialogueEvent.ends_at) >= clock.now())
    if area_id is not None:
        query = query.where(DialogueEvent.area_id == area_id)
    query = query.order_by(col(DialogueEvent.starts_at))
    if limit:
        query = query.limit(limit)
    return _rows(session, list(session.exec(query).all()))


def past_walks(session: Session, municipality_id: int, limit: int = 10) -> list[DialogueEvent]:
    return list(session.exec(
        select(DialogueEvent).where(DialogueEvent.municipality_id == municipality_id,
                                    DialogueEvent.kind == EventKind.safety_walk,
                                    col(DialogueEvent.starts_at) < clock.now())
        .order_by(col(DialogueEvent.starts_at).desc()).limit(limit)).all())


def public_event(session: Session, municipality: Municipality, event_id: int) -> EventRow:
    event = session.get(DialogueEvent, event_id)
    if event is None or event.municipality_id != municipality.id:
        raise NotFound
    return _rows(session, [event])[0]


def areas(session: Session, municipality_id: int) -> list[Area]:
    return list(session.exec(select(Area).where(Area.municipality_id == municipality_id)
                             .order_by(col(Area.parent_id).is_not(None), Area.name)).all())


def area_by_slug(session: Session, municipality_id: int, slug: str) -> Area | None:
    return session.exec(select(Area).where(Area.municipality_id == municipality_id, Area.slug == slug)).first()


def signup_problem(event: DialogueEvent, now: datetime) -> str | None:
    """Why a sign-up is not possible right now, or None."""
    if event.status == EventStatus.cancelled:
        return _("Träffen är inställd.")
    if now >= event.starts_at:
        return _("Träffen har redan börjat eller är över.")
    if event.signup_deadline is not None and now > event.signup_deadline:
        return _("Sista dagen för anmälan har passerat.")
    return None


def municipality_section(session: Session, municipality: Municipality) -> tuple[str, dict[str, Any]] | None:
    """This domain's block on the public municipality page: (template, context), or None for nothing."""
    rows = upcoming(session, municipality.id or 0, limit=3)
    walks = past_walks(session, municipality.id or 0, limit=3)
    return "public/dialogues/_section.html", {"rows": rows, "walks": walks, "municipality": municipality,
                                              "kinds": kind_labels()}


# --------------------------------------------------------------------------------------- sign-up and seats


def _begin_locked(session: Session, event_id: int) -> DialogueEvent | None:
    """Start a write transaction that holds the event's lock until commit (see the module docstring)."""
    if session.in_transaction():
        session.commit()
    session.connection(execution_options={"sqlite_immediate": True})
    return session.exec(select(DialogueEvent).where(DialogueEvent.id == event_id).with_for_update()
                        .execution_options(populate_existing=True)).first()


def _confirmed_people(session: Session, event_id: int) -> int:
    total = session.exec(select(func.coalesce(func.sum(DialogueSignup.people), 0)).where(
        DialogueSignup.event_id == event_id, DialogueSignup.status == SignupStatus.confirmed)).one()
    return int(total)


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(get_settings().secret_key, salt="dialogue-signup")


def signed_token(signup: DialogueSignup) -> str:
    return str(_serializer().dumps([signup.id, signup.token]))


def signup_url(signup: DialogueSignup) -> str:
    return f"{get_settings().base_url}/anmalan/{signed_token(signup)}"


def signup_from_link(session: Session, signed: str) -> tuple[DialogueSignup, DialogueEvent]:
    """The sign-up a personal link points to. Tampered, unknown, deleted or expired (the event is over) -> 404."""
    try:
        signup_id, token = _serializer().loads(signed)
    except (BadSignature, ValueError, TypeError):
        raise NotFound from None
    signup = session.get(DialogueSignup, signup_id) if isinstance(signup_id, int) else None
    if signup is None or not isinstance(token, str) or not secrets.compare_digest(signup.token, token):
        raise NotFound
    event = session.get(DialogueEvent, signup.event_id)
    if event is None or event.ends_at < clock.now():
        raise NotFound
    return signup, event


@dataclass(frozen=True)
class SignupOutcome:
    """`kind`: confirmed, waitlisted, duplicate (already signed up; nothing new stored) or full (ask first)."""

    kind: str
    signup: DialogueSignup | None
    mail_ids: list[int]
    mail_limited: bool = False  # the address already had its confirmation mail this hour: none was queued


def sign_up(session: Session, municipality: Municipality, event_id: int, data: SignupInput,
            accept_waitlist: bool) -> SignupOutcome:
    # Every return below leaves `writing`, which commits: the answers that stored nothing just release the lock.
    with writing(session):
        event = _begin_locked(session, event_id)
        if event is None or event.municipality_id != municipality.id:
            raise NotFound
        problem = signup_problem(event, clock.now())
        if problem:
            raise ValidationFailed({"signup": problem})
        existing = session.exec(select(DialogueSignup).where(DialogueSignup.event_id == event_id,
                                                             DialogueSignup.contact_key == data.contact_key)).first()
        if existing is not None and existing.status != SignupStatus.cancelled:
            # Idempotent: the same contact again stores nothing new; the link is sent again to that address only.
            limited = not mail.confirmation_allowed(session, existing.email)
            queued = None if limited else mails.queue_for_signup(
                session, SignupStatus(existing.status).value, existing, event, municipality, signup_url(existing))
            session.flush()
            return SignupOutcome("duplicate", None, [queued.id] if queued and queued.id else [], limited)
        free = event.capacity - _confirmed_people(session, event_id)
        if data.people <= free:
            status = SignupStatus.confirmed
        elif accept_waitlist:
            status = SignupStatus.waitlisted
        else:
            return SignupOutcome("full", None, [])
        signup = existing or DialogueSignup(event_id=event_id, token="", name="", contact_key=data.contact_key,
                                            status=status)
        signup.token = secrets.token_urlsafe(24)
        signup.name, signup.email, signup.phone = data.name, data.email, data.phone
        signup.people, signup.interpretation_language = data.people, data.interpretation_language
        signup.needs, signup.language, signup.status = data.needs, data.language, status
        signup.attended = None
        signup.created_at = clock.now()
        session.add(signup)
        session.flush()
        limited = not mail.confirmation_allowed(session, signup.email)
        queued = None if limited else mails.queue_for_signup(session, status.value, signup, event, municipality,
                                                             signup_url(signup))
        session.flush()
        return SignupOutcome(status.value, signup, [queued.id] if queued and queued.id else [], limited)


def _promote(session: Session, event: DialogueEvent, municipality: Municipality) -> list[MailOutbox]:
    """Inside the event's lock: move waitlisted sign-ups, first come first served, into freed seats."""
    if event.status != EventStatus.published:
        return []
    free = event.capacity - _confirmed_people(session, event.id or 0)
    queued: list[MailOutbox] = []
    waiting = session.exec(select(DialogueSignup).where(DialogueSignup.event_id == event.id,
                                                        DialogueSignup.status == SignupStatus.waitlisted)
                           .order_by(col(DialogueSignup.created_at), col(DialogueSignup.id))).all()
    for signup in waiting:
        if signup.people > free:
            break
        signup.status = SignupStatus.confirmed
        free -= signup.people
        session.add(signup)
        session.flush()
        message = mails.queue_for_signup(session, "promoted", signup, event, municipality, signup_url(signup))
        if message is not None:
            queued.append(message)
    return queued


def cancel_signup(session: Session, signed: str) -> list[int]:
    """The resident cancels through their link; the freed seats go to the waitlist. Returns mail ids."""
    signup, event = signup_from_link(session, signed)
    signup_id = signup.id
    queued: list[MailOutbox] = []
    with writing(session):
        locked = _begin_locked(session, event.id or 0)
        signup_now = session.get(DialogueSignup, signup_id, populate_existing=True)
        if locked is None or signup_now is None:
            raise NotFound
        municipality = session.get(Municipality, locked.municipality_id)
        assert municipality is not None
        if signup_now.status != SignupStatus.cancelled:
            signup_now.status = SignupStatus.cancelled
            session.add(signup_now)
            session.flush()
            own = mails.queue_for_signup(session, "cancelled_signup", signup_now, locked, municipality, "")
            queued.extend([own] if own else [])
            queued.extend(_promote(session, locked, municipality))
    return [m.id for m in queued if m.id is not None]


# ------------------------------------------------------------------------------------------------ staff


def staff_events(session: Session, scope: Scope) -> list[EventRow]:
    events = session.exec(select(DialogueEvent).where(DialogueEvent.municipality_id == scope.municipality_id)
                          .order_by(col(DialogueEvent.starts_at).desc())).all()
    return _rows(session, list(events))


def audit_snapshot(row: DialogueEvent | WalkObservation) -> dict[str, Any]:
    """A JSON-ready copy for the audit log (no personal data lives in these tables)."""
    found: dict[str, Any] = {}
    for name in type(row).model_fields:
        value = getattr(row, name)
        found[name] = value.isoformat() if isinstance(value, datetime | date) else value
    return found


def save_event(session: Session, scope: Scope, event: DialogueEvent | None, fields: dict[str, Any]) -> tuple[
        DialogueEvent, list[int]]:
    """Create (event None) or update an event of the scope. A larger capacity promotes from the waitlist at once."""
    if event is None:
        with writing(session):
            created = DialogueEvent(municipality_id=scope.municipality_id, **fields)
            session.add(created)
            session.flush()
            audit.record(session, scope.user, Action.DIALOGUE_EVENT_CREATE, "dialogue_event", created.id,
                         municipality_id=scope.municipality_id, after=audit_snapshot(created))
        return created, []
    event_id = event.id or 0
    with writing(session):
        locked = _begin_locked(session, event_id)
        assert locked is not None
        before = audit_snapshot(locked)
        for name, value in fields.items():
            setattr(locked, name, value)
        session.add(locked)
        session.flush()
        queued = _promote(session, locked, scope.municipality)
        audit.record(session, scope.user, Action.DIALOGUE_EVENT_UPDATE, "dialogue_event", event_id,
                     municipality_id=scope.municipality_id,
                     before=before, after=audit_snapshot(locked))
    return locked, [m.id for m in queued if m.id is not None]


def cancel_event(session: Session, scope: Scope, event: DialogueEvent) -> list[int]:
    """Cancel the event; everyone signed up (or waiting) with an e-mail address is told."""
    event_id = event.id or 0
    with writing(session):
        locked = _begin_locked(session, event_id)
        assert locked is not None
        if locked.status == EventStatus.cancelled:
            return []
        locked.status = EventStatus.cancelled
        session.add(locked)
        queued = [mails.queue_for_signup(session, "cancelled_event", s, locked, scope.municipality, "")
                  for s in _active_signups(session, event_id)]
        audit.record(session, scope.user, Action.DIALOGUE_EVENT_CANCEL, "dialogue_event", event_id,
                     municipality_id=scope.municipality_id)
        session.flush()
        return [m.id for m in queued if m is not None and m.id is not None]


def _active_signups(session: Session, event_id: int) -> list[DialogueSignup]:
    return list(session.exec(select(DialogueSignup).where(
        DialogueSignup.event_id == event_id,
        col(DialogueSignup.status).in_([SignupStatus.confirmed, SignupStatus.waitlisted]))
        .order_by(col(DialogueSignup.status), col(DialogueSignup.created_at), col(DialogueSignup.id))).all())


def attendees(session: Session, event: DialogueEvent) -> list[DialogueSignup]:
    """Personal data: only the staff attendee list, check-in and CSV export read this."""
    return _active_signups(session, event.id or 0)


def set_attendance(session: Session, signup: DialogueSignup, attended: bool | None) -> None:
    with writing(session):
        signup.attended = attended
        session.add(signup)


def mark_rest_no_show(session: Session, event: DialogueEvent) -> int:
    with writing(session):
        result = session.execute(update(DialogueSignup).where(
            col(DialogueSignup.event_id) == event.id, col(DialogueSignup.status) == SignupStatus.confirmed,
            col(DialogueSignup.attended).is_(None)).values(attended=False))
    return int(getattr(result, "rowcount", 0) or 0)


def message_all(session: Session, scope: Scope, event: DialogueEvent, subject: str,
                body: str) -> tuple[list[int], int]:
    """Queue a message to everyone signed up or waiting; returns (mail ids, how many have no e-mail)."""
    queued: list[MailOutbox] = []
    without = 0
    with writing(session):
        for signup in _active_signups(session, event.id or 0):
            message = mails.queue_for_signup(session, "message", signup, event, scope.municipality,
                                             signup_url(signup), message=body, subject=subject)
            if message is None:
                without += 1
            else:
                queued.append(message)
        audit.record(session, scope.user, Action.DIALOGUE_EVENT_MESSAGE_ALL, "dialogue_event", event.id,
                     municipality_id=scope.municipality_id, after={"recipients": len(queued)})
        session.flush()
        ids = [m.id for m in queued if m.id is not None]
    return ids, without


def counts(session: Session, event: DialogueEvent) -> dict[str, int]:
    """Sign-up counts: live while sign-ups exist, the kept counts after the purge. One GROUP BY."""
    if event.final_counts is not None:
        return dict(event.final_counts)
    return live_counts(session, event.id or 0)


def live_counts(session: Session, event_id: int) -> dict[str, int]:
    rows = session.execute(
        sa_select(col(DialogueSignup.status), func.count(), func.coalesce(func.sum(DialogueSignup.people), 0),
               func.coalesce(func.sum(case((col(DialogueSignup.attended).is_(True), 1), else_=0)), 0),
               func.coalesce(func.sum(case((col(DialogueSignup.attended).is_(False), 1), else_=0)), 0))
        .where(col(DialogueSignup.event_id) == event_id).group_by(col(DialogueSignup.status))).all()
    found = {"confirmed": 0, "confirmed_people": 0, "waitlisted": 0, "cancelled": 0, "attended": 0, "no_show": 0}
    for status, number, people, attended, no_show in rows:
        found[str(status)] = int(number)
        if status == SignupStatus.confirmed:
            found["confirmed_people"] = int(people)
            found["attended"] = int(attended)
            found["no_show"] = int(no_show)
    return found
