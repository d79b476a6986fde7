"""Staff pages of the pledges domain. Every router here is under /staff/m/{municipality} and carries a permission.

"edit" (coordinators, police, admins) drafts, signs and publishes; "report" (also partners) posts follow-up
updates and activity status; "view" reads. Which activities and updates an account may touch (its own party's)
and who may sign (four eyes) is decided in the service, so a direct POST meets the same rules as the page.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, BackgroundTasks, Depends, Request
from fastapi.responses import FileResponse, Response
from sqlmodel import Session
from starlette.datastructures import FormData, UploadFile

from app import clock, i18n, mail, places
from app.auth import Scope, require_permission, staff_scope
from app.db import get_session
from app.errors import NotFound, ValidationFailed
from app.i18n import gettext as _
from app.models.pledges import Pledge, PledgeActivity, PledgeFocusArea, PledgeStatus, PledgeUpdate
from app.pledges import (
    access,
    authoring,
    changes,
    figures,
    followup,
    forms,
    lifecycle,
    progress,
    public_view,
    queries,
    reminders,
    rules,
    versions,
)
from app.pledges.rules import localized
from app.web import flash, form_str, read_form, redirect, render

PREFIX = "/staff/m/{municipality}/pledges"
edit_router = APIRouter(prefix=PREFIX, dependencies=[Depends(require_permission("edit"))])
report_router = APIRouter(prefix=PREFIX, dependencies=[Depends(require_permission("report"))])
view_router = APIRouter(prefix=PREFIX, dependencies=[Depends(staff_scope)])  # every role may read
# The edit router first: its fixed path /new must win over /{pledge_id}.
routers: list[APIRouter] = [edit_router, report_router, view_router]

ACTIVITY_FIELDS = ("title", "party", "target_number", "target_unit", "target_text", "starts_on", "ends_on",
                   "focus_area_id", "observation_id")


def _base(scope: Scope) -> dict[str, Any]:
    return {"scope": scope, "base": f"/staff/m/{scope.municipality.slug}/pledges", "loc": localized,
            "status_labels": forms.status_labels(), "activity_labels": forms.activity_status_labels(),
            "progress_rule": forms.progress_rule()}


def _url(scope: Scope, pledge_id: int | None, rest: str = "") -> str:
    return f"/staff/m/{scope.municipality.slug}/pledges/{pledge_id}{rest}"


def _remap(errors: dict[str, str], prefix: str) -> dict[str, str]:
    return {(f"{prefix}_new_version" if key == "new_version" else key): value for key, value in errors.items()}


def _versioning(form: FormData) -> tuple[bool, str]:
    return form_str(form, "new_version", 10) == "yes", form_str(form, "version_note", 2000)


def _saved(request: Request, scope: Scope, found: Pledge, proposal: object, done: str, anchor: str) -> Response:
    """After a versioned change: applied (draft) or waiting for the other side (published pledge)."""
    if proposal is not None:
        flash(request, _("Ändringen är sparad som ett förslag. Den publiceras när den andra parten (polisen eller "
                         "kommunen) har godkänt den."))
        return redirect(_url(scope, found.id, "#proposals"))
    flash(request, done)
    return redirect(_url(scope, found.id, anchor))


def _area_options(session: Session, scope: Scope) -> list[tuple[str, str]]:
    return [("", _("Hela kommunen"))] + [(str(a.id), a.name) for a in places.areas(session, scope.municipality_id)]


# ------------------------------------------------------------------------------------------------ list


@view_router.get("")
def pledges_page(request: Request, scope: Scope = Depends(staff_scope),
                 session: Session = Depends(get_session)) -> Response:
    return render(request, "staff/pledges/index.html",
                  {**_base(scope), "rows": queries.pledges(session, scope.municipality_id),
                   "flags": reminders.flags(session, scope.municipality_id), "silent_days": rules.SILENT_DAYS,
                   "settings": queries.pledge_settings(session, scope.municipality_id),
                   "editor": access.actor(session, scope).editor})


@edit_router.post("/settings")
def save_settings(request: Request, form: FormData = Depends(read_form), scope: Scope = Depends(staff_scope),
                  session: Session = Depends(get_session)) -> Response:
    followup.save_pledge_settings(session, scope, form_str(form, "partner_updates_need_approval", 10) == "yes")
    flash(request, _("Inställningen är sparad."))
    return redirect(f"/staff/m/{scope.municipality.slug}/pledges")


@edit_router.get("/new")
def new_page(request: Request, scope: Scope = Depends(staff_scope),
             session: Session = Depends(get_session)) -> Response:
    return render(request, "staff/pledges/new.html",
                  {**_base(scope), "values": {}, "area_options": _area_options(session, scope)})


def _pledge_values(form: FormData) -> dict[str, str]:
    return {"title": form_str(form, "title", 200), "intro": form_str(form, "intro", 5000),
            "starts_on": form_str(form, "starts_on", 20), "ends_on": form_str(form, "ends_on", 20),
            "area_id": form_str(form, "area_id", 20)}


@edit_router.post("/new")
def create(request: Request, form: FormData = Depends(read_form), scope: Scope = Depends(staff_scope),
           session: Session = Depends(get_session)) -> Response:
    values = _pledge_values(form)
    try:
        found = authoring.create_pledge(session, scope, values)
    except ValidationFailed as exc:
        return render(request, "staff/pledges/new.html",
                      {**_base(scope), "values": values, "errors": exc.errors,
                       "area_options": _area_options(session, scope)}, status_code=400)
    flash(request, _("Utkastet är skapat. Lägg till fokusområden och aktiviteter."))
    return redirect(_url(scope, found.id))


# ------------------------------------------------------------------------------------------------ the pledge


def _pledge_page(request: Request, session: Session, scope: Scope, found: Pledge, *,
                 errors: dict[str, str] | None = None, values: dict[str, Any] | None = None,
                 status_code: int = 200) -> Response:
    focus, acts = queries.children(session, found)
    names = {p.id or 0: p.name for p in places.parties(session, scope.municipality_id)}
    pledge_values = {"title": localized(found.title, "sv"), "intro": localized(found.intro, "sv"),
                     "starts_on": found.starts_on.isoformat(), "ends_on": found.ends_on.isoformat(),
                     "area_id": str(found.area_id or "")}
    view = public_view.pledge_view(session, found, "sv", updates_limit=10)
    who = access.actor(session, scope)
    act_titles = {a.id: localized(a.title, "sv") for a in acts}
    kind_labels = forms.proposal_labels()
    users = queries.proposers(session, found)
    return render(request, "staff/pledges/pledge.html", {
        **_base(scope), "pledge": found, "view": view, "focus": focus, "acts": acts,
        "party_of": lambda act: queries.party_label(act, names),
        "values": {**pledge_values, **(values or {})}, "errors": errors or {},
        "published": found.status == PledgeStatus.published,
        "editable": found.status != PledgeStatus.closed,
        "area_options": _area_options(session, scope),
        "party_options": queries.party_options(session, scope.municipality_id),
        "focus_options": [(str(f.id), localized(f.title, "sv")) for f in focus],
        "observation_options": queries.observation_options(session, scope.municipality_id),
        "priorities": figures.concern_priorities(session, scope.municipality_id),
        "survey_items": [("", _("Välj fråga")), *figures.survey_items(session, scope.municipality_id)],
        "problems": rules.publish_problems(lifecycle.publish_facts(session, found), signing=True),
        "figure_sentence": forms.figure_sentence,
        "signed_by": {sig.side: sig for sig in queries.signatures(session, found)},
        "signing_open": lifecycle.signing_open(found),
        "side_labels": forms.side_labels(), "my_side": who.side, "editor": who.editor,
        "pending": [{"row": u, "activity": act_titles.get(u.activity_id, ""), "party": names.get(u.party_id or 0, "")}
                    for u in queries.pending_updates(session, found)],
        "proposals": [{"row": p, "label": kind_labels.get(p.kind, p.kind), "by": users.get(p.proposed_by or 0, "")}
                      for p in queries.proposals(session, found)],
    }, status_code=status_code)


@view_router.get("/{pledge_id}")
def pledge_page(request: Request, pledge_id: int, scope: Scope = Depends(staff_scope),
                session: Session = Depends(get_session)) -> Response:
    return _pledge_page(request, session, scope, queries.pledge(session, scope.municipality_id, pledge_id))


@edit_router.post("/{pledge_id}/edit")
def edit(request: Request, pledge_id: int, form: FormData = Depends(read_form), scope: Scope = Depends(staff_scope),
         session: Session = Depends(get_session)) -> Response:
    found = queries.pledge(session, scope.municipality_id, pledge_id)
    values = _pledge_values(form)
    new_version, note = _versioning(form)
    try:
        proposal = changes.change(session, scope, found, "pledge.edit", None, values, new_version=new_version,
                                  note=note)
    except ValidationFailed as exc:
        return _pledge_page(request, session, scope, found, errors=_remap(exc.errors, "pl"), values=values,
                            status_code=400)
    return _saved(request, scope, found, proposal, _("Ändringen är sparad."), "")


def _figures(session: Session, scope: Scope, form: FormData) -> list[figures.Figure]:
    chosen: list[figures.Figure] = []
    priorities = figures.concern_priorities(session, scope.municipality_id)
    for raw in form.getlist("priority"):
        if isinstance(raw, str) and (index := queries.row_id(raw)) is not None and index < len(priorities):
            chosen.append(priorities[index])
    pick = form_str(form, "fig_item", 200)
    if pick:
        area = form_str(form, "fig_area", 20)
        chosen.append(figures.figure_from_survey(session, scope.municipality_id, pick,
                                                 queries.row_id(area)))
    return chosen


def _focus_values(form: FormData) -> dict[str, str]:
    return {"title": form_str(form, "fa_title", 200), "problem": form_str(form, "fa_problem", 5000),
            "cause": form_str(form, "fa_cause", 5000)}


@edit_router.post("/{pledge_id}/focus-areas")
def add_focus_area(request: Request, pledge_id: int, form: FormData = Depends(read_form),
                   scope: Scope = Depends(staff_scope), session: Session = Depends(get_session)) -> Response:
    found = queries.pledge(session, scope.municipality_id, pledge_id)
    values = _focus_values(form)
    new_version, note = _versioning(form)
    try:
        versions.refuse_unversioned(found, new_version)
        figures = [f.as_dict() for f in _figures(session, scope, form)]
        proposal = changes.change(session, scope, found, "focus_area.save", None, {**values, "figures": figures},
                                  new_version=new_version, note=note)
    except ValidationFailed as exc:
        return _pledge_page(request, session, scope, found, errors=_remap(exc.errors, "fa"),
                            values={f"fa_{k}": v for k, v in values.items()}, status_code=400)
    return _saved(request, scope, found, proposal, _("Fokusområdet är sparat."), "#focus-areas")


def _focus_page(request: Request, session: Session, scope: Scope, found: Pledge, row: PledgeFocusArea, *,
                errors: dict[str, str] | None = None, values: dict[str, str] | None = None,
                status_code: int = 200) -> Response:
    current = {"fa_title": localized(row.title, "sv"), "fa_problem": localized(row.problem, "sv"),
               "fa_cause": localized(row.cause, "sv")}
    return render(request, "staff/pledges/focus_area.html", {
        **_base(scope), "pledge": found, "row": row, "values": {**current, **(values or {})}, "errors": errors or {},
        "published": found.status == PledgeStatus.published, "figure_sentence": forms.figure_sentence,
        "survey_items": [("", _("Välj fråga")), *figures.survey_items(session, scope.municipality_id)],
        "area_options": _area_options(session, scope), "priorities": [],
    }, status_code=status_code)


@view_router.get("/{pledge_id}/focus-areas/{focus_area_id}")
def focus_area_page(request: Request, pledge_id: int, focus_area_id: int, scope: Scope = Depends(staff_scope),
                    session: Session = Depends(get_session)) -> Response:
    found = queries.pledge(session, scope.municipality_id, pledge_id)
    return _focus_page(request, session, scope, found, queries.focus_area(session, found, focus_area_id))


@edit_router.post("/{pledge_id}/focus-areas/{focus_area_id}")
def edit_focus_area(request: Request, pledge_id: int, focus_area_id: int, form: FormData = Depends(read_form),
                    scope: Scope = Depends(staff_scope), session: Session = Depends(get_session)) -> Response:
    found = queries.pledge(session, scope.municipality_id, pledge_id)
    row = queries.focus_area(session, found, focus_area_id)
    values = _focus_values(form)
    new_version, note = _versioning(form)
    try:
        versions.refuse_unversioned(found, new_version)
        figures = [f.as_dict() for f in _figures(session, scope, form)]
        proposal = changes.change(session, scope, found, "focus_area.save", row.id, {**values, "figures": figures},
                                  new_version=new_version, note=note)
    except ValidationFailed as exc:
        return _focus_page(request, session, scope, found, row, errors=_remap(exc.errors, "fa"),
                           values={f"fa_{k}": v for k, v in values.items()}, status_code=400)
    return _saved(request, scope, found, proposal, _("Fokusområdet är sparat."), "#focus-areas")


@edit_router.post("/{pledge_id}/focus-areas/{focus_area_id}/delete")
def delete_focus_area(request: Request, pledge_id: int, focus_area_id: int, form: FormData = Depends(read_form),
                      scope: Scope = Depends(staff_scope), session: Session = Depends(get_session)) -> Response:
    found = queries.pledge(session, scope.municipality_id, pledge_id)
    row = queries.focus_area(session, found, focus_area_id)
    new_version, note = _versioning(form)
    try:
        proposal = changes.change(session, scope, found, "focus_area.delete", row.id, {}, new_version=new_version,
                                  note=note)
    except ValidationFailed as exc:
        return _focus_page(request, session, scope, found, row, errors=_remap(exc.errors, "fa"), status_code=400)
    return _saved(request, scope, found, proposal, _("Fokusområdet är borttaget."), "#focus-areas")


def _activity_values(form: FormData) -> dict[str, str]:
    return {name: form_str(form, f"act_{name}", 2000) for name in ACTIVITY_FIELDS}


@edit_router.post("/{pledge_id}/activities")
def add_activity(request: Request, pledge_id: int, form: FormData = Depends(read_form),
                 scope: Scope = Depends(staff_scope), session: Session = Depends(get_session)) -> Response:
    found = queries.pledge(session, scope.municipality_id, pledge_id)
    values = _activity_values(form)
    new_version, note = _versioning(form)
    try:
        proposal = changes.change(session, scope, found, "activity.save", None, values, new_version=new_version,
                                  note=note)
    except ValidationFailed as exc:
        return _pledge_page(request, session, scope, found, errors=_remap(exc.errors, "act"),
                            values={f"act_{k}": v for k, v in values.items()}, status_code=400)
    return _saved(request, scope, found, proposal, _("Aktiviteten är sparad."), "#activities")


def _activity_page(request: Request, session: Session, scope: Scope, found: Pledge, row: PledgeActivity, *,
                   errors: dict[str, str] | None = None, values: dict[str, str] | None = None,
                   status_code: int = 200) -> Response:
    focus, _acts = queries.children(session, found)
    current = {"act_title": localized(row.title, "sv"), "act_party": "joint" if row.joint else str(row.party_id or ""),
               "act_target_number": "" if row.target_number is None else str(row.target_number),
               "act_target_unit": localized(row.target_unit, "sv"), "act_target_text": localized(row.target_text, "sv"),
               "act_starts_on": row.starts_on.isoformat() if row.starts_on else "",
               "act_ends_on": row.ends_on.isoformat() if row.ends_on else "",
               "act_focus_area_id": str(row.focus_area_id), "act_observation_id": str(row.observation_id or ""),
               "status": row.status, "cancel_reason": row.cancel_reason}
    view = public_view.pledge_view(session, found, "sv", updates_limit=200, staff=True)
    names = {p.id or 0: p.name for p in places.parties(session, scope.municipality_id)}
    who = access.actor(session, scope)
    return render(request, "staff/pledges/activity.html", {
        **_base(scope), "pledge": found, "row": row, "party": queries.party_label(row, names),
        "updates": [u for u in view["updates"] if u["activity_id"] == row.id],
        "values": {**current, **(values or {})}, "errors": errors or {},
        "published": found.status == PledgeStatus.published, "today": clock.today().isoformat(),
        "percent": progress.percent(progress.activity_progress(queries.facts(row))),
        "party_options": queries.party_options(session, scope.municipality_id),
        "focus_options": [(str(f.id), localized(f.title, "sv")) for f in focus],
        "observation_options": queries.observation_options(session, scope.municipality_id),
        "status_options": list(forms.activity_status_labels().items()),
        "max_mb": rules.MAX_ATTACHMENT_BYTES // (1024 * 1024),
        "may_act": rules.may_act_on_activity(who, row.party_id, row.joint),
        "update_labels": forms.update_state_labels(),
    }, status_code=status_code)


@view_router.get("/{pledge_id}/activities/{activity_id}")
def activity_page(request: Request, pledge_id: int, activity_id: int, scope: Scope = Depends(staff_scope),
                  session: Session = Depends(get_session)) -> Response:
    found = queries.pledge(session, scope.municipality_id, pledge_id)
    return _activity_page(request, session, scope, found, queries.activity(session, found, activity_id))


@edit_router.post("/{pledge_id}/activities/{activity_id}/edit")
def edit_activity(request: Request, pledge_id: int, activity_id: int, form: FormData = Depends(read_form),
                  scope: Scope = Depends(staff_scope), session: Session = Depends(get_session)) -> Response:
    found = queries.pledge(session, scope.municipality_id, pledge_id)
    row = queries.activity(session, found, activity_id)
    values = _activity_values(form)
    new_version, note = _versioning(form)
    try:
        proposal = changes.change(session, scope, found, "activity.save", row.id, values, new_version=new_version,
                                  note=note)
    except ValidationFailed as exc:
        return _activity_page(request, session, scope, found, row, errors=_remap(exc.errors, "act"),
                              values={f"act_{k}": v for k, v in values.items()}, status_code=400)
    return _saved(request, scope, found, proposal, _("Aktiviteten är sparad."), f"/activities/{row.id}")


@report_router.post("/{pledge_id}/activities/{activity_id}/status")
def activity_status(request: Request, pledge_id: int, activity_id: int, form: FormData = Depends(read_form),
                    scope: Scope = Depends(staff_scope), session: Session = Depends(get_session)) -> Response:
    found = queries.pledge(session, scope.municipality_id, pledge_id)
    row = queries.activity(session, found, activity_id)
    values = {"status": form_str(form, "status", 20), "cancel_reason": form_str(form, "cancel_reason", 1000)}
    try:
        authoring.set_activity_status(session, scope, found, row, values["status"], values["cancel_reason"])
    except ValidationFailed as exc:
        return _activity_page(request, session, scope, found, row, errors=exc.errors, values=values,
                              status_code=400)
    flash(request, _("Statusen är ändrad."))
    return redirect(_url(scope, found.id, f"/activities/{row.id}"))


@report_router.post("/{pledge_id}/activities/{activity_id}/updates")
def post_update(request: Request, pledge_id: int, activity_id: int, background: BackgroundTasks,
                form: FormData = Depends(read_form),
                scope: Scope = Depends(staff_scope), session: Session = Depends(get_session)) -> Response:
    found = queries.pledge(session, scope.municipality_id, pledge_id)
    row = queries.activity(session, found, activity_id)
    values = {"text": form_str(form, "upd_text", 5000), "achieved": form_str(form, "upd_achieved", 20),
              "posted_on": form_str(form, "upd_date", 20)}
    upload = form.get("upd_file")
    file: tuple[str, bytes] | None = None
    if isinstance(upload, UploadFile) and upload.filename:
        data = upload.file.read(rules.MAX_ATTACHMENT_BYTES + 1)
        if data:
            file = (upload.filename, data)
    try:
        _update, mail_ids = followup.post_update(session, scope, found, row, values, file)
    except ValidationFailed as exc:
        return _activity_page(request, session, scope, found, row, errors=exc.errors,
                              values={f"upd_{k}": v for k, v in values.items()} | {"upd_date": values["posted_on"]},
                              status_code=400)
    mail.deliver_after_response(request.app, background, mail_ids)  # subscribers' notices, after the response
    flash(request, _("Uppföljningen är publicerad.") if _update.state == "published"
          else _("Uppföljningen väntar på att en samordnare godkänner den."))
    return redirect(_url(scope, found.id, f"/activities/{row.id}"))


def _update_page(request: Request, session: Session, scope: Scope, found: Pledge, update: PledgeUpdate, *,
                 errors: dict[str, str] | None = None, values: dict[str, str] | None = None,
                 status_code: int = 200) -> Response:
    row = session.get(PledgeActivity, update.activity_id)
    assert row is not None
    who = access.actor(session, scope)
    names = {p.id or 0: p.name for p in places.parties(session, scope.municipality_id)}
    current = {"upd_text": update.text, "upd_achieved": "" if update.achieved is None else str(update.achieved)}
    return render(request, "staff/pledges/update.html", {
        **_base(scope), "pledge": found, "row": row, "update": update, "party": names.get(update.party_id or 0, ""),
        "values": {**current, **(values or {})}, "errors": errors or {},
        "update_labels": forms.update_state_labels(),
        "may_change": (scope.may("report") and rules.may_act_on_activity(who, row.party_id, row.joint)
                       and rules.may_change_update(who, update.party_id) and found.status != PledgeStatus.closed
                       and update.state in ("published", "pending")),
    }, status_code=status_code)


@view_router.get("/{pledge_id}/updates/{update_id}")
def update_page(request: Request, pledge_id: int, update_id: int, scope: Scope = Depends(staff_scope),
                session: Session = Depends(get_session)) -> Response:
    found = queries.pledge(session, scope.municipality_id, pledge_id)
    return _update_page(request, session, scope, found, queries.update_row(session, found, update_id))


@report_router.post("/{pledge_id}/updates/{update_id}/correct")
def correct_update(request: Request, pledge_id: int, update_id: int, form: FormData = Depends(read_form),
                   scope: Scope = Depends(staff_scope), session: Session = Depends(get_session)) -> Response:
    found = queries.pledge(session, scope.municipality_id, pledge_id)
    update = queries.update_row(session, found, update_id)
    values = {"text": form_str(form, "upd_text", 5000), "achieved": form_str(form, "upd_achieved", 20)}
    try:
        followup.correct_update(session, scope, found, update, values)
    except ValidationFailed as exc:
        return _update_page(request, session, scope, found, update, errors=exc.errors,
                            values={f"upd_{k}": v for k, v in values.items()}, status_code=400)
    flash(request, _("Uppföljningen är rättad."))
    return redirect(_url(scope, found.id, f"/activities/{update.activity_id}"))


@report_router.post("/{pledge_id}/updates/{update_id}/withdraw")
def withdraw_update(request: Request, pledge_id: int, update_id: int, scope: Scope = Depends(staff_scope),
                    session: Session = Depends(get_session)) -> Response:
    found = queries.pledge(session, scope.municipality_id, pledge_id)
    update = queries.update_row(session, found, update_id)
    try:
        followup.withdraw_update(session, scope, found, update)
    except ValidationFailed as exc:
        return _update_page(request, session, scope, found, update, errors=exc.errors, status_code=400)
    flash(request, _("Uppföljningen är återkallad."))
    return redirect(_url(scope, found.id, f"/activities/{update.activity_id}"))


@edit_router.post("/{pledge_id}/updates/{update_id}/review")
def review_update(request: Request, pledge_id: int, update_id: int, background: BackgroundTasks,
                  form: FormData = Depends(read_form), scope: Scope = Depends(staff_scope),
                  session: Session = Depends(get_session)) -> Response:
    found = queries.pledge(session, scope.municipality_id, pledge_id)
    update = queries.update_row(session, found, update_id)
    approve = form_str(form, "decision", 10) == "approve"
    try:
        mail_ids = followup.review_update(session, scope, found, update, approve)
    except ValidationFailed as exc:
        return _pledge_page(request, session, scope, found, errors=exc.errors, status_code=400)
    mail.deliver_after_response(request.app, background, mail_ids)
    flash(request, _("Uppföljningen är godkänd och publicerad.") if approve else _("Uppföljningen är avvisad."))
    return redirect(_url(scope, found.id, "#pending"))


@view_router.get("/{pledge_id}/files/{attachment_id}")
def staff_file(pledge_id: int, attachment_id: int, scope: Scope = Depends(staff_scope),
               session: Session = Depends(get_session)) -> Response:
    found = queries.pledge(session, scope.municipality_id, pledge_id)
    row = queries.attachment(session, found, attachment_id)
    path = followup.attachment_path(row)
    if not path.is_file():
        raise NotFound
    return FileResponse(path, media_type=row.content_type, headers=followup.attachment_headers(row))


@edit_router.post("/{pledge_id}/signatories")
def add_signatory(request: Request, pledge_id: int, form: FormData = Depends(read_form),
                  scope: Scope = Depends(staff_scope), session: Session = Depends(get_session)) -> Response:
    found = queries.pledge(session, scope.municipality_id, pledge_id)
    values = {"sig_name": form_str(form, "sig_name", 200), "sig_role": form_str(form, "sig_role", 200)}
    try:
        authoring.add_signatory(session, scope, found, values["sig_name"], values["sig_role"])
    except ValidationFailed as exc:
        return _pledge_page(request, session, scope, found, errors=_remap(exc.errors, "pl"), values=values,
                            status_code=400)
    flash(request, _("Undertecknaren är tillagd."))
    return redirect(_url(scope, found.id, "#signatories"))


@edit_router.post("/{pledge_id}/indicators")
def add_indicator(request: Request, pledge_id: int, form: FormData = Depends(read_form),
                  scope: Scope = Depends(staff_scope), session: Session = Depends(get_session)) -> Response:
    found = queries.pledge(session, scope.municipality_id, pledge_id)
    values = {"ind_item": form_str(form, "ind_item", 200), "ind_area": form_str(form, "ind_area", 20),
              "ind_target": form_str(form, "ind_target", 20), "ind_label": form_str(form, "ind_label", 200)}
    try:
        figures.add_indicator(session, scope, found, values["ind_item"], values["ind_area"], values["ind_target"],
                              values["ind_label"])
    except ValidationFailed as exc:
        return _pledge_page(request, session, scope, found, errors=exc.errors, values=values, status_code=400)
    flash(request, _("Indikatorn är tillagd."))
    return redirect(_url(scope, found.id, "#indicators"))


def _transition(request: Request, session: Session, scope: Scope, found: Pledge, action: Any, done: str,
                *args: Any) -> Response:
    try:
        action(session, scope, found, *args)
    except ValidationFailed as exc:
        return _pledge_page(request, session, scope, found, errors=exc.errors, status_code=400)
    flash(request, done)
    return redirect(_url(scope, found.id))


@edit_router.post("/{pledge_id}/submit")
def submit(request: Request, pledge_id: int, scope: Scope = Depends(staff_scope),
           session: Session = Depends(get_session)) -> Response:
    found = queries.pledge(session, scope.municipality_id, pledge_id)
    return _transition(request, session, scope, found, lifecycle.submit_for_review,
                       _("Löftet är skickat på granskning."))


@edit_router.post("/{pledge_id}/return")
def return_to_draft(request: Request, pledge_id: int, scope: Scope = Depends(staff_scope),
                    session: Session = Depends(get_session)) -> Response:
    found = queries.pledge(session, scope.municipality_id, pledge_id)
    return _transition(request, session, scope, found, lifecycle.return_to_draft, _("Löftet är ett utkast igen."))


@edit_router.post("/{pledge_id}/publish")
def publish(request: Request, pledge_id: int, form: FormData = Depends(read_form), scope: Scope = Depends(staff_scope),
            session: Session = Depends(get_session)) -> Response:
    """One side's signature; the second side's signature (another account) publishes."""
    found = queries.pledge(session, scope.municipality_id, pledge_id)
    try:
        published = lifecycle.sign(session, scope, found, form_str(form, "signed_on", 20))
    except ValidationFailed as exc:
        return _pledge_page(request, session, scope, found, errors=exc.errors, status_code=400)
    flash(request, _("Löftet är undertecknat av båda parter och publicerat.") if published
          else _("Din signatur är registrerad. Nu ska den andra parten signera med ett eget konto."))
    return redirect(_url(scope, found.id))


@edit_router.post("/{pledge_id}/close")
def close(request: Request, pledge_id: int, form: FormData = Depends(read_form), scope: Scope = Depends(staff_scope),
          session: Session = Depends(get_session)) -> Response:
    found = queries.pledge(session, scope.municipality_id, pledge_id)
    return _transition(request, session, scope, found, lifecycle.close_pledge, _("Löftet är avslutat."),
                       form_str(form, "confirm_close", 10) == "yes")


@edit_router.post("/{pledge_id}/reopen")
def reopen(request: Request, pledge_id: int, scope: Scope = Depends(staff_scope),
           session: Session = Depends(get_session)) -> Response:
    found = queries.pledge(session, scope.municipality_id, pledge_id)
    return _transition(request, session, scope, found, lifecycle.request_reopen,
                       _("Löftet öppnas igen som en ny version när både polisen och kommunen har signerat."))


@edit_router.post("/{pledge_id}/extend")
def extend(request: Request, pledge_id: int, form: FormData = Depends(read_form), scope: Scope = Depends(staff_scope),
           session: Session = Depends(get_session)) -> Response:
    found = queries.pledge(session, scope.municipality_id, pledge_id)
    try:
        proposal = changes.change(session, scope, found, "pledge.extend", None,
                                  {"ends_on": form_str(form, "extend_to", 20)}, new_version=True, note="")
    except ValidationFailed as exc:
        return _pledge_page(request, session, scope, found, errors=exc.errors, status_code=400)
    return _saved(request, scope, found, proposal, _("Löftet är förlängt."), "")


@edit_router.post("/{pledge_id}/proposals/{proposal_id}/decide")
def decide_proposal(request: Request, pledge_id: int, proposal_id: int, form: FormData = Depends(read_form),
                    scope: Scope = Depends(staff_scope), session: Session = Depends(get_session)) -> Response:
    """The other side approves (applies and publishes a new version) or rejects a proposed change."""
    found = queries.pledge(session, scope.municipality_id, pledge_id)
    row = queries.proposal_row(session, found, proposal_id)
    approve = form_str(form, "decision", 10) == "approve"
    try:
        changes.decide_proposal(session, scope, found, row, approve)
    except ValidationFailed as exc:
        return _pledge_page(request, session, scope, found, errors=exc.errors, status_code=400)
    flash(request, _("Ändringen är godkänd och publicerad som en ny version.") if approve
          else _("Ändringsförslaget är avvisat."))
    return redirect(_url(scope, found.id, "#proposals"))


def _translate_page(request: Request, session: Session, scope: Scope, found: Pledge, lang: str, *,
                    errors: dict[str, str] | None = None, status_code: int = 200) -> Response:
    focus, acts = queries.children(session, found)
    rows: list[dict[str, Any]] = [
        {"key": "pledge-title", "label": _("Rubrik"), "sv": found.title.get("sv", ""),
         "value": found.title.get(lang, "")},
        {"key": "pledge-intro", "label": _("Inledning"), "sv": found.intro.get("sv", ""),
         "value": found.intro.get(lang, ""), "long": True}]
    names = {"title": _("Rubrik"), "problem": _("Problembeskrivning"), "cause": _("Orsaksanalys"),
             "target_unit": _("Enhet"), "target_text": _("Mål i ord")}
    for fa in focus:
        for name in ("title", "problem", "cause"):
            texts = getattr(fa, name)
            if texts.get("sv"):
                rows.append({"key": f"fa-{fa.id}-{name}", "label": f"{localized(fa.title, 'sv')}: {names[name]}",
                             "sv": texts["sv"], "value": texts.get(lang, ""), "long": name != "title"})
    for act in acts:
        for name, label in (("title", _("Aktivitet")), ("target_unit", names["target_unit"]),
                            ("target_text", names["target_text"])):
            texts = getattr(act, name)
            if texts.get("sv"):
                rows.append({"key": f"act-{act.id}-{name}", "label": label, "sv": texts["sv"],
                             "value": texts.get(lang, ""), "long": name == "title"})
    langs = [(code, i18n.LANGUAGES[code].native_name) for code in scope.municipality.languages
             if code != "sv" and code in i18n.LANGUAGES]
    return render(request, "staff/pledges/translate.html", {
        **_base(scope), "pledge": found, "rows": rows, "target": lang, "langs": langs,
        "lang_name": i18n.LANGUAGES[lang].native_name if lang in i18n.LANGUAGES else lang,
        "text_dir": i18n.direction(lang), "errors": errors or {}}, status_code=status_code)


def _target_language(scope: Scope, raw: str | None) -> str:
    offered = [code for code in scope.municipality.languages if code != "sv" and code in i18n.LANGUAGES]
    return raw if raw in offered else (offered[0] if offered else "en")


@edit_router.get("/{pledge_id}/translate")
def translate_page(request: Request, pledge_id: int, scope: Scope = Depends(staff_scope),
                   session: Session = Depends(get_session)) -> Response:
    found = queries.pledge(session, scope.municipality_id, pledge_id)
    return _translate_page(request, session, scope, found,
                           _target_language(scope, request.query_params.get("to")))


@edit_router.post("/{pledge_id}/translate")
def translate(request: Request, pledge_id: int, form: FormData = Depends(read_form),
              scope: Scope = Depends(staff_scope), session: Session = Depends(get_session)) -> Response:
    found = queries.pledge(session, scope.municipality_id, pledge_id)
    lang = _target_language(scope, form_str(form, "to", 20))
    values = {str(key): form_str(form, str(key), 5000) for key in form if str(key).startswith(("pledge-", "fa-",
                                                                                               "act-"))}
    try:
        proposal = changes.change(session, scope, found, "pledge.translate", None, {**values, "lang": lang},
                                  new_version=True, note=_("Översättning (%(lang)s)") % {"lang": lang})
    except ValidationFailed as exc:
        return _translate_page(request, session, scope, found, lang, errors=exc.errors, status_code=400)
    if proposal is not None:
        return _saved(request, scope, found, proposal, "", "")
    flash(request, _("Översättningen är sparad."))
    return redirect(_url(scope, found.id, f"/translate?to={lang}"))


@view_router.get("/{pledge_id}/preview")
def preview(request: Request, pledge_id: int, scope: Scope = Depends(staff_scope),
            session: Session = Depends(get_session)) -> Response:
    """Exactly the public page (same template and data), for any status, in any of the municipality's languages."""
    found = queries.pledge(session, scope.municipality_id, pledge_id)
    from app.pledges import public_routes

    return public_routes.render_pledge(request, session, scope.municipality, found, preview=True)


@view_router.get("/{pledge_id}/report")
def report(request: Request, pledge_id: int, scope: Scope = Depends(staff_scope),
           session: Session = Depends(get_session)) -> Response:
    found = queries.pledge(session, scope.municipality_id, pledge_id)
    return render(request, "staff/pledges/report.html",
                  {**_base(scope), "pledge": found, "rows": followup.closing_report(session, found),
                   "view": public_view.pledge_view(session, found, "sv", updates_limit=0)})
