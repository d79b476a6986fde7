"""Staff pages for accounts: the staff start page, one's own password and two-factor sign-in, invitations to
accept, and user administration."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlmodel import Session

from app.admin import passwords, service, two_factor
from app.admin.staff_forms import InviteForm
from app.auth import (
    Scope,
    require_permission,
    require_signed_in,
    require_staff,
    require_superadmin,
    staff_scope,
    start_session,
    user_municipalities,
)
from app.deps import FormDep, ScopeDep, SessionDep
from app.errors import ValidationFailed
from app.i18n import gettext as _
from app.models import Role, StaffUser
from app.web import client_address, flash, form_str, redirect, redirect_to, render, safe_next

router = APIRouter(prefix="/staff", dependencies=[Depends(require_staff)])
# Accounts across municipalities: system administrators only.
accounts_router = APIRouter(prefix="/staff/admin/users", dependencies=[Depends(require_superadmin)])
# Reachable before the two-factor requirement is met: only setting it up.
enrol_router = APIRouter(prefix="/staff/two-factor", dependencies=[Depends(require_signed_in)])
municipality_router = APIRouter(prefix="/staff/m/{municipality}", dependencies=[Depends(staff_scope)])
users_router = APIRouter(prefix="/staff/m/{municipality}/users",
                         dependencies=[Depends(require_permission("manage_users"))])


@router.get("", name="admin.staff_home")
def staff_home(request: Request, user: Annotated[StaffUser, Depends(require_staff)],
               session: SessionDep) -> Response:
    return render(request, "staff/home.html", {"municipalities": user_municipalities(session, user),
                                               "invitations": service.my_invitations(session, user)})


def _client(request: Request) -> str:
    return client_address(request)


def _account_page(request: Request, session: Session, user: StaffUser, *, errors: dict[str, str] | None = None,
                  status_code: int = 200) -> Response:
    return render(request, "staff/account.html",
                  {"errors": errors or {}, "recovery_left": two_factor.recovery_codes_left(session, user)},
                  status_code=status_code)


@router.get("/account", name="admin.account_page")
def account_page(request: Request, user: Annotated[StaffUser, Depends(require_staff)],
                 session: SessionDep) -> Response:
    return _account_page(request, session, user)


@router.post("/account/password", name="admin.account_password")
def account_password(request: Request, form: FormDep,
                     user: Annotated[StaffUser, Depends(require_staff)], session: SessionDep) -> Response:
    try:
        passwords.change_own_password(session, user, form_str(form, "current", 300),
                                    form_str(form, "password", 300), form_str(form, "confirm", 300))
    except ValidationFailed as exc:
        return _account_page(request, session, user, errors=exc.errors, status_code=400)
    start_session(request, user)  # the other sessions of this account end; this one continues
    flash(request, _("Ditt lösenord är ändrat. Andra inloggningar på kontot har loggats ut."))
    return redirect_to(request, "admin.account_page")


@router.post("/account/two-factor/disable", name="admin.two_factor_disable")
def two_factor_disable(request: Request, form: FormDep,
                       user: Annotated[StaffUser, Depends(require_staff)], session: SessionDep) -> Response:
    try:
        two_factor.disable(session, user, form_str(form, "proof", 300), _client(request))
    except ValidationFailed as exc:
        return _account_page(request, session, user, errors=exc.errors, status_code=400)
    except two_factor.CodeThrottled:
        message = _("För många felaktiga koder. Vänta 15 minuter och försök igen.")
        return _account_page(request, session, user, errors={"proof": message}, status_code=429)
    flash(request, _("Tvåstegsverifieringen är avstängd."))
    return redirect_to(request, "admin.account_page")


def _setup_page(request: Request, session: Session, user: StaffUser, *, errors: dict[str, str] | None = None,
                status_code: int = 200) -> Response:
    secret = two_factor.pending_secret(session, user)
    response = render(request, "staff/two_factor_setup.html",
                      {"secret": secret, "qr": two_factor.qr_svg(two_factor.provisioning_uri(user, secret)),
                       "errors": errors or {}}, status_code=status_code)
    response.headers["Cache-Control"] = "no-store"  # the secret: never kept by a browser or proxy cache
    return response


@enrol_router.get("/setup", name="auth.two_factor_setup")
def two_factor_setup(request: Request, user: Annotated[StaffUser, Depends(require_signed_in)],
                     session: SessionDep) -> Response:
    if user.totp_secret:
        return redirect_to(request, "admin.account_page")
    return _setup_page(request, session, user)


@enrol_router.post("/setup", name="auth.two_factor_confirm")
def two_factor_confirm(request: Request, form: FormDep,
                       user: Annotated[StaffUser, Depends(require_signed_in)],
                       session: SessionDep) -> Response:
    if user.totp_secret:
        return redirect_to(request, "admin.account_page")
    try:
        codes = two_factor.confirm_enrolment(session, user, form_str(form, "code", 40), _client(request))
    except ValidationFailed as exc:
        return _setup_page(request, session, user, errors=exc.errors, status_code=400)
    except two_factor.CodeThrottled:
        message = _("För många felaktiga koder. Vänta 15 minuter och försök igen.")
        return _setup_page(request, session, user, errors={"code": message}, status_code=429)
    start_session(request, user)  # the other sessions of this account end; this one continues
    # Shown once, in this response only: never stored in the session, a cache or anywhere readable again.
    response = render(request, "staff/two_factor_codes.html", {"codes": codes})
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/invitations", name="admin.invitations_page")
def invitations_page(request: Request, user: Annotated[StaffUser, Depends(require_staff)],
                     session: SessionDep) -> Response:
    return render(request, "staff/invitations.html", {"invitations": service.my_invitations(session, user)})


@router.post("/invitations/{invitation_id}/accept", name="admin.invitation_accept")
def invitation_accept(request: Request, invitation_id: int, user: Annotated[StaffUser, Depends(require_staff)],
                      session: SessionDep) -> Response:
    municipality = service.accept_invitation(session, user, invitation_id)
    flash(request, _("Du är nu med i %(municipality)s.") % {"municipality": municipality.name})
    return redirect_to(request, "admin.municipality_home", municipality=municipality.slug)


@router.post("/invitations/{invitation_id}/decline", name="admin.invitation_decline")
def invitation_decline(request: Request, invitation_id: int, user: Annotated[StaffUser, Depends(require_staff)],
                       session: SessionDep) -> Response:
    service.decline_invitation(session, user, invitation_id)
    flash(request, _("Inbjudan är avböjd."))
    return redirect_to(request, "admin.invitations_page")


@municipality_router.get("", name="admin.municipality_home")
def municipality_home(request: Request, scope: ScopeDep) -> Response:
    return render(request, "staff/municipality.html", {"scope": scope})


def _users_page(request: Request, session: Session, scope: Scope, *, errors: dict[str, str] | None = None,
                values: dict[str, str] | None = None, status_code: int = 200) -> Response:
    return render(request, "staff/admin/users.html",
                  {"scope": scope, "members": service.members(session, scope), "roles": list(Role),
                   "invitations": service.pending_invitations(session, scope),
                   "errors": errors or {}, "values": values or {}}, status_code=status_code)


@users_router.get("", name="admin.users_page")
def users_page(request: Request, scope: ScopeDep,
               session: SessionDep) -> Response:
    return _users_page(request, session, scope)


@users_router.post("", name="admin.invite_user")
def invite_user(request: Request, form: FormDep, scope: ScopeDep,
                session: SessionDep) -> Response:
    typed = InviteForm.parse(form)
    try:
        service.invite(session, scope, typed.email, typed.name, typed.role)
    except ValidationFailed as exc:
        return _users_page(request, session, scope, errors=exc.errors, values=typed.values(), status_code=400)
    # The same words whether or not the address already has an account: nothing of it is shown.
    flash(request, _("En inbjudan har skickats till %(email)s.") % {"email": typed.email})
    return redirect_to(request, "admin.users_page", municipality=scope.municipality.slug)


@users_router.post("/invitations/{invitation_id}/withdraw", name="admin.invitation_withdraw")
def invitation_withdraw(request: Request, invitation_id: int, scope: ScopeDep,
                        session: SessionDep) -> Response:
    service.withdraw_invitation(session, scope, invitation_id)
    flash(request, _("Inbjudan är återkallad."))
    return redirect_to(request, "admin.users_page", municipality=scope.municipality.slug)


@users_router.get("/{user_id}", name="admin.user_page")
def user_page(request: Request, user_id: int, scope: ScopeDep,
              session: SessionDep) -> Response:
    row = service.member(session, scope, user_id)
    return render(request, "staff/admin/user.html", {"scope": scope, "row": row, "roles": list(Role)})


@users_router.post("/{user_id}/role", name="admin.user_role")
def user_role(request: Request, user_id: int, form: FormDep,
              scope: ScopeDep, session: SessionDep) -> Response:
    try:
        service.change_role(session, scope, user_id, form_str(form, "role", 40))
    except ValidationFailed as exc:
        flash(request, next(iter(exc.errors.values())), "error")
    else:
        flash(request, _("Rollen är ändrad."))
    return redirect_to(request, "admin.user_page", municipality=scope.municipality.slug, user_id=user_id)


@users_router.post("/{user_id}/disable", name="admin.user_disable")
def user_disable(request: Request, user_id: int, scope: ScopeDep,
                 session: SessionDep) -> Response:
    return _set_active(request, session, scope, user_id, active=False)


@users_router.post("/{user_id}/enable", name="admin.user_enable")
def user_enable(request: Request, user_id: int, scope: ScopeDep,
                session: SessionDep) -> Response:
    return _set_active(request, session, scope, user_id, active=True)


def _set_active(request: Request, session: Session, scope: Scope, user_id: int, *, active: bool) -> Response:
    try:
        user = service.set_active(session, scope, user_id, active)
    except ValidationFailed as exc:
        flash(request, next(iter(exc.errors.values())), "error")
    else:
        flash(request, (_("%(name)s kan logga in igen.") if active else
                        _("%(name)s är avstängd och har loggats ut.")) % {"name": user.name})
    return redirect_to(request, "admin.user_page", municipality=scope.municipality.slug, user_id=user_id)


@users_router.post("/{user_id}/reset", name="admin.user_reset")
def user_reset(request: Request, user_id: int, scope: ScopeDep,
               session: SessionDep) -> Response:
    try:
        user = service.send_password_link(session, scope, user_id)
    except ValidationFailed as exc:
        flash(request, next(iter(exc.errors.values())), "error")
        return redirect_to(request, "admin.user_page", municipality=scope.municipality.slug, user_id=user_id)
    flash(request, _("En länk för nytt lösenord har skickats till %(email)s.") % {"email": user.email})
    return redirect_to(request, "admin.user_page", municipality=scope.municipality.slug, user_id=user_id)


@users_router.post("/{user_id}/remove", name="admin.user_remove")
def user_remove(request: Request, user_id: int, scope: ScopeDep,
                session: SessionDep) -> Response:
    try:
        user = service.remove_member(session, scope, user_id)
    except ValidationFailed as exc:
        flash(request, next(iter(exc.errors.values())), "error")
        return redirect_to(request, "admin.user_page", municipality=scope.municipality.slug, user_id=user_id)
    flash(request, _("%(name)s är borttagen ur kommunen.") % {"name": user.name})
    return redirect_to(request, "admin.users_page", municipality=scope.municipality.slug)


@accounts_router.post("/{user_id}/two-factor/reset", name="admin.user_two_factor_reset")
def user_two_factor_reset(request: Request, user_id: int, form: FormDep,
                          actor: Annotated[StaffUser, Depends(require_superadmin)],
                          session: SessionDep) -> Response:
    user = service.reset_two_factor(session, actor, user_id)
    flash(request, _("Tvåstegsverifieringen för %(name)s är återställd.") % {"name": user.name})
    return redirect(safe_next(form_str(form, "next", 2000), "/staff"))
