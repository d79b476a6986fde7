"""Staff accounts: login with throttling, invitations, roles, disabling, password links."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from itsdangerous import BadData, URLSafeTimedSerializer
from sqlmodel import Session, col, delete, select

from app import audit, clock, ratelimit
from app.admin import rules
from app.auth import Scope, hash_password, verify_password
from app.config import get_settings
from app.errors import Forbidden, NotFound, ValidationFailed
from app.i18n import gettext as _
from app.models import LoginAttempt, Membership, Municipality, Role, StaffUser

PASSWORD_LINK_MAX_AGE = timedelta(days=7)


class LoginFailed(Exception):
    """Wrong e-mail or password: one neutral message, whichever it was."""


class LoginThrottled(Exception):
    pass


def login(session: Session, email: str, password: str, client: str = "") -> StaffUser:
    """Checks the password; failures are throttled per account and per client address (`client`, kept only as a
    keyed hash in the rate counters), so one address cannot try a few passwords on every account either."""
    settings = get_settings()
    email = rules.normalise_email(email)[:254]
    now = clock.now()
    window = timedelta(minutes=settings.login_window_minutes)
    client_key = ratelimit.client_key("login-failures", client, now, int(window.total_seconds())) if client else ""
    if client_key and ratelimit.count(session.connection(), client_key) >= settings.login_max_failures_per_client:
        raise LoginThrottled
    failures = session.exec(
        select(LoginAttempt.attempted_at).where(LoginAttempt.email == email,
                                                LoginAttempt.attempted_at > now - window)
    ).all()
    if rules.is_throttled(list(failures), now, settings.login_max_failures, window):
        raise LoginThrottled
    user = session.exec(select(StaffUser).where(StaffUser.email == email)).first()
    valid = verify_password(user.password_hash if user else None, password)
    if user is None or not valid or not user.is_active:
        session.add(LoginAttempt(email=email, attempted_at=now))
        if client_key:
            ratelimit.hit(session.connection(), client_key, now=now, seconds=int(window.total_seconds()))
        session.commit()
        raise LoginFailed
    session.exec(delete(LoginAttempt).where(col(LoginAttempt.email) == email))
    user.last_login_at = now
    session.add(user)
    session.commit()
    return user


def end_sessions(session: Session, user: StaffUser) -> None:
    """Logout: every session cookie of the account stops working, on every app instance. Session cookies are
    signed, not stored, so without this a copy of the cookie would outlive the logout."""
    user.session_version += 1
    session.add(user)
    session.commit()


# --- password links (invitation and reset) -------------------------------------------------------

def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(get_settings().secret_key, salt="staff-password-link")


def _fingerprint(user: StaffUser) -> str:
    # Changes when the password is set, so each link works once.
    return f"{user.session_version}:{(user.password_hash or 'none')[-16:]}"


def password_link(user: StaffUser) -> str:
    token = _serializer().dumps({"uid": user.id, "fp": _fingerprint(user)})
    return f"{get_settings().base_url}/staff/password/{token}"


def user_for_password_token(session: Session, token: str) -> StaffUser:
    try:
        data = _serializer().loads(token, max_age=int(PASSWORD_LINK_MAX_AGE.total_seconds()))
    except BadData:
        raise NotFound from None
    if not isinstance(data, dict):
        raise NotFound
    user = session.get(StaffUser, data.get("uid"))
    if user is None or not user.is_active or data.get("fp") != _fingerprint(user):
        raise NotFound
    return user


def set_password(session: Session, user: StaffUser, password: str, confirm: str) -> None:
    problem = rules.password_problem(password, confirm)
    if problem:
        raise ValidationFailed({"password": problem})
    before = audit.snapshot(user)
    user.password_hash = hash_password(password)
    user.session_version += 1
    session.add(user)
    audit.record(session, user, "password_set", "staff_user", user.id, before=before, after=audit.snapshot(user))
    session.commit()


def change_own_password(session: Session, user: StaffUser, current: str, password: str, confirm: str) -> None:
    if not verify_password(user.password_hash, current):
        raise ValidationFailed({"current": _("Det nuvarande lösenordet stämmer inte.")})
    set_password(session, user, password, confirm)


# --- users in a municipality ---------------------------------------------------------------------

@dataclass(frozen=True)
class MemberRow:
    user: StaffUser
    role: Role


def members(session: Session, scope: Scope) -> list[MemberRow]:
    rows = session.exec(
        select(StaffUser, Membership).join(Membership, col(Membership.user_id) == StaffUser.id)
        .where(Membership.municipality_id == scope.municipality_id).order_by(StaffUser.name)
    ).all()
    return [MemberRow(user, Role(membership.role)) for user, membership in rows]


def member(session: Session, scope: Scope, user_id: int) -> MemberRow:
    row = session.exec(
        select(StaffUser, Membership).join(Membership, col(Membership.user_id) == StaffUser.id)
        .where(Membership.municipality_id == scope.municipality_id, StaffUser.id == user_id)
    ).first()
    if row is None:
        raise NotFound
    return MemberRow(row[0], Role(row[1].role))


def parse_role(value: str) -> Role:
    try:
        return Role(value)
    except ValueError:
        raise ValidationFailed({"role": _("Välj en roll i listan.")}) from None


def invite(session: Session, scope: Scope, email: str, name: str, role_value: str) -> tuple[StaffUser, str | None]:
    """Add a user to the municipality; a new account gets a link to choose a password."""
    email = rules.normalise_email(email)
    errors: dict[str, str] = {}
    if problem := rules.email_problem(email):
        errors["email"] = problem
    if not name.strip():
        errors["name"] = _("Ange personens namn.")
    elif len(name) > 200:
        errors["name"] = _("Namnet får vara högst 200 tecken.")
    try:
        role = parse_role(role_value)
    except ValidationFailed as exc:
        errors.update(exc.errors)
    if errors:
        raise ValidationFailed(errors)
    user = session.exec(select(StaffUser).where(StaffUser.email == email)).first()
    link: str | None = None
    if user is None:
        user = StaffUser(email=email, name=name.strip())
        session.add(user)
        session.flush()
        link = password_link(user)
    elif session.exec(select(Membership).where(Membership.user_id == user.id,
                                               Membership.municipality_id == scope.municipality_id)).first():
        raise ValidationFailed({"email": _("Personen har redan ett konto i den här kommunen.")})
    membership = Membership(user_id=user.id or 0, municipality_id=scope.municipality_id, role=role)
    session.add(membership)
    audit.record(session, scope.user, "invite", "staff_user", user.id, municipality_id=scope.municipality_id,
                 after={"email": email, "role": role.value})
    session.commit()
    return user, link


def change_role(session: Session, scope: Scope, user_id: int, role_value: str) -> None:
    role = parse_role(role_value)
    row = member(session, scope, user_id)
    if row.user.id == scope.user.id:
        raise ValidationFailed({"role": _("Du kan inte ändra din egen roll.")})
    membership = session.exec(select(Membership).where(Membership.user_id == user_id,
                                                       Membership.municipality_id == scope.municipality_id)).one()
    before = {"role": membership.role}
    membership.role = role
    session.add(membership)
    audit.record(session, scope.user, "change_role", "membership", membership.id,
                 municipality_id=scope.municipality_id, before=before, after={"role": role.value})
    session.commit()


def set_active(session: Session, scope: Scope, user_id: int, active: bool) -> StaffUser:
    """Disable or re-enable an account. Only for accounts that belong to no municipality the admin lacks."""
    row = member(session, scope, user_id)
    user = row.user
    if user.id == scope.user.id:
        raise ValidationFailed({"user": _("Du kan inte stänga av ditt eget konto.")})
    if not scope.user.is_superadmin:
        others = session.exec(select(Membership).where(Membership.user_id == user.id,
                                                       Membership.municipality_id != scope.municipality_id)).all()
        admin_of = {m.municipality_id for m in session.exec(
            select(Membership).where(Membership.user_id == scope.user.id, Membership.role == Role.admin)).all()}
        if user.is_superadmin or any(m.municipality_id not in admin_of for m in others):
            raise Forbidden(_("Kontot används även i en kommun där du inte är administratör."))
    before = audit.snapshot(user)
    user.is_active = active
    user.session_version += 1
    session.add(user)
    audit.record(session, scope.user, "enable" if active else "disable", "staff_user", user.id,
                 municipality_id=scope.municipality_id, before=before, after=audit.snapshot(user))
    session.commit()
    return user


def reset_link(session: Session, scope: Scope, user_id: int) -> tuple[StaffUser, str]:
    user = member(session, scope, user_id).user
    if not user.is_active:
        raise ValidationFailed({"user": _("Kontot är avstängt. Aktivera det först.")})
    audit.record(session, scope.user, "password_reset_link", "staff_user", user.id,
                 municipality_id=scope.municipality_id)
    session.commit()
    return user, password_link(user)


def create_admin(session: Session, email: str, name: str, password: str) -> StaffUser:
    """CLI: a superadmin who can set up municipalities; updates the password if the account exists."""
    email = rules.normalise_email(email)
    if problem := rules.email_problem(email):
        raise ValidationFailed({"email": problem})
    if problem := rules.password_problem(password, password):
        raise ValidationFailed({"password": problem})
    user = session.exec(select(StaffUser).where(StaffUser.email == email)).first()
    before = audit.snapshot(user)
    if user is None:
        user = StaffUser(email=email, name=name or email)
    user.password_hash = hash_password(password)
    user.is_superadmin = True
    user.is_active = True
    user.session_version += 1 if before else 0
    session.add(user)
    session.flush()
    audit.record(session, None, "create_admin", "staff_user", user.id, before=before, after=audit.snapshot(user))
    session.commit()
    return user


def municipality_by_slug(session: Session, slug: str) -> Municipality:
    found = session.exec(select(Municipality).where(Municipality.slug == slug)).first()
    if found is None:
        raise NotFound
    return found
