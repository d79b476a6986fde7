"""Staff and public pages of the lägesbild and the åtgärdsplan: create, complete the staff-written sections, adopt
(figures frozen), a new version, printable page and PDF; adopted documents the municipality makes public."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlmodel import Session

from app import places, uploads
from app.auth import Scope, require_permission, staff_scope
from app.cycles import documents, pdf, service
from app.cycles.deps import OwnedDocument
from app.cycles.staff_forms import row_id
from app.db import get_session
from app.deps import FormDep, ScopeDep, SessionDep, get_owned
from app.errors import NotFound, ValidationFailed
from app.i18n import gettext as _
from app.models.cycles import DocumentStatus, SituationDocument
from app.pledges import results
from app.web import flash, form_line, form_str, redirect_to, render

PREFIX = "/staff/m/{municipality}/cycles/documents"
edit_router = APIRouter(prefix=PREFIX, dependencies=[Depends(require_permission("edit"))])
view_router = APIRouter(prefix=PREFIX, dependencies=[Depends(staff_scope)])
public_router = APIRouter()
routers = [edit_router, view_router, public_router]


def _list(request: Request, session: Session, scope: Scope, values: dict[str, Any] | None = None,
          errors: dict[str, str] | None = None, status_code: int = 200) -> Response:
    return render(request, "staff/cycles/documents.html",
                  {"scope": scope, "documents": documents.documents(session, scope.municipality_id),
                   "kind_names": documents.kind_labels(),
                   "cycle_options": [(str(c.id), c.name) for c in service.cycles(session, scope.municipality_id)],
                   "wave_options": [(str(w.id), w.title) for w in results.closed_waves(session, scope.municipality_id)],
                   "values": values or {"kind": "lagesbild", "title": "", "cycle_id": "", "survey_id": ""},
                   "errors": errors or {}}, status_code=status_code)


@view_router.get("", name="cycles.documents")
def documents_page(request: Request, scope: ScopeDep, session: SessionDep) -> Response:
    return _list(request, session, scope)


@edit_router.post("", name="cycles.create_document")
def create_document(request: Request, form: FormDep, scope: ScopeDep, session: SessionDep) -> Response:
    values = {"kind": form_str(form, "kind", 20), "title": form_line(form, "title", 300),
              "cycle_id": form_str(form, "cycle_id", 12), "survey_id": form_str(form, "survey_id", 12)}
    try:
        row = documents.create(session, scope, values["kind"], values["title"], row_id(values["cycle_id"]),
                               row_id(values["survey_id"]))
    except ValidationFailed as exc:
        return _list(request, session, scope, values, exc.errors, 400)
    flash(request, _("Dokumentet är skapat som utkast."))
    return redirect_to(request, "cycles.document", municipality=scope.municipality.slug, document_id=row.id)


def _page(request: Request, session: Session, scope: Scope, doc: SituationDocument,
          errors: dict[str, str] | None = None, status_code: int = 200) -> Response:
    return render(request, "staff/cycles/document.html",
                  {"scope": scope, "doc": doc, "content": documents.content(session, doc), "errors": errors or {},
                   "kind_names": documents.kind_labels(), "section_names": documents.section_titles(),
                   "sections": documents.SECTIONS[doc.kind], "measure_rows": range(documents.MEASURE_ROWS),
                   "measures": doc.sections.get("measures", []),
                   "parties": places.parties(session, scope.municipality_id)}, status_code=status_code)


@view_router.get("/{document_id}", name="cycles.document")
def document_page(request: Request, doc: OwnedDocument, scope: ScopeDep, session: SessionDep) -> Response:
    return _page(request, session, scope, doc)


@edit_router.post("/{document_id}/sections", name="cycles.document_sections")
def save_sections(request: Request, doc: OwnedDocument, form: FormDep, scope: ScopeDep,
                  session: SessionDep) -> Response:
    texts = {key: form_str(form, key, 20000) for key in documents.SECTIONS[doc.kind]}
    measures = [{"measure": form_line(form, f"m_measure_{i}", 300), "party": form_line(form, f"m_party_{i}", 200),
                 "when": form_line(form, f"m_when_{i}", 100), "indicator": form_line(form, f"m_indicator_{i}", 300)}
                for i in range(documents.MEASURE_ROWS)]
    try:
        documents.save_sections(session, scope, doc, texts, measures)
    except ValidationFailed as exc:
        return _page(request, session, scope, doc, exc.errors, 400)
    flash(request, _("Texterna är sparade."))
    return redirect_to(request, "cycles.document", municipality=scope.municipality.slug, document_id=doc.id)


@edit_router.post("/{document_id}/adopt", name="cycles.adopt_document")
def adopt(request: Request, doc: OwnedDocument, form: FormDep, scope: ScopeDep, session: SessionDep) -> Response:
    try:
        documents.adopt(session, scope, doc, form_str(form, "adopted_on", 20), form_line(form, "decision_body", 300))
    except ValidationFailed as exc:
        return _page(request, session, scope, doc, exc.errors, 400)
    flash(request, _("Dokumentet är antaget. Siffrorna är nu låsta."))
    return redirect_to(request, "cycles.document", municipality=scope.municipality.slug, document_id=doc.id)


@edit_router.post("/{document_id}/version", name="cycles.document_version")
def new_version(request: Request, doc: OwnedDocument, scope: ScopeDep, session: SessionDep) -> Response:
    try:
        row = documents.new_version(session, scope, doc)
    except ValidationFailed as exc:
        return _page(request, session, scope, doc, exc.errors, 400)
    flash(request, _("Version %(n)s är skapad som utkast.") % {"n": row.version})
    return redirect_to(request, "cycles.document", municipality=scope.municipality.slug, document_id=row.id)


@edit_router.post("/{document_id}/public", name="cycles.document_public")
def make_public(request: Request, doc: OwnedDocument, form: FormDep, scope: ScopeDep,
                session: SessionDep) -> Response:
    try:
        documents.set_public(session, scope, doc, form_str(form, "public", 5) == "1")
    except ValidationFailed as exc:
        return _page(request, session, scope, doc, exc.errors, 400)
    flash(request, _("Dokumentet visas för invånarna.") if doc.public else _("Dokumentet visas inte längre."))
    return redirect_to(request, "cycles.document", municipality=scope.municipality.slug, document_id=doc.id)


def _adopted_line(doc: SituationDocument) -> str:
    if doc.status == DocumentStatus.adopted and doc.adopted_on:
        return _("Version %(n)s, antagen %(date)s av %(body)s") % {"n": doc.version, "date": doc.adopted_on.isoformat(),
                                                                 "body": doc.decision_body}
    return _("Version %(n)s, utkast (siffrorna kan ändras)") % {"n": doc.version}


def _pdf(session: Session, doc: SituationDocument) -> Response:
    body = pdf.render(documents.content(session, doc), _adopted_line(doc))
    name = f"{doc.kind}-v{doc.version}.pdf"  # ASCII: lagesbild-v2.pdf
    return Response(body, media_type="application/pdf", headers=uploads.download_headers(name))


@view_router.get("/{document_id}/pdf", name="cycles.document_pdf")
def document_pdf(doc: OwnedDocument, session: SessionDep) -> Response:
    return _pdf(session, doc)


@public_router.get("/m/{slug}/documents", name="cycles.public_documents")
def public_documents(request: Request, slug: str, session: Session = Depends(get_session)) -> Response:
    municipality = places.municipality_by_slug(session, slug)
    shown = [d for d in documents.documents(session, municipality.id or 0) if d.public and d.snapshot is not None]
    return render(request, "public/cycles/documents.html",
                  {"municipality": municipality, "documents": shown, "kind_names": documents.kind_labels(),
                   "lines": {d.id: _adopted_line(d) for d in shown}}, languages=municipality.languages)


@public_router.get("/m/{slug}/documents/{document_id}/pdf", name="cycles.public_document_pdf")
def public_document_pdf(slug: str, document_id: int, session: Session = Depends(get_session)) -> Response:
    municipality = places.municipality_by_slug(session, slug)
    doc = get_owned(session, SituationDocument, document_id, municipality_id=municipality.id)
    if not doc.public or doc.snapshot is None:
        raise NotFound
    return _pdf(session, doc)
