"""Staff authentication, roles and permissions, municipality scoping, and CSRF protection.

Staff routers are protected once, at the router: `require_staff` on every staff router and `staff_scope`
on every router under /staff/m/{municipality}, which answers 404 for a municipality the user is not in.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from fastapi import Depends, Request
from sqlmodel import Session, col, select

from app.config import get_settings
from app.db import get_session
from app.errors import CsrfFailed, Forbidden, LoginRequired, NotFound, TwoFactorSetupRequired
from app.models import Membership, Municipality, Role, StaffUser
from app.web import use_request_language

hasher = PasswordHasher()
# Verifying against this keeps the time of a login for an unknown account the same as for a known one.
_DUMMY_HASH = hasher.hash("not-a-real-password")

PERMISSIONS: dict[str, frozenset[Role]] = {
    "view": frozenset(Role),
    "report": frozenset({Role.admin, Role.coordinator, Role.police, Role.partner}),
    "edit": frozenset({Role.admin, Role.coordinator, Role.police}),
    "manage_users": frozenset({Role.admin}),
    # Respondent-level data (the responses page, raw exports, free text one by one): not for police/partner/viewer.
    "respondent_data": frozenset({Role.admin, Role.coordinator}),
}
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def hash_password(password: str) -> str:
    return hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def start_session(request: Request, user: StaffUser) -> None:
    """Log in: a fresh session (no fixation), bound to the user's current session version."""
    request.session.clear()
    request.session["uid"] = user.id
    request.session["sv"] = user.session_version


def start_code_step(request: Request, user: StaffUser, target: str) -> None:
    """Password accepted, code still to come: a fresh session that names the account but signs no one in."""
    request.session.clear()
    request.session["pending_uid"] = user.id
    request.session["pending_sv"] = user.session_version
    request.session["next"] = target


def must_enrol_two_factor(session: Session, user: StaffUser) -> bool:
    """Whether the user must set up two-factor sign-in before anything else: always for system administrators,
    and for staff of a municipality that requires it (not enforced in development, see Settings)."""
    if user.totp_secret or not get_settings().two_factor_enforced:
        return False
    if user.is_superadmin:
        return True
    required = session.exec(
        select(Membership.id).join(Municipality, col(Municipality.id) == Membership.municipality_id)
        .where(Membership.user_id == user.id, col(Municipality.require_two_factor).is_(True))
    ).first()
    return required is not None


def end_session(request: Request) -> None:
    request.session.clear()


def current_user(request: Request, session: Session = Depends(get_session)) -> StaffUser | None:
    uid = request.session.get("uid") if "session" in request.scope else None
    if uid is None:
        return None
    user = session.get(StaffUser, uid)
    if user is None or not user.is_active or user.session_version != request.session.get("sv"):
        request.session.clear()
        return None
    request.state.user = user
    return user


def require_signed_in(user: StaffUser | None = Depends(current_user)) -> StaffUser:
    """Signed in, whether or not the two-factor requirement is met yet (only for enrolment and logout)."""
    if user is None:
        raise LoginRequired
    return user


def require_staff(user: StaffUser = Depends(require_signed_in), session: Session = Depends(get_session)) -> StaffUser:
    if must_enrol_two_factor(session, user):
        raise TwoFactorSetupRequired
    return user


@dataclass(frozen=True)
class Scope:
    """The municipality a staff request is about, and the user's role there."""

    user: StaffUser
    municipality: Municipality
    role: Role | None  # None for a superadmin without a membership
    party_id: int | None = None  # the membership's party (a partner acts only for it; see pledges.service.acting_party)

    @property
    def municipality_id(self) -> int:
        assert self.municipality.id is not None
        return self.municipality.id

    def may(self, permission: str) -> bool:
        return self.user.is_superadmin or (self.role is not None and self.role in PERMISSIONS[permission])


def staff_scope(municipality: str, request: Request, user: StaffUser = Depends(require_staff),
                session: Session = Depends(get_session)) -> Scope:
    """Router dependency for /staff/m/{municipality}: 404 unless the user belongs to it."""
    found = session.exec(select(Municipality).where(Municipality.slug == municipality)).first()
    if found is None:
        raise NotFound
    membership = session.exec(
        select(Membership).where(Membership.user_id == user.id, Membership.municipality_id == found.id)
    ).first()
    if membership is None and not user.is_superadmin:
        raise NotFound
    scope = Scope(user=user, municipality=found, role=Role(membership.role) if membership else None,
                  party_id=membership.party_id if membership else None)
    request.state.scope = scope
    return scope


class require_permission:  # lower case: reads as a function at the call site, Depends(require_permission("edit"))
    """Router or route dependency: 403 unless the user's role in the scoped municipality allows `permission`.

    `permission` is kept on the instance so the authorization matrix test can read what each route requires.
    """

    def __init__(self, permission: str) -> None:
        if permission not in PERMISSIONS:
            raise ValueError(f"unknown permission {permission}")
        self.permission = permission

    def __call__(self, scope: Scope = Depends(staff_scope)) -> Scope:
        if not scope.may(self.permission):
            raise Forbidden
        return scope


class _RequireSuperadmin:
    permission = "superadmin"

    def __call__(self, user: StaffUser = Depends(require_staff)) -> StaffUser:
        if not user.is_superadmin:
            raise Forbidden
        return user


require_superadmin = _RequireSuperadmin()


def user_municipalities(session: Session, user: StaffUser) -> list[tuple[Municipality, Role | None]]:
    if user.is_superadmin:
        rows = session.exec(select(Municipality).order_by(Municipality.name)).all()
        roles = {m.municipality_id: Role(m.role) for m in
                 session.exec(select(Membership).where(Membership.user_id == user.id)).all()}
        return [(m, roles.get(m.id or 0)) for m in rows]
    joined = session.exec(
        select(Municipality, Membership).join(Membership, col(Membership.municipality_id) == Municipality.id)
        .where(Membership.user_id == user.id).order_by(Municipality.name)
    ).all()
    return [(m, Role(ms.role)) for m, ms in joined]


async def prepare_request(request: Request) -> None:
    """The app-wide dependency (one: each costs on every request): the request's language, then the CSRF check.

    Async on purpose: it runs in the request's task, so the sync route (run in a copy of that context) and the
    error handlers see the language; a language set by an earlier request can never leak into this one.
    """
    use_request_language(request)
    await csrf_protect(request)


async def csrf_protect(request: Request) -> None:
    """Every state-changing form must carry the session's CSRF token (the JSON API has its own rules)."""
    if request.method not in UNSAFE_METHODS or request.scope["path"].startswith("/api/"):
        return
    expected = request.session.get("csrf") if "session" in request.scope else None
    sent = request.headers.get("x-csrf-token")
    if sent is None:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form(max_files=10, max_fields=2000)
            value = form.get("csrf_token")
            sent = value if isinstance(value, str) else None
    if not expected or not sent or not hmac.compare_digest(str(expected), sent):
        raise CsrfFailed
