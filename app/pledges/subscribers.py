"""E-mail subscribers of a municipality's pledges: double opt-in, unsubscribe, purge and update notices."""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlmodel import Session, col, select

from app import clock, mail
from app.config import get_settings
from app.db import writing
from app.errors import NotFound, ValidationFailed
from app.i18n import gettext as _
from app.models import Municipality, Party
from app.models.pledges import (
    Pledge,
    PledgeActivity,
    PledgeSubscriber,
    PledgeUpdate,
)
from app.pledges import forms
from app.pledges.rules import localized


def subscribe(session: Session, municipality: Municipality, email: str, lang: str) -> PledgeSubscriber | None:
    """Double opt-in: stores an unconfirmed address and mails a confirmation link. Repeats do not duplicate."""
    errors = forms.validate_email(email)
    if errors:
        raise ValidationFailed(errors)
    email = email.strip().lower()
    found = session.exec(select(PledgeSubscriber).where(PledgeSubscriber.municipality_id == municipality.id,
                                                        PledgeSubscriber.email == email)).first()
    if found is None:
        with writing(session):
            found = PledgeSubscriber(municipality_id=municipality.id or 0, email=email,
                                     token=secrets.token_urlsafe(32), language=lang)
            session.add(found)
    if found.confirmed:
        return None
    with writing(session):
        allowed = mail.confirmation_allowed(session, found.email)  # one confirmation per address and hour
    if not allowed:
        return None
    link = f"{get_settings().base_url}/m/{municipality.slug}/pledges/confirm/{found.token}"
    mail.send(found.email, _("Bekräfta prenumerationen på medborgarlöften"),
              _("Någon (förhoppningsvis du) vill få e-post när %(m)s följer upp sina medborgarlöften. "
                "Bekräfta här: %(link)s\n\nOm det inte var du kan du strunta i det här mejlet; adressen raderas "
                "då efter 30 dagar.") % {"m": municipality.name, "link": link})
    return found


def subscriber(session: Session, municipality: Municipality, token: str) -> PledgeSubscriber:
    found = session.exec(select(PledgeSubscriber).where(PledgeSubscriber.token == token,
                                                        PledgeSubscriber.municipality_id == municipality.id)).first()
    if found is None:
        raise NotFound
    return found


def confirm(session: Session, municipality: Municipality, token: str) -> None:
    with writing(session):
        found = subscriber(session, municipality, token)
        found.confirmed = True
        session.add(found)


def unsubscribe(session: Session, token: str) -> bool:
    """Deletes the address for good (one-click). Returns whether there was one."""
    found = session.exec(select(PledgeSubscriber).where(PledgeSubscriber.token == token)).first()
    if found is None:
        return False
    with writing(session):
        session.delete(found)
    return True


def purge_unconfirmed(session: Session, days: int = 30) -> int:
    cutoff = clock.now() - timedelta(days=days)
    rows = session.exec(select(PledgeSubscriber).where(col(PledgeSubscriber.confirmed).is_(False),
                                                       col(PledgeSubscriber.created_at) < cutoff)).all()
    with writing(session):
        for row in rows:
            session.delete(row)
    return len(rows)


def notify_subscribers(session: Session, found: Pledge, act: PledgeActivity, update: PledgeUpdate) -> list[int]:
    """Queue an update notice to every confirmed subscriber (in the caller's transaction); returns outbox ids.
    Each mail carries a one-click unsubscribe (RFC 8058) and a link to a page that deletes the address."""
    municipality = session.get(Municipality, found.municipality_id)
    if municipality is None:
        return []
    base = get_settings().base_url
    subs = session.exec(select(PledgeSubscriber).where(PledgeSubscriber.municipality_id == found.municipality_id,
                                                       col(PledgeSubscriber.confirmed).is_(True))).all()
    poster = session.get(Party, update.party_id) if update.party_id else None
    heading = localized(act.title, "sv") + (f" – {poster.name}" if poster else "")  # which party posted it
    rows = []
    for sub in subs:
        leave = f"{base}/m/{municipality.slug}/pledges/unsubscribe/{sub.token}"
        body = (f"{localized(found.title, 'sv')}\n{heading}\n\n{update.text}\n\n"
                f"{base}/m/{municipality.slug}/pledges/{found.id}\n\n"
                + _("Avsluta prenumerationen: %(link)s") % {"link": leave})
        subject = _("Ny uppföljning: %(title)s") % {"title": localized(found.title, "sv")}
        one_click = f"{base}/api/v1/pledges/unsubscribe/{sub.token}"
        rows.append(mail.queue(session, sub.email, subject, body, ref=f"pledge_update:{update.id}",
                               headers={"List-Unsubscribe": f"<{one_click}>",
                                        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}))
    session.flush()
    return [row.id for row in rows if row.id is not None]
