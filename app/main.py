"""create_app(): routers, static files, error handlers and middleware."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine, text
from starlette.middleware.sessions import SessionMiddleware

from app import cache, wiring
from app.admin import public_routes as admin_public
from app.admin import setup_routes as admin_setup
from app.admin import staff_routes as admin_staff
from app.api import concerns as api_concerns
from app.api import docs as api_docs
from app.api import municipalities as api_municipalities
from app.api import openapi as api_openapi
from app.api import pledges as api_pledges
from app.api import results as api_results
from app.api import surveys as api_surveys
from app.auth import prepare_request
from app.cache.pages import FastPath
from app.concerns import public_routes as concerns_public
from app.concerns import staff_routes as concerns_staff
from app.config import ROOT, get_settings
from app.cycles import document_routes as cycles_documents
from app.cycles import public_routes as cycles_public
from app.cycles import staff_routes as cycles_staff
from app.db import Sessions, get_engine
from app.dialogues import public_routes as dialogues_public
from app.dialogues import staff_routes as dialogues_staff
from app.errors import install_error_handlers
from app.middleware import BodyLimit, Compression, RequestLog, SecurityHeaders
from app.pledges import public_routes as pledges_public
from app.pledges import staff_routes as pledges_staff
from app.site import public_routes as site_public
from app.surveys import public_routes as surveys_public
from app.surveys import staff_routes as surveys_staff
from app.web import path_ids_in_range


def create_app(engine: Engine | None = None) -> FastAPI:
    settings = get_settings()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    app = FastAPI(title="Trygghetsdialog", version="0.1.0",
                  dependencies=[Depends(prepare_request), Depends(path_ids_in_range)],
                  docs_url=None, redoc_url=None, openapi_url="/openapi.json",
                  description="Open data on citizen dialogues and citizen pledges (medborgarlöften).")
    app.state.engine = engine or get_engine()
    app.state.sessions = Sessions(app.state.engine)
    wiring.install()
    cache.install(app)

    # The survey pages come first: they take the most traffic, and routes are matched in order.
    for router in (surveys_public.router, site_public.router, admin_public.router, admin_staff.router,
                   admin_staff.enrol_router, admin_staff.accounts_router, admin_staff.municipality_router,
                   admin_staff.users_router, *admin_setup.routers,
                   api_surveys.router, api_municipalities.router, api_concerns.router, api_pledges.router,
                   api_results.router, api_docs.router,
                   *surveys_staff.routers,
                   dialogues_public.router, *dialogues_staff.routers,
                   concerns_public.router, *concerns_staff.routers,
                   pledges_public.router, *pledges_staff.routers,
                   cycles_public.router, *cycles_documents.routers, *cycles_staff.routers):
        app.include_router(router)

    @app.get("/healthz", tags=["operations"])
    def healthz(request: Request) -> JSONResponse:
        try:
            with request.app.state.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception:
            return JSONResponse({"status": "error", "database": "unavailable"}, status_code=503)
        return JSONResponse({"status": "ok", "database": "ok"})

    def openapi_for_api_only() -> dict[str, Any]:
        """The OpenAPI document covers the JSON API, not the HTML pages."""
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version, description=app.description,
                                 routes=app.routes)
            schema["paths"] = {path: item for path, item in schema.get("paths", {}).items()
                               if path.startswith(("/api/", "/healthz"))}
            app.openapi_schema = api_openapi.document_problem_responses(schema)
        return app.openapi_schema

    app.openapi = openapi_for_api_only  # type: ignore[method-assign]

    app.mount("/static", StaticFiles(directory=ROOT / "frontend" / "static"), name="static")
    install_error_handlers(app)

    # Added last = outermost. Sessions must wrap the app so error pages can read them.
    app.add_middleware(FastPath)  # inside the session middleware: a cached page may need the CSRF token
    app.add_middleware(BodyLimit)
    app.add_middleware(SessionMiddleware, secret_key=settings.secret_key, session_cookie="trygg_session",
                       max_age=int(timedelta(hours=settings.session_max_age_hours).total_seconds()),
                       same_site="lax", https_only=settings.secure_cookies)
    app.add_middleware(Compression, minimum_size=500)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(RequestLog)
    return app
