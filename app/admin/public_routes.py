"""Staff login (password, then a two-factor code where set up), logout, "forgot password", and the password link
(invitation and reset): reachable without a session."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlmodel import Session

from app.admin import passwords, service, two_factor
from app.auth import current_user, end_session, must_enrol_two_factor, start_code_step, start_session
from app.config import get_settings
from app.deps import FormDep, SessionDep
from app.errors import ValidationFailed
from app.i18n import gettext as _
from app.models import StaffUser
from app.web import add_cookie, client_address, flash, form_str, redirect, render, safe_next

router = APIRouter(prefix="/staff")
DEVICE_COOKIE = "trygg_device"
DEVICE_MAX_AGE = 180 * 24 * 3600


def _client(request: Request) -> str:
    return client_address(request)


def _device(request: Request) -> tuple[int, str] | None:
    return service.read_device_cookie(request.cookies.get(DEVICE_COOKIE))


def _remember_device(request: Request, response: Response, user: StaffUser) -> Response:
    """After a full sign-in: this browser is known for this account (its login failures are counted apart)."""
    known = _device(request)
    device_id = known[1] if known and known[0] == user.id else service.new_device_id()
    add_cookie(response, DEVICE_COOKIE, service.device_cookie_value(user.id or 0, device_id), max_age=DEVICE_MAX_AGE,
               path="/staff", secure=get_settings().secure_cookies)
    return response


def _signed_in(request: Request, session: Session, user: StaffUser, target: str) -> Response:
    """Password accepted: the code comes next if the account has two-factor sign-in; set-up if it must have it."""
    if user.totp_secret:
        start_code_step(request, user, target)
        return redirect("/staff/login/code")
    start_session(request, user)
    response = redirect("/staff/two-factor/setup" if must_enrol_two_factor(session, user) else target)
    return _remember_device(request, response, user)


@router.get("/login", name="auth.login_page")
def login_page(request: Request, next: str = "/staff",
               user: StaffUser | None = Depends(current_user)) -> Response:
    if user is not None:
        return redirect(safe_next(next, "/staff"))
    return render(request, "staff/login.html", {"next": safe_next(next, "/staff"), "email": ""})


@router.post("/login", name="auth.login")
def login(request: Request, form: FormDep,
          session: SessionDep) -> Response:
    email, password = form_str(form, "email", 254), form_str(form, "password", 256)
    target = safe_next(form_str(form, "next", 2000), "/staff")
    try:
        user = service.login(session, email, password, _client(request), _device(request))
    except service.LoginThrottled:
        message = _("För många misslyckade inloggningar. Vänta 15 minuter och försök igen.")
    except service.LoginSlowed as slowed:
        message = _("Flera misslyckade inloggningar. Vänta %(seconds)s sekunder och försök igen.") % {
            "seconds": slowed.seconds}
    except service.LoginFailed:
        message = _("Fel e-postadress eller lösenord.")
    else:
        return _signed_in(request, session, user, target)
    return render(request, "staff/login.html", {"next": target, "email": email, "errors": {"email": message}},
                  status_code=400)


def _pending_user(request: Request, session: Session) -> StaffUser | None:
    uid = request.session.get("pending_uid")
    user = session.get(StaffUser, uid) if isinstance(uid, int) else None
    if (user is None or not user.is_active or not user.totp_secret
            or user.session_version != request.session.get("pending_sv")):
        return None
    return user


@router.get("/login/code", name="auth.code_page")
def code_page(request: Request, session: SessionDep) -> Response:
    if _pending_user(request, session) is None:
        return redirect("/staff/login")
    return render(request, "staff/login_code.html")


@router.post("/login/code", name="auth.code_check")
def code_check(request: Request, form: FormDep,
               session: SessionDep) -> Response:
    user = _pending_user(request, session)
    if user is None:
        return redirect("/staff/login")
    try:
        two_factor.verify_login(session, user, form_str(form, "code", 40), _client(request))
    except two_factor.CodeThrottled:
        message = _("För många felaktiga koder. Vänta 15 minuter och försök igen.")
    except two_factor.CodeFailed:
        message = _("Koden stämmer inte eller har redan använts. Vänta på nästa kod i appen.")
    else:
        target = safe_next(str(request.session.get("next", "")), "/staff")
        start_session(request, user)
        return _remember_device(request, redirect(target), user)
    return render(request, "staff/login_code.html", {"errors": {"code": message}}, status_code=400)


@router.post("/logout", name="auth.logout")
def logout(request: Request, user: Annotated[StaffUser | None, Depends(current_user)],
           session: SessionDep) -> Response:
    if user is not None:
        service.end_sessions(session, user)
    end_session(request)
    flash(request, _("Du är utloggad."))
    return redirect("/staff/login")


@router.get("/password/forgot", name="auth.forgot_page")
def forgot_page(request: Request) -> Response:
    return render(request, "staff/password_forgot.html", {"email": ""})


@router.post("/password/forgot", name="auth.forgot_send")
def forgot_send(request: Request, form: FormDep,
                session: SessionDep) -> Response:
    email = form_str(form, "email", 254)
    try:
        passwords.request_password_link(session, email, _client(request))
    except ValidationFailed as exc:
        return render(request, "staff/password_forgot.html", {"email": email, "errors": exc.errors}, status_code=400)
    except passwords.TooManyRequests:
        message = _("För många förfrågningar från den här anslutningen. Vänta en timme och försök igen.")
        return render(request, "staff/password_forgot.html", {"email": email, "errors": {"email": message}},
                      status_code=429)
    return render(request, "staff/password_forgot.html", {"email": "", "sent": True})


@router.get("/password/{token}", name="auth.password_page")
def password_page(request: Request, token: str, session: SessionDep) -> Response:
    user = passwords.user_for_password_token(session, token)
    return render(request, "staff/password_set.html", {"token": token, "person": user})


@router.post("/password/{token}", name="auth.password_set")
def password_set(request: Request, token: str, form: FormDep,
                 session: SessionDep) -> Response:
    user = passwords.user_for_password_token(session, token)
    try:
        passwords.set_password(session, user, form_str(form, "password", 300), form_str(form, "confirm", 300))
    except ValidationFailed as exc:
        return render(request, "staff/password_set.html", {"token": token, "person": user, "errors": exc.errors},
                      status_code=400)
    response = _signed_in(request, session, user, "/staff/invitations" if service.my_invitations(session, user)
                          else "/staff")
    flash(request, _("Ditt lösenord är sparat."))
    return response
