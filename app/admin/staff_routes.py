"""Staff pages for accounts: the staff start page, one's own password, and user administration."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlmodel import Session
from starlette.datastructures import FormData

from app.admin import service
from app.auth import Scope, require_permission, require_staff, staff_scope, start_session, user_municipalities
from app.db import get_session
from app.errors import ValidationFailed
from app.i18n import gettext as _
from app.mail import send
from app.models import Role, StaffUser
from app.web import flash, form_str, read_form, redirect, render

router = APIRouter(prefix="/staff", dependencies=[Depends(require_staff)])
municipality_router = APIRouter(prefix="/staff/m/{municipality}", dependencies=[Depends(staff_scope)])
users_router = APIRouter(prefix="/staff/m/{municipality}/users",
                         dependencies=[Depends(require_permission("manage_users"))])


@router.get("")
def staff_home(request: Request, user: StaffUser = Depends(require_staff),
               session: Session = Depends(get_session)) -> Response:
    return render(request, "staff/home.html", {"municipalities": user_municipalities(session, user)})


@router.get("/account")
def account_page(request: Request) -> Response:
    return render(request, "staff/account.html")


@router.post("/account/password")
def account_password(request: Request, form: FormData = Depends(read_form),
                     user: StaffUser = Depends(require_staff), session: Session = Depends(get_session)) -> Response:
    try:
        service.change_own_password(session, user, form_str(form, "current", 300),
                                    form_str(form, "password", 300), form_str(form, "confirm", 300))
    except ValidationFailed as exc:
        return render(request, "staff/account.html", {"errors": exc.errors}, status_code=400)
    start_session(request, user)  # the other sessions of this account end; this one continues
    flash(request, _("Ditt lösenord är ändrat. Andra inloggningar på kontot har loggats ut."))
    return redirect("/staff/account")


@municipality_router.get("")
def municipality_home(request: Request, scope: Scope = Depends(staff_scope)) -> Response:
    return render(request, "staff/municipality.html", {"scope": scope})


def _users_page(request: Request, session: Session, scope: Scope, *, errors: dict[str, str] | None = None,
                values: dict[str, str] | None = None, status_code: int = 200) -> Response:
    return render(request, "staff/admin/users.html",
                  {"scope": scope, "members": service.members(session, scope), "roles": list(Role),
                   "errors": errors or {}, "values": values or {}}, status_code=status_code)


@users_router.get("")
def users_page(request: Request, scope: Scope = Depends(staff_scope),
               session: Session = Depends(get_session)) -> Response:
    return _users_page(request, session, scope)


@users_router.post("")
def invite_user(request: Request, form: FormData = Depends(read_form), scope: Scope = Depends(staff_scope),
                session: Session = Depends(get_session)) -> Response:
    values = {name: form_str(form, name, 300) for name in ("email", "name", "role")}
    try:
        user, link = service.invite(session, scope, values["email"], values["name"], values["role"])
    except ValidationFailed as exc:
        return _users_page(request, session, scope, errors=exc.errors, values=values, status_code=400)
    if link:
        send(user.email, _("Inbjudan till Trygghetsdialog"),
             _("Du har bjudits in till Trygghetsdialog för %(municipality)s. Välj ett lösenord här "
               "(länken gäller i 7 dagar): %(link)s") % {"municipality": scope.municipality.name, "link": link})
        request.session["last_link"] = link
    flash(request, _("%(name)s har lagts till.") % {"name": user.name})
    return redirect(f"/staff/m/{scope.municipality.slug}/users/{user.id}")


@users_router.get("/{user_id}")
def user_page(request: Request, user_id: int, scope: Scope = Depends(staff_scope),
              session: Session = Depends(get_session)) -> Response:
    row = service.member(session, scope, user_id)
    return render(request, "staff/admin/user.html",
                  {"scope": scope, "row": row, "roles": list(Role), "link": request.session.pop("last_link", None)})


@users_router.post("/{user_id}/role")
def user_role(request: Request, user_id: int, form: FormData = Depends(read_form),
              scope: Scope = Depends(staff_scope), session: Session = Depends(get_session)) -> Response:
    try:
        service.change_role(session, scope, user_id, form_str(form, "role", 40))
    except ValidationFailed as exc:
        flash(request, next(iter(exc.errors.values())), "error")
    else:
        flash(request, _("Rollen är ändrad."))
    return redirect(f"/staff/m/{scope.municipality.slug}/users/{user_id}")


@users_router.post("/{user_id}/disable")
def user_disable(request: Request, user_id: int, scope: Scope = Depends(staff_scope),
                 session: Session = Depends(get_session)) -> Response:
    return _set_active(request, session, scope, user_id, active=False)


@users_router.post("/{user_id}/enable")
def user_enable(request: Request, user_id: int, scope: Scope = Depends(staff_scope),
                session: Session = Depends(get_session)) -> Response:
    return _set_active(request, session, scope, user_id, active=True)


def _set_active(request: Request, session: Session, scope: Scope, user_id: int, *, active: bool) -> Response:
    try:
        user = service.set_active(session, scope, user_id, active)
    except ValidationFailed as exc:
        flash(request, next(iter(exc.errors.values())), "error")
    else:
        flash(request, (_("%(name)s kan logga in igen.") if active else
                        _("%(name)s är avstängd och har loggats ut.")) % {"name": user.name})
    return redirect(f"/staff/m/{scope.municipality.slug}/users/{user_id}")


@users_router.post("/{user_id}/reset")
def user_reset(request: Request, user_id: int, scope: Scope = Depends(staff_scope),
               session: Session = Depends(get_session)) -> Response:
    try:
        user, link = service.reset_link(session, scope, user_id)
    except ValidationFailed as exc:
        flash(request, next(iter(exc.errors.values())), "error")
        return redirect(f"/staff/m/{scope.municipality.slug}/users/{user_id}")
    send(user.email, _("Återställ ditt lösenord i Trygghetsdialog"),
         _("En administratör har skapat en länk så att du kan välja ett nytt lösenord (gäller i 7 dagar): "
           "%(link)s") % {"link": link})
    request.session["last_link"] = link
    flash(request, _("En länk för nytt lösenord har skickats till %(email)s.") % {"email": user.email})
    return redirect(f"/staff/m/{scope.municipality.slug}/users/{user_id}")
