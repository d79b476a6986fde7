"""Staff pages for setting up a municipality (settings, areas, parties, audit log) and, for system
administrators, creating municipalities."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlmodel import Session
from starlette.datastructures import FormData, UploadFile

from app import geo
from app.admin import setup_service
from app.admin.setup_service import AreaInput, MunicipalityInput, SettingsInput
from app.auth import Scope, require_permission, require_superadmin
from app.deps import FormDep, ScopeDep, SessionDep
from app.errors import ValidationFailed
from app.i18n import LANGUAGES
from app.i18n import gettext as _
from app.models import Area, Party, PartyKind, StaffUser
from app.web import flash, form_str, redirect, render

PERMISSION = "manage_users"  # the administrator role sets up the municipality
settings_router = APIRouter(prefix="/staff/m/{municipality}/settings",
                            dependencies=[Depends(require_permission(PERMISSION))])
areas_router = APIRouter(prefix="/staff/m/{municipality}/areas", dependencies=[Depends(require_permission(PERMISSION))])
parties_router = APIRouter(prefix="/staff/m/{municipality}/parties",
                           dependencies=[Depends(require_permission(PERMISSION))])
audit_router = APIRouter(prefix="/staff/m/{municipality}/audit", dependencies=[Depends(require_permission(PERMISSION))])
municipalities_router = APIRouter(prefix="/staff/admin/municipalities", dependencies=[Depends(require_superadmin)])

routers = [settings_router, areas_router, parties_router, audit_router, municipalities_router]


def _base(scope: Scope) -> str:
    return f"/staff/m/{scope.municipality.slug}"


def _language_options() -> list[tuple[str, str]]:
    return [(code, language.native_name) for code, language in LANGUAGES.items()]


def _form_list(form: FormData, name: str) -> list[str]:
    return [value.strip()[:20] for value in form.getlist(name) if isinstance(value, str)][:20]


# --- municipality settings -----------------------------------------------------------------------

def _settings_page(request: Request, session: Session, scope: Scope, values: dict[str, Any], *,
                   errors: dict[str, str] | None = None, status_code: int = 200) -> Response:
    return render(request, "staff/admin/settings.html",
                  {"scope": scope, "values": values, "errors": errors or {},
                   "language_options": _language_options(),
                   "police_areas": setup_service.police_areas(session)}, status_code=status_code)


@settings_router.get("", name="admin.settings_page")
def settings_page(request: Request, scope: ScopeDep,
                  session: SessionDep) -> Response:
    m = scope.municipality
    values = {"name": m.name, "contact_email": m.contact_email, "languages": list(m.languages),
              "police_area_id": str(m.police_area_id or ""), "new_police_area": "", "new_police_region": "",
              "require_two_factor": m.require_two_factor}
    return _settings_page(request, session, scope, values)


@settings_router.post("", name="admin.settings_save")
def settings_save(request: Request, form: FormDep, scope: ScopeDep,
                  session: SessionDep) -> Response:
    values = SettingsInput(name=form_str(form, "name", 300), contact_email=form_str(form, "contact_email", 300),
                           languages=_form_list(form, "languages"),
                           police_area_id=form_str(form, "police_area_id", 20),
                           new_police_area=form_str(form, "new_police_area", 300),
                           new_police_region=form_str(form, "new_police_region", 300),
                           require_two_factor=form_str(form, "require_two_factor", 10) == "1")
    try:
        setup_service.save_settings(session, scope, values)
    except ValidationFailed as exc:
        session.rollback()
        return _settings_page(request, session, scope, vars(values), errors=exc.errors, status_code=400)
    flash(request, _("Inställningarna är sparade."))
    return redirect(f"{_base(scope)}/settings")


# --- areas ---------------------------------------------------------------------------------------

def _area_values(area: Area | None) -> dict[str, str]:
    if area is None:
        return {"name": "", "slug": "", "parent_id": "", "population": "", "geojson": ""}
    return {"name": area.name, "slug": area.slug, "parent_id": str(area.parent_id or ""),
            "population": "" if area.population is None else str(area.population), "geojson": area.geojson or ""}


def _area_form(request: Request, session: Session, scope: Scope, area: Area | None, values: dict[str, str], *,
               errors: dict[str, str] | None = None, status_code: int = 200) -> Response:
    return render(request, "staff/admin/area_form.html",
                  {"scope": scope, "area": area, "values": values, "errors": errors or {},
                   "parents": setup_service.parent_options(session, scope, area),
                   "max_points": geo.MAX_POINTS}, status_code=status_code)


def _read_area(form: FormData) -> AreaInput:
    upload = form.get("geojson_file")
    raw: bytes | None = None
    if isinstance(upload, UploadFile) and upload.filename:
        raw = upload.file.read(geo.MAX_GEOJSON_BYTES + 1)
    return AreaInput(name=form_str(form, "name", 300), slug=form_str(form, "slug", 100),
                     parent_id=form_str(form, "parent_id", 20), population=form_str(form, "population", 40),
                     geojson=form_str(form, "geojson", geo.MAX_GEOJSON_BYTES + 1), upload=raw or None)


def _area_form_values(values: AreaInput) -> dict[str, str]:
    return {"name": values.name, "slug": values.slug, "parent_id": values.parent_id,
            "population": values.population, "geojson": values.geojson[:geo.MAX_GEOJSON_BYTES]}


@areas_router.get("", name="admin.areas_page")
def areas_page(request: Request, scope: ScopeDep,
               session: SessionDep) -> Response:
    return render(request, "staff/admin/areas.html",
                  {"scope": scope, "tree": setup_service.area_tree(session, scope)})


@areas_router.get("/new", name="admin.area_new")
def area_new(request: Request, scope: ScopeDep,
             session: SessionDep) -> Response:
    values = _area_values(None)
    values["parent_id"] = request.query_params.get("parent", "")[:20]
    return _area_form(request, session, scope, None, values)


@areas_router.post("", name="admin.area_create")
def area_create(request: Request, form: FormDep, scope: ScopeDep,
                session: SessionDep) -> Response:
    values = _read_area(form)
    try:
        created = setup_service.save_area(session, scope, None, values)
    except ValidationFailed as exc:
        session.rollback()
        return _area_form(request, session, scope, None, _area_form_values(values), errors=exc.errors,
                          status_code=400)
    flash(request, _("Området %(name)s är skapat.") % {"name": created.name})
    return redirect(f"{_base(scope)}/areas")


@areas_router.get("/{area_id}", name="admin.area_edit")
def area_edit(request: Request, area_id: int, scope: ScopeDep,
              session: SessionDep) -> Response:
    found = setup_service.area(session, scope, area_id)
    return _area_form(request, session, scope, found, _area_values(found))


@areas_router.post("/{area_id}", name="admin.area_update")
def area_update(request: Request, area_id: int, form: FormDep,
                scope: ScopeDep, session: SessionDep) -> Response:
    found = setup_service.area(session, scope, area_id)
    values = _read_area(form)
    try:
        setup_service.save_area(session, scope, found, values)
    except ValidationFailed as exc:
        session.rollback()
        found = setup_service.area(session, scope, area_id)
        return _area_form(request, session, scope, found, _area_form_values(values), errors=exc.errors,
                          status_code=400)
    flash(request, _("Området %(name)s är sparat.") % {"name": found.name})
    return redirect(f"{_base(scope)}/areas")


def _area_delete_page(request: Request, session: Session, scope: Scope, found: Area, *,
                      errors: dict[str, str] | None = None, status_code: int = 200) -> Response:
    return render(request, "staff/admin/area_delete.html",
                  {"scope": scope, "area": found, "errors": errors or {},
                   "problem": setup_service.area_delete_problem(session, found)}, status_code=status_code)


@areas_router.get("/{area_id}/delete", name="admin.area_delete_page")
def area_delete_page(request: Request, area_id: int, scope: ScopeDep,
                     session: SessionDep) -> Response:
    return _area_delete_page(request, session, scope, setup_service.area(session, scope, area_id))


@areas_router.post("/{area_id}/delete", name="admin.area_delete")
def area_delete(request: Request, area_id: int, scope: ScopeDep,
                session: SessionDep) -> Response:
    try:
        removed = setup_service.delete_area(session, scope, area_id)
    except ValidationFailed as exc:
        session.rollback()
        found = setup_service.area(session, scope, area_id)
        return _area_delete_page(request, session, scope, found, errors=exc.errors, status_code=400)
    flash(request, _("Området %(name)s är borttaget.") % {"name": removed.name})
    return redirect(f"{_base(scope)}/areas")


# --- parties -------------------------------------------------------------------------------------

def _party_form(request: Request, scope: Scope, party: Party | None, values: dict[str, str], *,
                errors: dict[str, str] | None = None, status_code: int = 200,
                members: list[tuple[StaffUser, Any]] | None = None) -> Response:
    return render(request, "staff/admin/party_form.html",
                  {"scope": scope, "party": party, "values": values, "errors": errors or {},
                   "kind_options": list(setup_service.kind_labels().items()), "members": members or []},
                  status_code=status_code)


@parties_router.get("", name="admin.parties_page")
def parties_page(request: Request, scope: ScopeDep,
                 session: SessionDep) -> Response:
    return render(request, "staff/admin/parties.html",
                  {"scope": scope, "parties": setup_service.parties(session, scope),
                   "kind_names": setup_service.kind_labels()})


@parties_router.get("/new", name="admin.party_new")
def party_new(request: Request, scope: ScopeDep) -> Response:
    return _party_form(request, scope, None, {"name": "", "kind": PartyKind.partner.value})


@parties_router.post("", name="admin.party_create")
def party_create(request: Request, form: FormDep, scope: ScopeDep,
                 session: SessionDep) -> Response:
    values = {"name": form_str(form, "name", 300), "kind": form_str(form, "kind", 40)}
    try:
        created = setup_service.save_party(session, scope, None, values["name"], values["kind"])
    except ValidationFailed as exc:
        session.rollback()
        return _party_form(request, scope, None, values, errors=exc.errors, status_code=400)
    flash(request, _("Parten %(name)s är skapad.") % {"name": created.name})
    return redirect(f"{_base(scope)}/parties")


@parties_router.get("/{party_id}", name="admin.party_edit")
def party_edit(request: Request, party_id: int, scope: ScopeDep,
               session: SessionDep) -> Response:
    found = setup_service.party(session, scope, party_id)
    return _party_form(request, scope, found, {"name": found.name, "kind": found.kind},
                       members=setup_service.party_members(session, scope))


@parties_router.post("/{party_id}/members", name="admin.party_members")
def party_members(request: Request, party_id: int, form: FormDep,
                  scope: ScopeDep, session: SessionDep) -> Response:
    found = setup_service.party(session, scope, party_id)
    chosen = {int(raw) for raw in form.getlist("member") if isinstance(raw, str) and raw.isascii() and raw.isdigit()
              and len(raw) <= 9}
    setup_service.set_party_members(session, scope, found, chosen)
    flash(request, _("Kontona för parten %(name)s är sparade.") % {"name": found.name})
    return redirect(f"{_base(scope)}/parties/{found.id}")


@parties_router.post("/{party_id}", name="admin.party_update")
def party_update(request: Request, party_id: int, form: FormDep,
                 scope: ScopeDep, session: SessionDep) -> Response:
    found = setup_service.party(session, scope, party_id)
    values = {"name": form_str(form, "name", 300), "kind": form_str(form, "kind", 40)}
    try:
        setup_service.save_party(session, scope, found, values["name"], values["kind"])
    except ValidationFailed as exc:
        session.rollback()
        found = setup_service.party(session, scope, party_id)
        return _party_form(request, scope, found, values, errors=exc.errors, status_code=400)
    flash(request, _("Parten %(name)s är sparad.") % {"name": found.name})
    return redirect(f"{_base(scope)}/parties")


def _party_delete_page(request: Request, scope: Scope, found: Party, *, errors: dict[str, str] | None = None,
                       status_code: int = 200) -> Response:
    return render(request, "staff/admin/party_delete.html",
                  {"scope": scope, "party": found, "errors": errors or {},
                   "kind_names": setup_service.kind_labels()}, status_code=status_code)


@parties_router.get("/{party_id}/delete", name="admin.party_delete_page")
def party_delete_page(request: Request, party_id: int, scope: ScopeDep,
                      session: SessionDep) -> Response:
    return _party_delete_page(request, scope, setup_service.party(session, scope, party_id))


@parties_router.post("/{party_id}/delete", name="admin.party_delete")
def party_delete(request: Request, party_id: int, scope: ScopeDep,
                 session: SessionDep) -> Response:
    try:
        removed = setup_service.delete_party(session, scope, party_id)
    except ValidationFailed as exc:
        session.rollback()
        found = setup_service.party(session, scope, party_id)
        return _party_delete_page(request, scope, found, errors=exc.errors, status_code=400)
    flash(request, _("Parten %(name)s är borttagen.") % {"name": removed.name})
    return redirect(f"{_base(scope)}/parties")


# --- audit log -----------------------------------------------------------------------------------

@audit_router.get("", name="admin.audit_log")
def audit_log(request: Request, scope: ScopeDep,
              session: SessionDep) -> Response:
    query = request.query_params
    action, entity = query.get("action", "")[:80], query.get("entity", "")[:80]
    result = setup_service.audit_page(session, scope, setup_service.parse_page(query.get("page")), action, entity)
    return render(request, "staff/admin/audit.html",
                  {"scope": scope, "result": result, "action": action, "entity": entity,
                   "action_names": setup_service.action_labels(), "entity_names": setup_service.entity_labels()})


# --- municipalities (system administrators) ------------------------------------------------------

def _municipalities_page(request: Request, session: Session, values: dict[str, Any], *,
                         errors: dict[str, str] | None = None, status_code: int = 200) -> Response:
    return render(request, "staff/admin/municipalities.html",
                  {"municipalities": setup_service.municipalities(session), "values": values,
                   "errors": errors or {}, "language_options": _language_options()}, status_code=status_code)


@municipalities_router.get("", name="admin.municipalities_page")
def municipalities_page(request: Request, session: SessionDep) -> Response:
    values = {"slug": "", "name": "", "languages": ["sv", "en"], "admin_name": "", "admin_email": ""}
    return _municipalities_page(request, session, values)


@municipalities_router.post("", name="admin.municipality_create")
def municipality_create(request: Request, form: FormDep,
                        user: Annotated[StaffUser, Depends(require_superadmin)],
                        session: SessionDep) -> Response:
    values = MunicipalityInput(slug=form_str(form, "slug", 100), name=form_str(form, "name", 300),
                               languages=_form_list(form, "languages"), admin_name=form_str(form, "admin_name", 300),
                               admin_email=form_str(form, "admin_email", 300))
    try:
        municipality = setup_service.create_municipality(session, user, values)
    except ValidationFailed as exc:
        session.rollback()
        return _municipalities_page(request, session, vars(values), errors=exc.errors, status_code=400)
    flash(request, _("%(municipality)s är skapad. En inbjudan som administratör har skickats till %(email)s.")
          % {"municipality": municipality.name, "email": values.admin_email.strip().lower()})
    return redirect(f"/staff/m/{municipality.slug}/settings")
