"""Staff pages for setting up a municipality (settings, areas, parties, audit log) and, for system
administrators, creating municipalities."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlmodel import Session

from app import geo
from app.admin import setup_service
from app.admin.rules import parse_page
from app.admin.staff_forms import AreaForm, MunicipalityForm, PartyForm, SettingsForm
from app.auth import Scope, require_permission, require_superadmin
from app.deps import FormDep, OwnedArea, OwnedParty, ScopeDep, SessionDep
from app.errors import ValidationFailed
from app.i18n import LANGUAGES
from app.i18n import gettext as _
from app.models import Area, Party, PartyKind, StaffUser
from app.web import flash, redirect_to, render

PERMISSION = "manage_users"  # the administrator role sets up the municipality
settings_router = APIRouter(prefix="/staff/m/{municipality}/settings",
                            dependencies=[Depends(require_permission(PERMISSION))])
areas_router = APIRouter(prefix="/staff/m/{municipality}/areas", dependencies=[Depends(require_permission(PERMISSION))])
parties_router = APIRouter(prefix="/staff/m/{municipality}/parties",
                           dependencies=[Depends(require_permission(PERMISSION))])
audit_router = APIRouter(prefix="/staff/m/{municipality}/audit", dependencies=[Depends(require_permission(PERMISSION))])
municipalities_router = APIRouter(prefix="/staff/admin/municipalities", dependencies=[Depends(require_superadmin)])

routers = [settings_router, areas_router, parties_router, audit_router, municipalities_router]


def _language_options() -> list[tuple[str, str]]:
    return [(code, language.native_name) for code, language in LANGUAGES.items()]


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
    typed = SettingsForm.parse(form)
    try:
        setup_service.save_settings(session, scope, typed)
    except ValidationFailed as exc:
        return _settings_page(request, session, scope, typed.values(), errors=exc.errors, status_code=400)
    flash(request, _("Inställningarna är sparade."))
    return redirect_to(request, "admin.settings_page", municipality=scope.municipality.slug)


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
    typed = AreaForm.parse(form)
    try:
        created = setup_service.save_area(session, scope, None, typed)
    except ValidationFailed as exc:
        return _area_form(request, session, scope, None, typed.values(), errors=exc.errors, status_code=400)
    flash(request, _("Området %(name)s är skapat.") % {"name": created.name})
    return redirect_to(request, "admin.areas_page", municipality=scope.municipality.slug)


@areas_router.get("/{area_id}", name="admin.area_edit")
def area_edit(request: Request, area: OwnedArea, scope: ScopeDep,
              session: SessionDep) -> Response:
    return _area_form(request, session, scope, area, _area_values(area))


@areas_router.post("/{area_id}", name="admin.area_update")
def area_update(request: Request, area: OwnedArea, form: FormDep,
                scope: ScopeDep, session: SessionDep) -> Response:
    typed = AreaForm.parse(form)
    try:
        setup_service.save_area(session, scope, area, typed)
    except ValidationFailed as exc:
        return _area_form(request, session, scope, area, typed.values(),
                          errors=exc.errors, status_code=400)
    flash(request, _("Området %(name)s är sparat.") % {"name": area.name})
    return redirect_to(request, "admin.areas_page", municipality=scope.municipality.slug)


def _area_delete_page(request: Request, session: Session, scope: Scope, area: Area, *,
                      errors: dict[str, str] | None = None, status_code: int = 200) -> Response:
    return render(request, "staff/admin/area_delete.html",
                  {"scope": scope, "area": area, "errors": errors or {},
                   "problem": setup_service.area_delete_problem(session, area)}, status_code=status_code)


@areas_router.get("/{area_id}/delete", name="admin.area_delete_page")
def area_delete_page(request: Request, area: OwnedArea, scope: ScopeDep,
                     session: SessionDep) -> Response:
    return _area_delete_page(request, session, scope, area)


@areas_router.post("/{area_id}/delete", name="admin.area_delete")
def area_delete(request: Request, area: OwnedArea, scope: ScopeDep,
                session: SessionDep) -> Response:
    name = area.name
    try:
        setup_service.delete_area(session, scope, area)
    except ValidationFailed as exc:
        return _area_delete_page(request, session, scope, area, errors=exc.errors, status_code=400)
    flash(request, _("Området %(name)s är borttaget.") % {"name": name})
    return redirect_to(request, "admin.areas_page", municipality=scope.municipality.slug)


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
    typed = PartyForm.parse(form)
    try:
        created = setup_service.save_party(session, scope, None, typed)
    except ValidationFailed as exc:
        return _party_form(request, scope, None, typed.values(), errors=exc.errors, status_code=400)
    flash(request, _("Parten %(name)s är skapad.") % {"name": created.name})
    return redirect_to(request, "admin.parties_page", municipality=scope.municipality.slug)


@parties_router.get("/{party_id}", name="admin.party_edit")
def party_edit(request: Request, party: OwnedParty, scope: ScopeDep,
               session: SessionDep) -> Response:
    return _party_form(request, scope, party, {"name": party.name, "kind": party.kind},
                       members=setup_service.party_members(session, scope))


@parties_router.post("/{party_id}/members", name="admin.party_members")
def party_members(request: Request, party: OwnedParty, form: FormDep,
                  scope: ScopeDep, session: SessionDep) -> Response:
    chosen = {int(raw) for raw in form.getlist("member") if isinstance(raw, str) and raw.isascii() and raw.isdigit()
              and len(raw) <= 9}
    setup_service.set_party_members(session, scope, party, chosen)
    flash(request, _("Kontona för parten %(name)s är sparade.") % {"name": party.name})
    return redirect_to(request, "admin.party_edit", municipality=scope.municipality.slug, party_id=party.id)


@parties_router.post("/{party_id}", name="admin.party_update")
def party_update(request: Request, party: OwnedParty, form: FormDep,
                 scope: ScopeDep, session: SessionDep) -> Response:
    typed = PartyForm.parse(form)
    try:
        setup_service.save_party(session, scope, party, typed)
    except ValidationFailed as exc:
        return _party_form(request, scope, party, typed.values(),
                           errors=exc.errors, status_code=400)
    flash(request, _("Parten %(name)s är sparad.") % {"name": party.name})
    return redirect_to(request, "admin.parties_page", municipality=scope.municipality.slug)


def _party_delete_page(request: Request, scope: Scope, party: Party, *, errors: dict[str, str] | None = None,
                       status_code: int = 200) -> Response:
    return render(request, "staff/admin/party_delete.html",
                  {"scope": scope, "party": party, "errors": errors or {},
                   "kind_names": setup_service.kind_labels()}, status_code=status_code)


@parties_router.get("/{party_id}/delete", name="admin.party_delete_page")
def party_delete_page(request: Request, party: OwnedParty, scope: ScopeDep,
                      session: SessionDep) -> Response:
    return _party_delete_page(request, scope, party)


@parties_router.post("/{party_id}/delete", name="admin.party_delete")
def party_delete(request: Request, party: OwnedParty, scope: ScopeDep,
                 session: SessionDep) -> Response:
    name = party.name
    try:
        setup_service.delete_party(session, scope, party)
    except ValidationFailed as exc:
        return _party_delete_page(request, scope, party, errors=exc.errors, status_code=400)
    flash(request, _("Parten %(name)s är borttagen.") % {"name": name})
    return redirect_to(request, "admin.parties_page", municipality=scope.municipality.slug)


# --- audit log -----------------------------------------------------------------------------------

@audit_router.get("", name="admin.audit_log")
def audit_log(request: Request, scope: ScopeDep,
              session: SessionDep) -> Response:
    query = request.query_params
    action, entity = query.get("action", "")[:80], query.get("entity", "")[:80]
    result = setup_service.audit_page(session, scope, parse_page(query.get("page")), action, entity)
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
    typed = MunicipalityForm.parse(form)
    try:
        municipality = setup_service.create_municipality(session, user, typed)
    except ValidationFailed as exc:
        return _municipalities_page(request, session, typed.values(), errors=exc.errors, status_code=400)
    flash(request, _("%(municipality)s är skapad. En inbjudan som administratör har skickats till %(email)s.")
          % {"municipality": municipality.name, "email": typed.admin_email})
    return redirect_to(request, "admin.settings_page", municipality=municipality.slug)
