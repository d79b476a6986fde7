"""Staff pages of the five-step cycle: the cycles, a cycle's overview (where we are, what is late, each step's
checklist ticking itself from evidence), and the collaboration agreement with its signed PDF."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, Response
from sqlmodel import Session
from starlette.datastructures import UploadFile

from app import places, uploads
from app.auth import Scope, require_permission, staff_scope
from app.cycles import rules, service
from app.cycles.deps import OwnedAgreement, OwnedCycle
from app.cycles.staff_forms import SIGNATORY_ROWS, AgreementForm, CheckForm, CycleForm, StepForm
from app.deps import FormDep, ScopeDep, SessionDep
from app.errors import NotFound, ValidationFailed
from app.i18n import gettext as _
from app.models.cycles import Agreement, StepStatus
from app.web import flash, form_str, redirect_to, render

PREFIX = "/staff/m/{municipality}/cycles"
edit_router = APIRouter(prefix=PREFIX, dependencies=[Depends(require_permission("edit"))])
view_router = APIRouter(prefix=PREFIX, dependencies=[Depends(staff_scope)])  # every role may read
routers = [edit_router, view_router]  # "/agreements/new" before "/agreements/{agreement_id}"


def status_labels() -> dict[str, str]:
    return {StepStatus.not_started: _("Inte påbörjat"), StepStatus.in_progress: _("Pågår"),
            StepStatus.done: _("Klart")}


def _index(request: Request, session: Session, scope: Scope, values: dict[str, Any] | None = None,
           errors: dict[str, str] | None = None, status_code: int = 200) -> Response:
    return render(request, "staff/cycles/index.html",
                  {"scope": scope, "cycles": [service.cycle_view(session, c, scope.municipality.slug) for c in
                                              service.cycles(session, scope.municipality_id)],
                   "agreements": service.agreements(session, scope.municipality_id),
                   "values": values or {"name": "", "starts_on": "", "ends_on": "", "public": False},
                   "errors": errors or {}, "status_names": status_labels()}, status_code=status_code)


@view_router.get("", name="cycles.index")
def index(request: Request, scope: ScopeDep, session: SessionDep) -> Response:
    return _index(request, session, scope)


@edit_router.post("", name="cycles.create")
def create(request: Request, form: FormDep, scope: ScopeDep, session: SessionDep) -> Response:
    typed = CycleForm.parse(form)
    try:
        cycle = service.create_cycle(session, scope, typed)
    except ValidationFailed as exc:
        return _index(request, session, scope, typed.values(), exc.errors, 400)
    flash(request, _("Arbetscykeln %(name)s är skapad med Brås fem steg.") % {"name": cycle.name})
    return redirect_to(request, "cycles.cycle", municipality=scope.municipality.slug, cycle_id=cycle.id)


def _cycle_page(request: Request, session: Session, scope: Scope, cycle: Any, *, errors: dict[str, str] | None = None,
                status_code: int = 200) -> Response:
    return render(request, "staff/cycles/cycle.html",
                  {"scope": scope, "view": service.cycle_view(session, cycle, scope.municipality.slug),
                   "errors": errors or {},
                   "status_names": status_labels(), "parties": places.parties(session, scope.municipality_id)},
                  status_code=status_code)


@view_router.get("/{cycle_id}", name="cycles.cycle")
def cycle_page(request: Request, cycle: OwnedCycle, scope: ScopeDep, session: SessionDep) -> Response:
    return _cycle_page(request, session, scope, cycle)


def _step_number(number: int) -> int:
    if number not in rules.STEPS:
        raise NotFound
    return number


def _step_errors(number: int, exc: ValidationFailed) -> dict[str, str]:
    """A step's form field names carry its number (one page holds five step forms)."""
    return {f"step{number}_{key}": message for key, message in exc.errors.items()}


@edit_router.post("/{cycle_id}/steps/{number}", name="cycles.save_step")
def save_step(request: Request, cycle: OwnedCycle, number: int, form: FormDep, scope: ScopeDep,
              session: SessionDep) -> Response:
    try:
        service.save_step(session, scope, cycle, _step_number(number), StepForm.parse(form))
    except ValidationFailed as exc:
        return _cycle_page(request, session, scope, cycle, errors=_step_errors(number, exc), status_code=400)
    flash(request, _("Steg %(n)s är sparat.") % {"n": number})
    return redirect_to(request, "cycles.cycle", municipality=scope.municipality.slug, cycle_id=cycle.id)


@edit_router.post("/{cycle_id}/steps/{number}/checks", name="cycles.add_check")
def add_check(request: Request, cycle: OwnedCycle, number: int, form: FormDep, scope: ScopeDep,
              session: SessionDep) -> Response:
    try:
        service.add_check(session, scope, cycle, _step_number(number), CheckForm.parse(form))
    except ValidationFailed as exc:
        return _cycle_page(request, session, scope, cycle, errors=_step_errors(number, exc), status_code=400)
    flash(request, _("Punkten är tillagd."))
    return redirect_to(request, "cycles.cycle", municipality=scope.municipality.slug, cycle_id=cycle.id)


