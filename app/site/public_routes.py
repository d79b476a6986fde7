"""Public pages of the site frame."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app import i18n, places
from app.cache.pages import public_page
from app.cache.versions import CONTENT, SIGNUPS
from app.config import get_settings
from app.deps import SessionDep
from app.site import service
from app.web import LANG_COOKIE, redirect, render, safe_next

router = APIRouter()


@router.get("/", name="site.start_page")
@public_page(CONTENT)
def start_page(request: Request, session: SessionDep) -> Response:
    return render(request, "public/start.html", {"municipalities": places.municipalities(session)})


@router.get("/m/{slug}", name="site.municipality_page")
@public_page(CONTENT, SIGNUPS)  # its events block shows seats left
def municipality_page(request: Request, slug: str, session: SessionDep) -> Response:
    found = places.municipality_by_slug(session, slug)
    return render(request, "public/municipality.html",
                  {"municipality": found, "areas": places.areas(session, found.id or 0),
                   "sections": service.municipality_sections(session, found)},
                  languages=found.languages)


@router.get("/tillganglighet", name="site.accessibility_statement")
def accessibility_statement(request: Request) -> Response:
    return render(request, "public/accessibility.html")


@router.get("/sprak", name="site.choose_language")
def choose_language(lang: str = "sv", next: str = "/") -> Response:
    """The language switcher: plain links, so it works without JavaScript; remembered in a cookie."""
    response = redirect(safe_next(next))
    if lang in i18n.LANGUAGES:
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 24 * 3600, samesite="lax", httponly=True,
                            secure=get_settings().secure_cookies)
    return response
