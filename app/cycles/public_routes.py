"""Public pages of the cycle: "Så arbetar vi" (the five steps of the cycles a municipality shows) and the signed
agreement's PDF once it is public (linked from a published pledge, or its cycle shown)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, Response
from sqlmodel import Session

from app import places, uploads
from app.cache.pages import public_page
from app.cache.versions import CONTENT
from app.cycles import service
from app.db import get_session
from app.deps import get_owned
from app.errors import NotFound
from app.models.cycles import Agreement
from app.web import render

router = APIRouter()


@router.get("/m/{slug}/sa-arbetar-vi", name="cycles.public_page")
@public_page(CONTENT)
def how_we_work(request: Request, slug: str, session: Session = Depends(get_session)) -> Response:
    municipality = places.municipality_by_slug(session, slug)
    shown = [service.cycle_view(session, c, municipality.slug)
             for c in service.cycles(session, municipality.id or 0) if c.public]
    agreements = [a for a in service.agreements(session, municipality.id or 0) if service.is_public(session, a)]
    return render(request, "public/cycles/how_we_work.html",
                  {"municipality": municipality, "cycles": shown, "agreements": agreements},
                  languages=municipality.languages)


@router.get("/m/{slug}/agreements/{agreement_id}/document", name="cycles.public_document")
def public_document(slug: str, agreement_id: int, session: Session = Depends(get_session)) -> Response:
    municipality = places.municipality_by_slug(session, slug)
    agreement = get_owned(session, Agreement, agreement_id, municipality_id=municipality.id)
    path = service.document_path(agreement)
    if path is None or not service.is_public(session, agreement):
        raise NotFound
    return FileResponse(path, media_type="application/pdf", headers=uploads.download_headers(agreement.document_name))
