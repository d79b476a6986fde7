"""Password links (invitation and reset): random, single-use, stored hashed, sent only by mail; setting and
changing a password; "forgot password" with its limits per recipient and per client address."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlmodel import Session, col, delete, select

from app import audit, clock, mail, ratelimit
from app.admin import rules
from app.audit import Action
from app.auth import hash_password, verify_password
from app.config import get_settings
from app.db import writing
from app.errors import NotFound, ValidationFailed
from app.i18n import gettext as _
from app.models import PasswordToken, StaffUser

PASSWORD_LINK_MAX_AGE = timedelta(days=7)
# "Forgot password": mails per recipient and requests per client address, per hour.
FORGOT_PER_RECIPIENT = 3
FORGOT_PER_CLIENT = 10


class TooManyRequests(Exception):
    pass


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def password_link(session: Session, user: StaffUser) -> str:
    """A new link for the account (in the caller's transaction); it supersedes any earlier one. The token is random:
    it carries nothing of the account or its password, and only its hash is stored."""
    session.exec(delete(PasswordToken).where(col(PasswordToken.user_id) == user.id))
    token = secrets.token_urlsafe(32)
    session.add(PasswordToken(user_id=user.id or 0, token_hash=_token_hash(token),
                              expires_at=clock.now() + PASSWORD_LINK_MAX_AGE))
    return f"{get_settings().base_url}/staff/password/{token}"


def user_for_password_token(session: Session, token: str) -> StaffUser:
    if not token or len(token) > 100:
        raise NotFound
    row = session.exec(select(PasswordToken).where(PasswordToken.token_hash == _token_hash(token))).first()
    if row is None or row.expires_at <= clock.now():
        raise NotFound
    user = session.get(StaffUser, row.user_id)
    if user is None or not user.is_active:
        raise NotFound
    return user


def set_password(session: Session, user: StaffUser, password: str, confirm: str) -> None:
    """Sets the password; every password link of the account stops working and every other session ends."""
    with writing(session):
        problem = rules.password_problem(password, confirm)
        if problem:
            raise ValidationFailed({"password": problem})
        before = audit.snapshot(user)
        user.password_hash = hash_password(password)
        user.session_version += 1
        session.add(user)
        session.exec(delete(PasswordToken).where(col(PasswordToken.user_id) == user.id))
        audit.record(session, user, Action.STAFF_USER_PASSWORD_SET, "staff_user", user.id, before=before,
                     after=audit.snapshot(user))


def change_own_password(session: Session, user: StaffUser, current: str, password: str, confirm: str) -> None:
    if not verify_password(user.password_hash, current):
        raise ValidationFailed({"current": _("Det nuvarande lösenordet stämmer inte.")})
    set_password(session, user, password, confirm)


def mail_password_link(user: StaffUser, link: str) -> None:
    mail.send(user.email, _("Välj lösenord i Trygghetsdialog"),
              _("Någon har bett om en länk så att du kan välja ett nytt lösenord i Trygghetsdialog. Länken gäller "
                "i 7 dagar och bara en gång: %(link)s\n\nHar du inte bett om det kan du strunta i det här "
                "meddelandet; ditt lösenord är oförändrat.") % {"link": link})


def request_password_link(session: Session, email: str, client: str) -> None:
    """"Forgot password": mails a link to the address if it has an active account. The answer is the same either
    way; mails are limited per recipient (silently) and requests per client address (TooManyRequests)."""
    email = rules.normalise_email(email)[:254]
    if problem := rules.email_problem(email):
        raise ValidationFailed({"email": problem})
    now, connection = clock.now(), session.connection()
    link: str | None = None
    with writing(session):  # the request is counted (committed) before a refusal is told
        refused = ratelimit.hit(connection, ratelimit.client_key("password-forgot-client", client, now),
                                now=now) > FORGOT_PER_CLIENT
        if not refused:
            sent_to = ratelimit.hit(connection, ratelimit.client_key("password-forgot-recipient", email, now),
                                    now=now)
            user = session.exec(select(StaffUser).where(StaffUser.email == email)).first()
            if user is not None and user.is_active and sent_to <= FORGOT_PER_RECIPIENT:
                link = password_link(session, user)
    if refused:
        raise TooManyRequests
    if link is not None and user is not None:
        mail_password_link(user, link)
