"""Staff pages of the dialogues domain. Every router here is under /staff/m/{municipality} and carries a permission.

Sign-ups are personal data: only the attendee list, check-in and CSV export (permission "edit") show them.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, BackgroundTasks, Depends, Request
from fastapi.responses import FileResponse, Response
from sqlmodel import Session
from starlette.datastructures import FormData, UploadFile

from app import i18n, mail, spreadsheets
from app.auth import Scope, require_permission, staff_scope
from app.db import get_session
from app.dialogues import mails, rules, service, walks
from app.dialogues.forms import EventForm, ObservationForm
from app.errors import ValidationFailed
from app.i18n import gettext as _
from app.mail import outbox_files
from app.models.dialogues import (
    DialogueEvent,
    EventKind,
    ObservationCategory,
    ObservationStatus,
    SignupStatus,
    WalkObservation,
)
from app.web import flash, form_str, read_form, redirect, render

PREFIX = "/staff/m/{municipality}/dialogues"
edit_router = APIRouter(prefix=PREFIX, dependencies=[Depends(require_permission("edit"))])
view_router = APIRouter(prefix=PREFIX, dependencies=[Depends(staff_scope)])  # every role may read
# The edit router first: its fixed paths (/new, /outbox) must win over /{event_id}.
routers: list[APIRouter] = [edit_router, view_router]


def _base(scope: Scope) -> dict[str, Any]:
    return {"scope": scope, "kinds": service.kind_labels(), "text_in": mails.text_in, "when": rules.format_when,
            "base": f"/staff/m/{scope.municipality.slug}/dialogues"}


def _event_url(scope: Scope, event_id: int | None) -> str:
    return f"/staff/m/{scope.municipality.slug}/dialogues/{event_id}"


# ------------------------------------------------------------------------------------------------- events


@view_router.get("")
def events_page(request: Request, scope: Scope = Depends(staff_scope),
                session: Session = Depends(get_session)) -> Response:
    return render(request, "staff/dialogues/index.html",
                  {**_base(scope), "rows": service.staff_events(session, scope)})


def _event_values(event: DialogueEvent | None, languages: list[str]) -> dict[str, Any]:
    if event is None:
        return {"kind": EventKind.meeting.value, "capacity": "20",
                "max_people_per_signup": str(rules.DEFAULT_PEOPLE_PER_SIGNUP), "interpretation_languages": []}
    values: dict[str, Any] = {
        "kind": event.kind, "place": event.place, "area_id": str(event.area_id or ""),
        "latitude": "" if event.latitude is None else str(event.latitude),
        "longitude": "" if event.longitude is None else str(event.longitude),
        "starts_at": rules.to_local_input(event.starts_at), "ends_at": rules.to_local_input(event.ends_at),
        "capacity": str(event.capacity), "max_people_per_signup": str(event.max_people_per_signup),
        "signup_deadline": rules.to_local_input(event.signup_deadline),
        "interpretation_languages": event.interpretation_languages, "accessibility": event.accessibility,
        "related_url": event.related_url}
    for code in languages:
        values[f"title_{code}"] = event.title.get(code, "")
        values[f"description_{code}"] = event.description.get(code, "")
    return values


def _event_form(request: Request, session: Session, scope: Scope, event: DialogueEvent | None,
                values: dict[str, Any], errors: dict[str, str] | None = None, status_code: int = 200) -> Response:
    return render(request, "staff/dialogues/event_form.html",
                  {**_base(scope), "event": event, "values": values, "errors": errors or {},
                   "content_languages": [i18n.LANGUAGES[c] for c in scope.municipality.languages
                                         if c in i18n.LANGUAGES],
                   "all_languages": list(i18n.LANGUAGES.values()),
                   "areas": service.areas(session, scope.municipality_id),
                   "kind_options": list(service.kind_labels().items())}, status_code=status_code)


def _parse_event(session: Session, scope: Scope, form: FormData) -> tuple[dict[str, Any], dict[str, Any],
                                                                          dict[str, str]]:
    languages = list(scope.municipality.languages) or ["sv"]
    event_form = EventForm.parse(form, languages)
    area_ids = {a.id for a in service.areas(session, scope.municipality_id) if a.id is not None}
    errors = event_form.problems(languages, area_ids)
    fields = {} if errors else event_form.fields(area_ids, set(i18n.LANGUAGES))
    return event_form.values(), fields, errors


@edit_router.get("/new")
def new_event_page(request: Request, scope: Scope = Depends(staff_scope),
                   session: Session = Depends(get_session)) -> Response:
    return _event_form(request, session, scope, None, _event_values(None, []))


@edit_router.post("/new")
def create_event(request: Request, form: FormData = Depends(read_form), scope: Scope = Depends(staff_scope),
                 session: Session = Depends(get_session)) -> Response:
    values, fields, errors = _parse_event(session, scope, form)
    if errors:
        return _event_form(request, session, scope, None, values, errors, 400)
    event, _ids = service.save_event(session, scope, None, fields)
    flash(request, _("Träffen är sparad och syns för invånarna."))
    return redirect(_event_url(scope, event.id))


@edit_router.get("/{event_id}/edit")
def edit_event_page(request: Request, event_id: int, scope: Scope = Depends(staff_scope),
                    session: Session = Depends(get_session)) -> Response:
    event = service.staff_event(session, scope, event_id)
    return _event_form(request, session, scope, event, _event_values(event, scope.municipality.languages))


@edit_router.post("/{event_id}/edit")
def update_event(request: Request, event_id: int, background: BackgroundTasks, form: FormData = Depends(read_form),
                 scope: Scope = Depends(staff_scope), session: Session = Depends(get_session)) -> Response:
    event = service.staff_event(session, scope, event_id)
    values, fields, errors = _parse_event(session, scope, form)
    if errors:
        return _event_form(request, session, scope, event, values, errors, 400)
    _event, ids = service.save_event(session, scope, event_id, fields)
    mail.deliver_after_response(request.app, background, ids)
    flash(request, _("Ändringarna är sparade."))
    return redirect(_event_url(scope, event_id))


@edit_router.post("/{event_id}/cancel")
def cancel_event(request: Request, event_id: int, background: BackgroundTasks, scope: Scope = Depends(staff_scope),
                 session: Session = Depends(get_session)) -> Response:
    ids = service.cancel_event(session, scope, event_id)
    mail.deliver_after_response(request.app, background, ids)
    flash(request, _("Träffen är inställd. %(n)s anmälda får ett e-brev.") % {"n": len(ids)})
    return redirect(_event_url(scope, event_id))


@view_router.get("/{event_id}")
def event_page(request: Request, event_id: int, scope: Scope = Depends(staff_scope),
               session: Session = Depends(get_session)) -> Response:
    event = service.staff_event(session, scope, event_id)
    found = walks.observations(session, event_id)
    return render(request, "staff/dialogues/event.html",
                  {**_base(scope), "event": event, "counts": service.counts(session, event),
                   "observations": found, "categories": walks.category_labels(),
                   "statuses": walks.observation_status_labels(), "deletion_date": mails.deletion_date(event)})


# ---------------------------------------------------------------------------------------- attendees


@edit_router.get("/{event_id}/attendees")
def attendees_page(request: Request, event_id: int, scope: Scope = Depends(staff_scope),
                   session: Session = Depends(get_session)) -> Response:
    event = service.staff_event(session, scope, event_id)
    response = render(request, "staff/dialogues/attendees.html",
                      {**_base(scope), "event": event, "signups": service.attendees(session, scope, event_id),
                       "counts": service.counts(session, event)})
    response.headers["Cache-Control"] = "no-store"  # personal data
    return response


@edit_router.get("/{event_id}/attendees.csv")
def attendees_csv(event_id: int, scope: Scope = Depends(staff_scope),
                  session: Session = Depends(get_session)) -> Response:
    rows = service.attendees(session, scope, event_id)
    header = [_("Namn"), _("E-postadress"), _("Mobilnummer"), _("Antal personer"), _("Status"), _("Tolk"),
              _("Behov"), _("Närvarande")]
    body = spreadsheets.csv_bytes(header, [
        [s.name, s.email, s.phone, s.people, s.status, s.interpretation_language, s.needs,
         "" if s.attended is None else (_("Ja") if s.attended else _("Nej"))] for s in rows])
    return Response(body, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="deltagare-{event_id}.csv"',
                             "Cache-Control": "no-store"})


@edit_router.get("/{event_id}/checkin")
def checkin_page(request: Request, event_id: int, scope: Scope = Depends(staff_scope),
                 session: Session = Depends(get_session)) -> Response:
    event = service.staff_event(session, scope, event_id)
    confirmed = [s for s in service.attendees(session, scope, event_id) if s.status == SignupStatus.confirmed]
    response = render(request, "staff/dialogues/checkin.html",
                      {**_base(scope), "event": event, "signups": confirmed, "counts": service.counts(session, event)})
    response.headers["Cache-Control"] = "no-store"  # personal data
    return response


@edit_router.post("/{event_id}/checkin/{signup_id}")
def checkin(request: Request, event_id: int, signup_id: int, form: FormData = Depends(read_form),
            scope: Scope = Depends(staff_scope), session: Session = Depends(get_session)) -> Response:
    choice = form_str(form, "attended", 10)
    attended = {"yes": True, "no": False}.get(choice)
    service.set_attendance(session, scope, event_id, signup_id, attended)
    return redirect(f"{_event_url(scope, event_id)}/checkin#s{signup_id}")


@edit_router.post("/{event_id}/no-show")
def mark_no_show(request: Request, event_id: int, scope: Scope = Depends(staff_scope),
                 session: Session = Depends(get_session)) -> Response:
    n = service.mark_rest_no_show(session, scope, event_id)
    flash(request, _("%(n)s anmälda markerades som uteblivna.") % {"n": n})
    return redirect(f"{_event_url(scope, event_id)}/checkin")


@edit_router.get("/{event_id}/message")
def message_page(request: Request, event_id: int, scope: Scope = Depends(staff_scope),
                 session: Session = Depends(get_session)) -> Response:
    event = service.staff_event(session, scope, event_id)
    return render(request, "staff/dialogues/message.html", {**_base(scope), "event": event, "values": {}})


@edit_router.post("/{event_id}/message")
def send_message(request: Request, event_id: int, background: BackgroundTasks, form: FormData = Depends(read_form),
                 scope: Scope = Depends(staff_scope), session: Session = Depends(get_session)) -> Response:
    event = service.staff_event(session, scope, event_id)
    values = {"subject": form_str(form, "subject", 200), "body": form_str(form, "body", 5000)}
    try:
        ids, without = service.message_all(session, scope, event_id, values["subject"], values["body"])
    except ValidationFailed as exc:
        return render(request, "staff/dialogues/message.html",
                      {**_base(scope), "event": event, "values": values, "errors": exc.errors}, status_code=400)
    mail.deliver_after_response(request.app, background, ids)
    flash(request, _("Meddelandet skickas till %(n)s personer. %(without)s anmälda har bara mobilnummer och "
                     "behöver nås på annat sätt.") % {"n": len(ids), "without": without})
    return redirect(_event_url(scope, event_id))


@edit_router.get("/outbox")
def outbox_page(request: Request, scope: Scope = Depends(staff_scope)) -> Response:
    """Development: the e-mail that went to the local outbox folder for this municipality."""
    return render(request, "staff/dialogues/outbox.html",
                  {**_base(scope), "messages": outbox_files(mails.MUNICIPALITY_HEADER, scope.municipality.slug)})


# -------------------------------------------------------------------------------------- observations


def _observation_form(request: Request, session: Session, scope: Scope, event: DialogueEvent,
                      observation: WalkObservation | None, values: dict[str, str],
                      errors: dict[str, str] | None = None, status_code: int = 200) -> Response:
    photos = walks.photo_ids(session, [observation.id]) if observation and observation.id else {}
    return render(request, "staff/dialogues/observation_form.html",
                  {**_base(scope), "event": event, "observation": observation, "values": values,
                   "errors": errors or {}, "areas": service.areas(session, scope.municipality_id),
                   "parties": walks.parties(session, scope.municipality_id),
                   "category_options": list(walks.category_labels().items()),
                   "status_options": list(walks.observation_status_labels().items()),
                   "photos": photos.get(observation.id or 0, []) if observation else []},
                  status_code=status_code)


def _observation_values(o: WalkObservation | None) -> dict[str, str]:
    if o is None:
        return {"category": ObservationCategory.lighting.value, "status": ObservationStatus.open.value}
    return {"area_id": str(o.area_id or ""), "landmark": o.landmark,
            "latitude": "" if o.latitude is None else str(o.latitude),
            "longitude": "" if o.longitude is None else str(o.longitude), "category": o.category,
            "problem": o.problem, "measure": o.measure, "party_id": str(o.party_id or ""),
            "deadline": o.deadline.isoformat() if o.deadline else "", "status": o.status,
            "rejection_reason": o.rejection_reason}


def _parse_observation(session: Session, scope: Scope, form: FormData) -> tuple[dict[str, str], dict[str, Any],
                                                                                dict[str, str]]:
    observation_form = ObservationForm.parse(form)
    area_ids = {a.id for a in service.areas(session, scope.municipality_id) if a.id is not None}
    party_ids = {p.id for p in walks.parties(session, scope.municipality_id) if p.id is not None}
    errors = observation_form.problems(area_ids, party_ids)
    fields = {} if errors else observation_form.fields(area_ids, party_ids)
    return observation_form.values(), fields, errors


@edit_router.get("/{event_id}/observations/new")
def new_observation_page(request: Request, event_id: int, scope: Scope = Depends(staff_scope),
                         session: Session = Depends(get_session)) -> Response:
    event = service.staff_event(session, scope, event_id)
    return _observation_form(request, session, scope, event, None, _observation_values(None))


@edit_router.post("/{event_id}/observations/new")
def create_observation(request: Request, event_id: int, form: FormData = Depends(read_form),
                       scope: Scope = Depends(staff_scope), session: Session = Depends(get_session)) -> Response:
    event = service.staff_event(session, scope, event_id)
    values, fields, errors = _parse_observation(session, scope, form)
    if errors:
        return _observation_form(request, session, scope, event, None, values, errors, 400)
    found = walks.save_observation(session, scope, event_id, None, fields)
    flash(request, _("Iakttagelsen är sparad. Du kan lägga till foton nedan."))
    return redirect(f"{_event_url(scope, event_id)}/observations/{found.id}")


@edit_router.get("/{event_id}/observations/{observation_id}")
def observation_page(request: Request, event_id: int, observation_id: int, scope: Scope = Depends(staff_scope),
                     session: Session = Depends(get_session)) -> Response:
    event = service.staff_event(session, scope, event_id)
    found = walks.staff_observation(session, scope, event_id, observation_id)
    return _observation_form(request, session, scope, event, found, _observation_values(found))


@edit_router.post("/{event_id}/observations/{observation_id}")
def update_observation(request: Request, event_id: int, observation_id: int, form: FormData = Depends(read_form),
                       scope: Scope = Depends(staff_scope), session: Session = Depends(get_session)) -> Response:
    event = service.staff_event(session, scope, event_id)
    found = walks.staff_observation(session, scope, event_id, observation_id)
    values, fields, errors = _parse_observation(session, scope, form)
    if errors:
        return _observation_form(request, session, scope, event, found, values, errors, 400)
    walks.save_observation(session, scope, event_id, observation_id, fields)
    flash(request, _("Iakttagelsen är sparad."))
    return redirect(f"{_event_url(scope, event_id)}/observations/{observation_id}")


@edit_router.post("/{event_id}/observations/{observation_id}/photos")
def upload_photo(request: Request, event_id: int, observation_id: int, form: FormData = Depends(read_form),
                 scope: Scope = Depends(staff_scope), session: Session = Depends(get_session)) -> Response:
    upload = form.get("photo")
    data = upload.file.read(walks.MAX_PHOTO_BYTES + 1) if isinstance(upload, UploadFile) else b""
    try:
        if not data:
            raise ValidationFailed({"photo": _("Välj en bild att ladda upp.")})
        walks.add_photo(session, scope, event_id, observation_id, data)
    except ValidationFailed as exc:
        event = service.staff_event(session, scope, event_id)
        found = walks.staff_observation(session, scope, event_id, observation_id)
        return _observation_form(request, session, scope, event, found, _observation_values(found), exc.errors, 400)
    flash(request, _("Fotot är sparat, utan platsuppgifter och annan metadata."))
    return redirect(f"{_event_url(scope, event_id)}/observations/{observation_id}")


@view_router.get("/photos/{photo_id}")
def photo(photo_id: int, scope: Scope = Depends(staff_scope), session: Session = Depends(get_session)) -> Response:
    path, content_type = walks.staff_photo(session, scope, photo_id)
    return FileResponse(path, media_type=content_type, headers={"Cache-Control": "private, max-age=3600",
                                                                "X-Content-Type-Options": "nosniff"})