@edit_router.post("/{cycle_id}/checks/{check_id}", name="cycles.tick_check")
def tick_check(request: Request, cycle: OwnedCycle, check_id: int, form: FormDep, scope: ScopeDep,
               session: SessionDep) -> Response:
    done = form_str(form, "done", 5) == "1"
    service.tick_check(session, scope, cycle, check_id, done)
    flash(request, _("Punkten är bockad.") if done else _("Bocken är borttagen."))
    return redirect_to(request, "cycles.cycle", municipality=scope.municipality.slug, cycle_id=cycle.id)


# --- the collaboration agreement -----------------------------------------------------------------------------

def _agreement_values(agreement: Agreement | None) -> dict[str, Any]:
    if agreement is None:
        return {"title": "", "starts_on": "", "ends_on": "", "focus": "", "cycle_id": "", "party_ids": [],
                "pledge_ids": []}
    values: dict[str, Any] = {"title": agreement.title, "starts_on": agreement.starts_on.isoformat(),
                              "ends_on": agreement.ends_on.isoformat(), "focus": agreement.focus,
                              "cycle_id": str(agreement.cycle_id or ""), "party_ids": agreement.party_ids,
                              "pledge_ids": agreement.pledge_ids}
    for i, row in enumerate(agreement.signatories):
        values.update({f"sig_name_{i}": row.get("name", ""), f"sig_role_{i}": row.get("role", ""),
                       f"sig_party_{i}": row.get("party", ""), f"sig_signed_on_{i}": row.get("signed_on", "")})
    return values


def _agreement_form(request: Request, session: Session, scope: Scope, agreement: Agreement | None,
                    values: dict[str, Any], errors: dict[str, str] | None = None, status_code: int = 200) -> Response:
    return render(request, "staff/cycles/agreement.html",
                  {"scope": scope, "agreement": agreement, "values": values, "errors": errors or {},
                   "rows": range(SIGNATORY_ROWS), "cycles": service.cycles(session, scope.municipality_id),
                   "parties": places.parties(session, scope.municipality_id),
                   "pledges": service.linkable_pledges(session, scope.municipality_id)}, status_code=status_code)


def _upload(form: Any) -> tuple[bytes | None, str]:
    upload = form.get("document")
    if isinstance(upload, UploadFile) and upload.filename:
        return upload.file.read(service.MAX_PDF_BYTES + 1), upload.filename
    return None, ""


@edit_router.get("/agreements/new", name="cycles.new_agreement")
def new_agreement(request: Request, scope: ScopeDep, session: SessionDep) -> Response:
    return _agreement_form(request, session, scope, None, _agreement_values(None))


@edit_router.post("/agreements", name="cycles.create_agreement")
def create_agreement(request: Request, form: FormDep, scope: ScopeDep, session: SessionDep) -> Response:
    typed = AgreementForm.parse(form)
    try:
        saved = service.save_agreement(session, scope, None, typed, *_upload(form))
    except ValidationFailed as exc:
        return _agreement_form(request, session, scope, None, typed.values(), exc.errors, 400)
    flash(request, _("Överenskommelsen är sparad."))
    return redirect_to(request, "cycles.agreement", municipality=scope.municipality.slug, agreement_id=saved.id)


@view_router.get("/agreements/{agreement_id}", name="cycles.agreement")
def agreement_page(request: Request, agreement: OwnedAgreement, scope: ScopeDep, session: SessionDep) -> Response:
    return _agreement_form(request, session, scope, agreement, _agreement_values(agreement))


@edit_router.post("/agreements/{agreement_id}", name="cycles.update_agreement")
def update_agreement(request: Request, agreement: OwnedAgreement, form: FormDep, scope: ScopeDep,
                     session: SessionDep) -> Response:
    typed = AgreementForm.parse(form)
    try:
        service.save_agreement(session, scope, agreement, typed, *_upload(form))
    except ValidationFailed as exc:
        return _agreement_form(request, session, scope, agreement, typed.values(), exc.errors, 400)
    flash(request, _("Överenskommelsen är sparad."))
    return redirect_to(request, "cycles.agreement", municipality=scope.municipality.slug, agreement_id=agreement.id)


@view_router.get("/agreements/{agreement_id}/document", name="cycles.agreement_document")
def agreement_document(agreement: OwnedAgreement) -> Response:
    path = service.document_path(agreement)
    if path is None:
        raise NotFound
    return FileResponse(path, media_type="application/pdf", headers=uploads.download_headers(agreement.document_name))
