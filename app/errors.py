"""Typed domain errors and the handlers that render them once: HTML pages for people, JSON for /api."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.exc import DataError, DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.i18n import gettext as _

log = logging.getLogger("app.errors")


class AppError(Exception):
    """An error a person can understand; `status` picks the page."""

    status = 400

    def __init__(self, message: str = "") -> None:
        super().__init__(message)
        self.message = message


class NotFound(AppError):
    status = 404


class Forbidden(AppError):
    status = 403


class CsrfFailed(Forbidden):
    pass


class Conflict(AppError):
    status = 409


class PayloadTooLarge(AppError):
    status = 413


class ValidationFailed(AppError):
    """Bad form input: field name -> message, already in the user's language."""

    status = 400

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


class LoginRequired(Exception):
    """Raised by the staff dependency; answered with a redirect to the login page."""


class TwoFactorSetupRequired(Exception):
    """Raised by the staff dependency for a user who must use two-factor sign-in and has not set it up yet:
    answered with a redirect to the enrolment page, so the user can do nothing else first."""


def _titles() -> dict[int, tuple[str, str]]:
    return {
        400: (_("Felaktig förfrågan"), _("Något i förfrågan kunde inte tolkas. Gå tillbaka och försök igen.")),
        403: (_("Åtkomst nekad"), _("Du har inte behörighet att göra detta.")),
        404: (_("Sidan hittades inte"),
              _("Sidan du söker finns inte, eller så har den flyttats. Kontrollera adressen.")),
        405: (_("Felaktig förfrågan"), _("Sidan kan inte användas på det sättet.")),
        409: (_("Det gick inte att spara"), _("Någon annan hann ändra samma sak. Ladda om och försök igen.")),
        413: (_("Filen är för stor"), _("Det du skickade är större än vad som tas emot.")),
        500: (_("Något gick fel hos oss"),
              _("Ett oväntat fel inträffade. Inget av det du skickade har sparats till hälften. "
                "Försök igen om en stund.")),
        503: (_("Tjänsten är tillfälligt otillgänglig"),
              _("Vi kan inte nå databasen just nu. Försök igen om en liten stund.")),
    }


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def error_response(request: Request, status: int, detail: str = "") -> Response:
    from app.web import render, use_request_language  # late import: web imports this module

    use_request_language(request)  # errors can come before the app-wide dependency has run
    titles = _titles()
    title, explanation = titles.get(status, titles[400 if status < 500 else 500])
    if _is_api(request):
        body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status,
                                "detail": detail or explanation}
        return JSONResponse(body, status_code=status, media_type="application/problem+json")
    return render(request, "errors/error.html", {"title": title, "explanation": explanation,
                                                 "detail": detail, "status": status}, status_code=status)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(AppError)
    async def _app_error(request: Request, exc: AppError) -> Response:
        return error_response(request, exc.status, exc.message)

    @app.exception_handler(LoginRequired)
    async def _login_required(request: Request, exc: LoginRequired) -> Response:
        if _is_api(request):
            return error_response(request, 401)
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        from urllib.parse import quote

        return RedirectResponse(f"/staff/login?next={quote(target)}", status_code=303)

    @app.exception_handler(TwoFactorSetupRequired)
    async def _two_factor_required(request: Request, exc: TwoFactorSetupRequired) -> Response:
        if _is_api(request):
            return error_response(request, 401)
        return RedirectResponse("/staff/two-factor/setup", status_code=303)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        return error_response(request, exc.status_code if exc.status_code in _titles() else 400)

    @app.exception_handler(RequestValidationError)
    async def _request_invalid(request: Request, exc: RequestValidationError) -> Response:
        if _is_api(request):
            return JSONResponse({"type": "about:blank", "title": "Invalid request", "status": 422,
                                 "detail": str(exc.errors()[:5])}, status_code=422,
                                media_type="application/problem+json")
        # A malformed id in a URL is simply a page that does not exist.
        in_path = any(err.get("loc", ("",))[0] == "path" for err in exc.errors())
        return error_response(request, 404 if in_path else 400)

    @app.exception_handler(DBAPIError)
    async def _database_error(request: Request, exc: DBAPIError) -> Response:
        message = str(exc.orig).lower()
        # Unreachable PostgreSQL, or SQLite still locked after the busy timeout: both pass, so ask to retry.
        if exc.connection_invalidated or "connect" in message or "database is locked" in message:
            log.warning("database unavailable: %s", type(exc.orig).__name__)
            return error_response(request, 503)
        if isinstance(exc, DataError):
            # A value the database cannot store or compare (a NUL in a URL, a number out of range): bad input,
            # and the statement failed, so nothing was written.
            log.warning("database refused a value: %s", type(exc.orig).__name__)
            return error_response(request, 400)
        log.exception("database error")
        return error_response(request, 500)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error")
        return error_response(request, 500)
