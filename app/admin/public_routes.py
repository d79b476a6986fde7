"""Staff login, logout, and the password link (invitation and reset): reachable without a session."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlmodel import Session
from starlette.datastructures import FormData

from app.admin import service
from app.auth import current_user, end_session, start_session
from app.db import get_session
from app.errors import ValidationFailed
from app.i18n import gettext as _
from app.models import StaffUser
from app.web import flash, form_str, read_form, redirect, render, safe_next

router = APIRouter(prefix="/staff")


@router.get("/login")
def login_page(request: Request, next: str = "/staff",
               user: StaffUser | None = Depends(current_user)) -> Response:
    if user is not None:
        return redirect(safe_next(next, "/staff"))
    return render(request, "staff/login.html", {"next": safe_next(next, "/staff"), "email": ""})


@router.post("/login")
def login(request: Request, form: FormData = Depends(read_form),
          session: Session = Depends(get_session)) -> Response:
    email, password = form_str(form, "email", 254), form_str(form, "password", 256)
    target = safe_next(form_str(form, "next", 2000), "/staff")
    try:
        user = service.login(session, email, password, request.client.host if request.client else "unknown")
    except service.LoginThrottled:
        message = _("För många misslyckade inloggningar. Vänta 15 minuter och försök igen.")
    except service.LoginFailed:
        message = _("Fel e-postadress eller lösenord.")
    else:
        start_session(request, user)
        return redirect(target)
    return render(request, "staff/login.html", {"next": target, "email": email, "errors": {"email": message}},
                  status_code=400)


@router.post("/logout")
def logout(request: Request, user: StaffUser | None = Depends(current_user),
           session: Session = Depends(get_session)) -> Response:
    if user is not None:
        service.end_sessions(session, user)
    end_session(request)
    flash(request, _("Du är utloggad."))
    return redirect("/staff/login")


@router.get("/password/{token}")
def password_page(request: Request, token: str, session: Session = Depends(get_session)) -> Response:
    user = service.user_for_password_token(session, token)
    return render(request, "staff/password_set.html", {"token": token, "person": user})


@router.post("/password/{token}")
def password_set(request: Request, token: str, form: FormData = Depends(read_form),
                 session: Session = Depends(get_session)) -> Response:
    user = service.user_for_password_token(session, token)
    try:
        service.set_password(session, user, form_str(form, "password", 300), form_str(form, "confirm", 300))
    except ValidationFailed as exc:
        return render(request, "staff/password_set.html", {"token": token, "person": user, "errors": exc.errors},
                      status_code=400)
    start_session(request, user)
    flash(request, _("Ditt lösenord är sparat."))
    return redirect("/staff")
