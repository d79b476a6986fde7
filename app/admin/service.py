"""Staff accounts: login with throttling, invitations (accepted by the account's owner), roles, disabling; the
password links themselves live in passwords.py."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from itsdangerous import BadData, URLSafeSerializer
from sqlalchemy import delete as sa_delete
from sqlmodel import Session, col, delete, select

from app import audit, clock, mail, ratelimit
from app.admin import passwords, rules, two_factor
from app.audit import Action
from app.auth import PERMISSIONS, Scope, hash_password, verify_password
from app.config import get_settings
from app.db import writing
from app.errors import Forbidden, NotFound, ValidationFailed
from app.i18n import gettext as _
from app.models import Invitation, Membership, Municipality, PasswordToken, Role, StaffUser
from app.models.limits import RateCounter


class LoginFailed(Exception):
    """Wrong e-mail or password: one neutral message, whichever it was."""


class LoginThrottled(Exception):
    pass


class LoginSlowed(Exception):
    """Too many recent failures for this account from this client: the next attempt must wait (not checked)."""

    def __init__(self, seconds: int) -> None:
        super().__init__(seconds)
        self.seconds = seconds


def _device_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(get_settings().secret_key, salt="known-device")


def device_cookie_value(user_id: int, device_id: str) -> str:
    """The known-device cookie: a signed (account, random device id) pair, set after a full sign-in. It grants
    nothing; it only lets this browser's login attempts be counted apart from its address's."""
    return _device_serializer().dumps({"u": user_id, "d": device_id})


def read_device_cookie(value: str | None) -> tuple[int, str] | None:
    if not value or len(value) > 300:
        return None
    try:
        data = _device_serializer().loads(value)
    except BadData:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int) or not isinstance(data.get("d"), str):
        return None
    return data["u"], data["d"][:64]


def new_device_id() -> str:
    return secrets.token_hex(16)


def login(session: Session, email: str, password: str, client: str = "",
          device: tuple[int, str] | None = None) -> StaffUser:
    """Checks the password. Failures are counted per client address (over all accounts, against spraying) and per
    (account, client address), so no one can lock an account's owner out from another address. A browser the
    account signed in from before (`device`, from the known-device cookie) is counted on its own instead: failures
    by strangers at the same address (an office network) do not block it. After `login_slow_after` failures each
    further attempt from that client must wait `login_slow_seconds` (slow), and `login_max_failures` block it for the
    window. Addresses are kept only as keyed hashes."""
    settings = get_settings()
    email = rules.normalise_email(email)[:254]
    now = clock.now()
    seconds = settings.login_window_minutes * 60
    user = session.exec(select(StaffUser).where(StaffUser.email == email)).first()
    known = device is not None and user is not None and device[0] == user.id
    client_key = ratelimit.client_key("login-failures", client, now, seconds)
    where = f"device:{device[1]}" if known and device else client
    account_key = ratelimit.client_key("login-account-failures", f"{email}|{where}", now, seconds)
    connection = session.connection()
    if ((not known and ratelimit.count(connection, client_key) >= settings.login_max_failures_per_client)
            or ratelimit.count(connection, account_key) >= settings.login_max_failures):
        raise LoginThrottled
    slow_key = ratelimit.client_key("login-account-slow", f"{email}|{where}", now, seconds)
    wait = ratelimit.wait_seconds(connection, slow_key, now)
    if wait:
        raise LoginSlowed(wait)
    valid = verify_password(user.password_hash if user else None, password)
    with writing(session):  # a failure is counted (committed) before it is told
        if user is None or not valid or not user.is_active:
            ratelimit.hit(connection, client_key, now=now, seconds=seconds)
            failures = ratelimit.hit(connection, account_key, now=now, seconds=seconds)
            if failures >= settings.login_slow_after and settings.login_slow_seconds:
                ratelimit.hold(connection, slow_key, now=now, seconds=settings.login_slow_seconds)
        else:
            session.execute(sa_delete(RateCounter).where(col(RateCounter.key).in_([account_key, slow_key])))
            if user.totp_secret is None:
                user.last_login_at = now  # with two-factor sign-in, set once the code is accepted
                session.add(user)
    if user is None or not valid or not user.is_active:
        raise LoginFailed
    return user


def end_sessions(session: Session, user: StaffUser) -> None:
    """Logout: every session cookie of the account stops working, on every app instance. Session cookies are
    signed, not stored, so without this a copy of the cookie would outlive the logout."""
    with writing(session):
        user.session_version += 1
        session.add(user)


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


def _other_municipalities(session: Session, user: StaffUser, municipality_id: int) -> list[int]:
    return [m for m in session.exec(select(Membership.municipality_id).where(
        Membership.user_id == user.id, Membership.municipality_id != municipality_id)).all()]


def _record_everywhere(session: Session, actor: StaffUser | None, action: Action, entity: str, entity_id: int | None,
                       user: StaffUser, municipality_id: int, **details: object) -> None:
    """A membership change goes into the audit log of the municipality it happens in and of every other
    municipality the account works in (they see that one of their accounts changed elsewhere)."""
    after = {key: value for key, value in details.items()}
    audit.record(session, actor, action, entity, entity_id, municipality_id=municipality_id, after=after or None)
    for other in _other_municipalities(session, user, municipality_id):
        audit.record(session, actor, action, entity, entity_id, municipality_id=other,
                     after={**after, "elsewhere": municipality_id})


@dataclass(frozen=True)
class PendingInvitation:
    invitation: Invitation
    email: str
    municipality: Municipality


def pending_invitations(session: Session, scope: Scope) -> list[PendingInvitation]:
    """The municipality's invitations not yet accepted: the address the admin typed, never the account's name."""
    rows = session.exec(
        select(Invitation, StaffUser.email).join(StaffUser, col(StaffUser.id) == Invitation.user_id)
        .where(Invitation.municipality_id == scope.municipality_id).order_by(col(Invitation.created_at).desc())
    ).all()
    return [PendingInvitation(invitation, email, scope.municipality) for invitation, email in rows]


def invitation_stands(session: Session, invitation: Invitation) -> bool:
    """An invitation is its inviter's act: it stands only while they may still manage users there (not demoted,
    removed, disabled or deleted since), so no one keeps rights through an invitation sent before losing them."""
    inviter = session.get(StaffUser, invitation.invited_by) if invitation.invited_by else None
    if inviter is None or not inviter.is_active:
        return False
    if inviter.is_superadmin:
        return True
    role = session.exec(select(Membership.role).where(Membership.user_id == inviter.id,
                                                      Membership.municipality_id == invitation.municipality_id)).first()
    return role is not None and Role(role) in PERMISSIONS["manage_users"]


def my_invitations(session: Session, user: StaffUser) -> list[PendingInvitation]:
    rows = session.exec(
        select(Invitation, Municipality).join(Municipality, col(Municipality.id) == Invitation.municipality_id)
        .where(Invitation.user_id == user.id).order_by(Municipality.name)
    ).all()
    return [PendingInvitation(invitation, user.email, municipality) for invitation, municipality in rows
            if invitation_stands(session, invitation)]


@dataclass(frozen=True)
class NewInvitation:
    """An invitation written but not yet mailed: the mail goes once the transaction has committed."""

    invitation: Invitation
    email: str
    password_link: str | None  # a new address chooses a password first


def add_invitation(session: Session, scope: Scope, email: str, name: str, role_value: str) -> NewInvitation:
    """Invites a person into the municipality (inside the caller's transaction). Nothing is attached and nothing
    of an existing account is shown: the owner of the address accepts while signed in."""
    email = rules.normalise_email(email)
    errors: dict[str, str] = {}
    if problem := rules.email_problem(email):
        errors["email"] = problem
    if problem := rules.name_problem(name.strip(), _("Ange personens namn.")):
        errors["name"] = problem
    try:
        role = parse_role(role_value)
    except ValidationFailed as exc:
        errors.update(exc.errors)
    if errors:
        raise ValidationFailed(errors)
    user = session.exec(select(StaffUser).where(StaffUser.email == email)).first()
    if user is None:
        user = StaffUser(email=email, name=name.strip())
        session.add(user)
        session.flush()
    elif session.exec(select(Membership).where(Membership.user_id == user.id,
                                               Membership.municipality_id == scope.municipality_id)).first():
        raise ValidationFailed({"email": _("Personen har redan ett konto i den här kommunen.")})
    invitation = session.exec(select(Invitation).where(Invitation.user_id == user.id,
                                                       Invitation.municipality_id == scope.municipality_id)).first()
    if invitation is None:
        invitation = Invitation(user_id=user.id or 0, municipality_id=scope.municipality_id, role=role)
    invitation.role, invitation.invited_by = role, scope.user.id
    session.add(invitation)
    session.flush()
    _record_everywhere(session, scope.user, Action.INVITATION_INVITE, "invitation", invitation.id, user,
                       scope.municipality_id, email=email, role=role.value)
    link = passwords.password_link(session, user) if user.password_hash is None and user.is_active else None
    return NewInvitation(invitation, user.email, link)


def mail_invitation(new: NewInvitation, municipality: Municipality) -> None:
    text = _("Du har bjudits in till Trygghetsdialog för %(municipality)s.") % {"municipality": municipality.name}
    if new.password_link:
        text += "\n\n" + _("Välj ett lösenord här (länken gäller i 7 dagar och bara en gång): %(link)s\n\n"
                            "Därefter tackar du ja till inbjudan.") % {"link": new.password_link}
    else:
        text += "\n\n" + _("Logga in och tacka ja eller nej här: %(url)s") % {
            "url": f"{get_settings().base_url}/staff/invitations"}
    mail.send(new.email, _("Inbjudan till Trygghetsdialog"), text)


def invite(session: Session, scope: Scope, email: str, name: str, role_value: str) -> Invitation:
    """Invites a person into the municipality and mails them once it is written."""
    with writing(session):
        new = add_invitation(session, scope, email, name, role_value)
    mail_invitation(new, scope.municipality)
    return new.invitation


def _own_invitation(session: Session, user: StaffUser, invitation_id: int) -> Invitation:
    invitation = session.get(Invitation, invitation_id)
    if invitation is None or invitation.user_id != user.id:
        raise NotFound
    return invitation


def accept_invitation(session: Session, user: StaffUser, invitation_id: int) -> Municipality:
    """The account's owner, signed in, joins the municipality with the invited role."""
    with writing(session):
        invitation = _own_invitation(session, user, invitation_id)
        if not invitation_stands(session, invitation):
            raise NotFound
        municipality = session.get(Municipality, invitation.municipality_id)
        assert municipality is not None and municipality.id is not None
        session.delete(invitation)
        membership = session.exec(select(Membership).where(Membership.user_id == user.id,
                                                           Membership.municipality_id == municipality.id)).first()
        if membership is not None:  # already a member (added another way meanwhile): the invitation is simply used up
            return municipality
        membership = Membership(user_id=user.id or 0, municipality_id=municipality.id, role=Role(invitation.role))
        session.add(membership)
        session.flush()
        _record_everywhere(session, user, Action.MEMBERSHIP_ACCEPT, "membership", membership.id, user, municipality.id,
                           role=membership.role)
        return municipality


def decline_invitation(session: Session, user: StaffUser, invitation_id: int) -> None:
    with writing(session):
        invitation = _own_invitation(session, user, invitation_id)
        audit.record(session, user, Action.INVITATION_DECLINE, "invitation", invitation.id,
                     municipality_id=invitation.municipality_id)
        session.delete(invitation)


def withdraw_invitation(session: Session, scope: Scope, invitation_id: int) -> None:
    with writing(session):
        invitation = session.get(Invitation, invitation_id)
        if invitation is None or invitation.municipality_id != scope.municipality_id:
            raise NotFound
        audit.record(session, scope.user, Action.INVITATION_WITHDRAW, "invitation", invitation.id,
                     municipality_id=scope.municipality_id)
        session.delete(invitation)


def _manageable(session: Session, scope: Scope, user_id: int) -> MemberRow:
    """A member the scope's user may manage: the system administrator's account only by system administrators."""
    row = member(session, scope, user_id)
    if row.user.is_superadmin and not scope.user.is_superadmin:
        raise Forbidden(_("Systemadministratörens konto hanteras bara av systemadministratörer."))
    return row


def change_role(session: Session, scope: Scope, user_id: int, role_value: str) -> None:
    with writing(session):
        role = parse_role(role_value)
        row = _manageable(session, scope, user_id)
        if row.user.id == scope.user.id:
            raise ValidationFailed({"role": _("Du kan inte ändra din egen roll.")})
        membership = session.exec(select(Membership).where(Membership.user_id == user_id,
                                                           Membership.municipality_id == scope.municipality_id)).one()
        before = {"role": membership.role}
        membership.role = role
        session.add(membership)
        audit.record(session, scope.user, Action.MEMBERSHIP_CHANGE_ROLE, "membership", membership.id,
                     municipality_id=scope.municipality_id, before=before, after={"role": role.value})


def remove_member(session: Session, scope: Scope, user_id: int) -> StaffUser:
    """Takes the account out of this municipality (the account itself stays, with its other memberships)."""
    with writing(session):
        row = _manageable(session, scope, user_id)
        if row.user.id == scope.user.id:
            raise ValidationFailed({"user": _("Du kan inte ta bort dig själv.")})
        membership = session.exec(select(Membership).where(Membership.user_id == user_id,
                                                           Membership.municipality_id == scope.municipality_id)).one()
        _record_everywhere(session, scope.user, Action.MEMBERSHIP_REMOVE, "membership", membership.id, row.user,
                           scope.municipality_id,
                           role=membership.role)
        session.delete(membership)
        row.user.session_version += 1  # open pages of this municipality stop working at once
        session.add(row.user)
        return row.user


def set_active(session: Session, scope: Scope, user_id: int, active: bool) -> StaffUser:
    """Disable or re-enable an account. Only for accounts that belong to no municipality the admin lacks."""
    with writing(session):
        row = _manageable(session, scope, user_id)
        user = row.user
        if user.id == scope.user.id:
            raise ValidationFailed({"user": _("Du kan inte stänga av ditt eget konto.")})
        if not scope.user.is_superadmin:
            others = _other_municipalities(session, user, scope.municipality_id)
            admin_of = {m.municipality_id for m in session.exec(
                select(Membership).where(Membership.user_id == scope.user.id, Membership.role == Role.admin)).all()}
            if any(m not in admin_of for m in others):
                raise Forbidden(_("Kontot används även i en kommun där du inte är administratör."))
        before = audit.snapshot(user)
        user.is_active = active
        user.session_version += 1
        session.add(user)
        if not active:  # a link mailed before must not come back to life when the account is enabled again
            session.exec(delete(PasswordToken).where(col(PasswordToken.user_id) == user.id))
        audit.record(session, scope.user, Action.STAFF_USER_ENABLE if active else Action.STAFF_USER_DISABLE,
                     "staff_user", user.id,
                     municipality_id=scope.municipality_id, before=before, after=audit.snapshot(user))
        for other in _other_municipalities(session, user, scope.municipality_id):
            audit.record(session, scope.user, Action.STAFF_USER_ENABLE if active else Action.STAFF_USER_DISABLE,
                         "staff_user", user.id,
                         municipality_id=other, after={"elsewhere": scope.municipality_id})
        return user


def send_password_link(session: Session, scope: Scope, user_id: int) -> StaffUser:
    """Mails a new password link to the member's own address; the admin never sees it."""
    with writing(session):
        user = _manageable(session, scope, user_id).user
        if not user.is_active:
            raise ValidationFailed({"user": _("Kontot är avstängt. Aktivera det först.")})
        audit.record(session, scope.user, Action.STAFF_USER_PASSWORD_RESET_LINK, "staff_user", user.id,
                     municipality_id=scope.municipality_id)
        link = passwords.password_link(session, user)
    passwords.mail_password_link(user, link)
    return user


def reset_two_factor(session: Session, actor: StaffUser, user_id: int) -> StaffUser:
    """A system administrator resets another account's two-factor sign-in (audited in each of its municipalities)."""
    if not actor.is_superadmin:
        raise Forbidden
    user = session.get(StaffUser, user_id)
    if user is None:
        raise NotFound
    two_factor.reset(session, actor, user)
    return user


def create_admin(session: Session, email: str, name: str, password: str) -> StaffUser:
    """CLI: a superadmin who can set up municipalities; updates the password if the account exists."""
    with writing(session):
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
        audit.record(session, None, Action.STAFF_USER_CREATE_ADMIN, "staff_user", user.id, before=before,
                     after=audit.snapshot(user))
        return user
