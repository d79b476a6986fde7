"""Two-factor sign-in with TOTP (pyotp): enrolment, codes at login (each usable once, throttled like passwords),
one-time recovery codes, turning it off, and a system administrator's reset of another account's setup.

Secrets live in the database (the one being enrolled too), never in the session cookie; recovery codes are stored
as SHA-256 hashes (they are random, so a fast hash suffices) and shown once.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime

import pyotp
import segno
from sqlalchemy import or_, update
from sqlmodel import Session, col, delete, select

from app import audit, clock, ratelimit
from app.audit import Action
from app.auth import verify_password
from app.config import get_settings
from app.db import writing
from app.errors import ValidationFailed
from app.i18n import gettext as _
from app.models import Membership, RecoveryCode, StaffUser

ISSUER = "Trygghetsdialog"
RECOVERY_CODES = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read off paper without doubt
# Codes per account over all clients in a login window: a stolen password cannot be followed by a brute force of
# the million codes from many addresses.
CODE_FAILURES_PER_ACCOUNT = 10


class CodeFailed(Exception):
    """A wrong, reused or expired code."""


class CodeThrottled(Exception):
    pass


# --- pure helpers --------------------------------------------------------------------------------

def matching_step(secret: str, code: str, now: datetime) -> int | None:
    """The time step (of the previous, current or next 30 s) whose code is `code`, else None."""
    code = code.strip().replace(" ", "")
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    step = totp.timecode(now)
    for candidate in (step - 1, step, step + 1):
        if hmac.compare_digest(totp.generate_otp(candidate), code):
            return candidate
    return None


def normalise_recovery_code(value: str) -> str:
    return "".join(ch for ch in value.lower() if ch.isalnum())


def hash_code(value: str) -> str:
    return hashlib.sha256(normalise_recovery_code(value).encode()).hexdigest()


def new_recovery_code() -> str:
    raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(10))
    return f"{raw[:5]}-{raw[5:]}"


def provisioning_uri(user: StaffUser, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    """The QR code as inline SVG markup (no JavaScript, no image request)."""
    return str(segno.make(uri, error="m").svg_inline(scale=4, dark="#000", light="#fff"))


# --- enrolment -----------------------------------------------------------------------------------

def pending_secret(session: Session, user: StaffUser) -> str:
    """The secret being enrolled, created on first view and kept until confirmed (so a reload shows the same one)."""
    if user.totp_pending_secret is None:
        with writing(session):
            user.totp_pending_secret = pyotp.random_base32()
            session.add(user)
    assert user.totp_pending_secret is not None
    return user.totp_pending_secret


def _municipality_ids(session: Session, user: StaffUser) -> list[int | None]:
    ids: list[int | None] = list(session.exec(
        select(Membership.municipality_id).where(Membership.user_id == user.id)).all())
    return ids or [None]


def _record(session: Session, actor: StaffUser | None, action: Action, user: StaffUser) -> None:
    """Written to the audit log of every municipality the account works in."""
    for municipality_id in _municipality_ids(session, user):
        audit.record(session, actor, action, "staff_user", user.id, municipality_id=municipality_id)


def _fresh_recovery_codes(session: Session, user: StaffUser) -> list[str]:
    session.exec(delete(RecoveryCode).where(col(RecoveryCode.user_id) == user.id))
    codes = [new_recovery_code() for _ in range(RECOVERY_CODES)]
    for code in codes:
        session.add(RecoveryCode(user_id=user.id or 0, code_hash=hash_code(code)))
    return codes


def confirm_enrolment(session: Session, user: StaffUser, code: str, client: str = "") -> list[str]:
    """Turns two-factor sign-in on once a code from the app matches; returns the recovery codes (shown once).
    Other sessions of the account end."""
    secret = user.totp_pending_secret
    if secret is None:
        raise ValidationFailed({"code": _("Börja om: ladda om sidan och läs in den nya QR-koden.")})
    _check_throttle(session, user, client)
    codes: list[str] = []
    with writing(session):  # a failure is counted (committed) before it is told
        step = matching_step(secret, code, clock.now())
        if step is None:
            _count_failure(session, user, client)
        else:
            user.totp_secret, user.totp_pending_secret, user.totp_last_step = secret, None, step
            user.session_version += 1
            session.add(user)
            codes = _fresh_recovery_codes(session, user)
            _record(session, user, Action.STAFF_USER_TWO_FACTOR_ON, user)
    if step is None:
        raise ValidationFailed({"code": _("Koden stämmer inte. Skriv de sex siffror som appen visar nu.")})
    return codes


def disable(session: Session, user: StaffUser, proof: str, client: str = "") -> None:
    """Turns two-factor sign-in off; needs a current code or the password."""
    if user.totp_secret is None:
        return
    _check_throttle(session, user, client)
    with writing(session):  # a failure is counted (committed) before it is told
        proven = _consume_step(session, user, proof) or verify_password(user.password_hash, proof)
        if proven:
            _clear(session, user)
            _record(session, user, Action.STAFF_USER_TWO_FACTOR_OFF, user)
        else:
            _count_failure(session, user, client)
    if not proven:
        raise ValidationFailed({"proof": _("Ange en giltig kod från appen eller ditt lösenord.")})


def reset(session: Session, actor: StaffUser, user: StaffUser) -> None:
    """A system administrator's reset of someone's two-factor setup (the caller checks who may)."""
    with writing(session):
        _clear(session, user)
        user.session_version += 1
        _record(session, actor, Action.STAFF_USER_TWO_FACTOR_RESET, user)


def _clear(session: Session, user: StaffUser) -> None:
    user.totp_secret = user.totp_pending_secret = user.totp_last_step = None
    session.add(user)
    session.exec(delete(RecoveryCode).where(col(RecoveryCode.user_id) == user.id))


# --- codes at login ------------------------------------------------------------------------------

def _keys(user: StaffUser, client: str) -> tuple[str, str, int]:
    seconds = get_settings().login_window_minutes * 60
    now = clock.now()
    return (ratelimit.client_key("code-failures", f"{user.id}|{client}", now, seconds),
            ratelimit.client_key("code-failures-account", str(user.id), now, seconds), seconds)


def _check_throttle(session: Session, user: StaffUser, client: str) -> None:
    per_client, per_account, _seconds = _keys(user, client)
    connection = session.connection()
    if (ratelimit.count(connection, per_client) >= get_settings().login_max_failures
            or ratelimit.count(connection, per_account) >= CODE_FAILURES_PER_ACCOUNT):
        raise CodeThrottled


def _count_failure(session: Session, user: StaffUser, client: str) -> None:
    per_client, per_account, seconds = _keys(user, client)
    connection, now = session.connection(), clock.now()
    ratelimit.hit(connection, per_client, now=now, seconds=seconds)
    ratelimit.hit(connection, per_account, now=now, seconds=seconds)


def _consume_step(session: Session, user: StaffUser, code: str) -> bool:
    """True if `code` is valid now and its time step was not used before; marks it used (race-safe)."""
    if user.totp_secret is None:
        return False
    step = matching_step(user.totp_secret, code, clock.now())
    if step is None:
        return False
    table = StaffUser.__table__  # type: ignore[attr-defined]
    claimed = session.execute(update(table).where(
        table.c.id == user.id, or_(table.c.totp_last_step.is_(None), table.c.totp_last_step < step),
    ).values(totp_last_step=step))
    if getattr(claimed, "rowcount", 0) != 1:
        return False
    session.refresh(user)
    return True


def _consume_recovery_code(session: Session, user: StaffUser, code: str) -> bool:
    if len(normalise_recovery_code(code)) != 10:
        return False
    table = RecoveryCode.__table__  # type: ignore[attr-defined]
    used = session.execute(update(table).where(
        table.c.user_id == user.id, table.c.code_hash == hash_code(code), table.c.used_at.is_(None),
    ).values(used_at=clock.now()))
    return getattr(used, "rowcount", 0) == 1


def verify_login(session: Session, user: StaffUser, code: str, client: str = "") -> None:
    """The second step of signing in: a code from the app (each time step once) or an unused recovery code."""
    _check_throttle(session, user, client)
    code = code[:40]
    with writing(session):  # a failure is counted (committed) before it is told
        accepted = _consume_step(session, user, code) or _consume_recovery_code(session, user, code)
        if accepted:
            user.last_login_at = clock.now()
            session.add(user)
        else:
            _count_failure(session, user, client)
    if not accepted:
        raise CodeFailed


def recovery_codes_left(session: Session, user: StaffUser) -> int:
    return len(session.exec(select(RecoveryCode.id).where(
        RecoveryCode.user_id == user.id, col(RecoveryCode.used_at).is_(None))).all())
