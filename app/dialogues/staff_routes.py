"""Staff pages of the dialogues domain. Every router here is under /staff/m/{municipality} and carries a permission.

Sign-ups are personal data: only the attendee list, check-in and CSV export (permission "edit") show them.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Depends, Request
from fastapi.responses import FileResponse, Response
from sqlmodel import Session
from starlette.datastructures import FormData, UploadFile

from app import i18n, mail, spreadsheets
from app.auth import Scope, require_permission, staff_scope
from app.deps import FormDep, OwnedEvent, ScopeDep, SessionDep, get_owned
from app.dialogues import mails, rules, service, walks
from app.dialogues.staff_forms import EventForm, MessageForm, ObservationForm
from app.errors import ValidationFailed
from app.i18n import gettext as _
from app.mail import outbox_files
from app.models.dialogues import (
    DialogueEvent,
    DialogueSignup,
    EventKind,
    ObservationCategory,
    ObservationStatus,
    SignupStatus,
    WalkObservation,
)
from app.web import flash, form_str, redirect, render

PREFIX = "/staff/m/{municipality}/dialogues"
edit_router = APIRouter(prefix=PREFIX, dependencies=[Depends(require_permission("edit"))])
view_router = APIRouter(prefix=PREFIX, dependencies=[Depends(staff_scope)])  # every role may read
# The edit router first: its fixed paths (/new, /outbox) must win over /{event_id}.
routers: list[APIRouter] = [edit_router, view_router]


def _owned_observation(observation_id: int, event: OwnedEvent, session: SessionDep) -> WalkObservation:
    return get_owned(session, WalkObservation, observation_id, event_id=event.id,
                     municipality_id=event.municipality_id)


def _owned_signup(signup_id: int, event: OwnedEvent, session: SessionDep) -> DialogueSignup:
    return get_owned(session, DialogueSignup, signup_id, event_id=event.id)


# The observation / sign-up named by the path, of the event named by the path, of the scope's municipality.
OwnedObservation = Annotated[WalkObservation, Depends(_owned_observation)]
OwnedSignup = Annotated[DialogueSignup, Depends(_owned_signup)]


def _common(scope: Scope) -> dict[str, Any]:
    return {"scope": scope, "kinds": service.kind_labels(), "text_in": mails.text_in, "when": rules.format_when}


def _path(request: Request, scope: Scope, name: str, **params: object) -> str:
    """The path of one of this domain's pages for the scope's municipality (a fragment to be appended)."""
    return str(request.app.url_path_for(name, municipality=scope.municipality.slug,
                                        **{key: str(value) for key, value in params.items()}))


def _event_path(request: Request, scope: Scope, event: DialogueEvent, name: str = "dialogues.staff_event") -> str:
    return _path(request, scope, name, event_id=event.id)


def _observation_path(request: Request, scope: Scope, observation: WalkObservation) -> str:
    return _path(request, scope, "dialogues.observation", event_id=observation.event_id,
                 observation_id=observation.id)


# ------------------------------------------------------------------------------------------------- events


@view_router.get("", name="dialogues.staff_events")
def events_page(request: Request, scope: ScopeDep, session: SessionDep) -> Response:
    return render(request, "staff/dialogues/index.html",
                  {**_common(scope), "rows": service.staff_events(session, scope)})


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
                  {**_common(scope), "event": event, "values": values, "errors": errors or {},
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


@edit_router.get("/new", name="dialogues.new_event")
def new_event_page(request: Request, scope: ScopeDep, session: SessionDep) -> Response:
    return _event_form(request, session, scope, None, _event_values(None, []))


@edit_router.post("/new", name="dialogues.create_event")
def create_event(request: Request, form: FormDep, scope: ScopeDep, session: SessionDep) -> Response:
    values, fields, errors = _parse_event(session, scope, form)
    if errors:
        return _event_form(request, session, scope, None, values, errors, 400)
    event, _ids = service.save_event(session, scope, None, fields)
    flash(request, _("Träffen är sparad och syns för invånarna."))
    return redirect(_event_path(request, scope, event))


@edit_router.get("/{event_id}/edit", name="dialogues.edit_event")
def edit_event_page(request: Request, event: OwnedEvent, scope: ScopeDep, session: SessionDep) -> Response:
    return _event_form(request, session, scope, event, _event_values(event, scope.municipality.languages))


@edit_router.post("/{event_id}/edit", name="dialogues.update_event")
def update_event(request: Request, event: OwnedEvent, background: BackgroundTasks, form: FormDep,
                 scope: ScopeDep, session: SessionDep) -> Response:
    values, fields, errors = _parse_event(session, scope, form)
    if errors:
        return _event_form(request, session, scope, event, values, errors, 400)
    saved, ids = service.save_event(session, scope, event, fields)
    mail.deliver_after_response(request.app, background, ids)
    flash(request, _("Ändringarna är sparade."))
    return redirect(_event_path(request, scope, saved))


@edit_router.post("/{event_id}/cancel", name="dialogues.cancel_event")
def cancel_event(request: Request, event: OwnedEvent, background: BackgroundTasks, scope: ScopeDep,
                 session: SessionDep) -> Response:
    target = _event_path(request, scope, event)
    ids = service.cancel_event(session, scope, event)
    mail.deliver_after_response(request.app, background, ids)
    flash(request, _("Träffen är inställd. %(n)s anmälda får ett e-brev.") % {"n": len(ids)})
    return redirect(target)


@view_router.get("/{event_id}", name="dialogues.staff_event")
def event_page(request: Request, event: OwnedEvent, scope: ScopeDep, session: SessionDep) -> Response:
    return render(request, "staff/dialogues/event.html",
                  {**_common(scope), "event": event, "counts": service.counts(session, event),
                   "observations": walks.observations(session, event.id or 0), "categories": walks.category_labels(),
                   "statuses": walks.observation_status_labels(), "deletion_date": mails.deletion_date(event)})


# ---------------------------------------------------------------------------------------- attendees


@edit_router.get("/{event_id}/attendees", name="dialogues.attendees")
def attendees_page(request: Request, event: OwnedEvent, scope: ScopeDep, session: SessionDep) -> Response:
    response = render(request, "staff/dialogues/attendees.html",
                      {**_common(scope), "event": event, "signups": service.attendees(session, event),
                       "counts": service.counts(session, event)})
    response.headers["Cache-Control"] = "no-store"  # personal data
    return response


@edit_router.get("/{event_id}/attendees.csv", name="dialogues.attendees_csv")
def attendees_csv(event: OwnedEvent, session: SessionDep) -> Response:
    rows = service.attendees(session, event)
    header = [_("Namn"), _("E-postadress"), _("Mobilnummer"), _("Antal personer"), _("Status"), _("Tolk"),
              _("Behov"), _("Närvarande")]
    body = spreadsheets.csv_bytes(header, [
        [s.name, s.email, s.phone, s.people, s.status, s.interpretation_language, s.needs,
         "" if s.attended is None else (_("Ja") if s.attended else _("Nej"))] for s in rows])
    return Response(body, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="deltagare-{event.id}.csv"',
                             "Cache-Control": "no-store"})


@edit_router.get("/{event_id}/checkin", name="dialogues.checkin_page")
def checkin_page(request: Request, event: OwnedEvent, scope: ScopeDep, session: SessionDep) -> Response:
    confirmed = [s for s in service.attendees(session, event) if s.status == SignupStatus.confirmed]
    response = render(request, "staff/dialogues/checkin.html",
                      {**_common(scope), "event": event, "signups": confirmed,
                       "counts": service.counts(session, event)})
    response.headers["Cache-Control"] = "no-store"  # personal data
    return response


@edit_router.post("/{event_id}/checkin/{signup_id}", name="dialogues.checkin")
def checkin(request: Request, event: OwnedEvent, signup: OwnedSignup, form: FormDep, scope: ScopeDep,
            session: SessionDep) -> Response:
    target = f"{_event_path(request, scope, event, 'dialogues.checkin_page')}#s{signup.id}"
    choice = form_str(form, "attended", 10)
    service.set_attendance(session, signup, {"yes": True, "no": False}.get(choice))
    return redirect(target)


@edit_router.post("/{event_id}/no-show", name="dialogues.no_show")
def mark_no_show(request: Request, event: OwnedEvent, scope: ScopeDep, session: SessionDep) -> Response:
    target = _event_path(request, scope, event, "dialogues.checkin_page")
    n = service.mark_rest_no_show(session, event)
    flash(request, _("%(n)s anmälda markerades som uteblivna.") % {"n": n})
    return redirect(target)


@edit_router.get("/{event_id}/message", name="dialogues.message")
def message_page(request: Request, event: OwnedEvent, scope: ScopeDep) -> Response:
    return render(request, "staff/dialogues/message.html", {**_common(scope), "event": event, "values": {}})


@edit_router.post("/{event_id}/message", name="dialogues.send_message")
def send_message(request: Request, event: OwnedEvent, background: BackgroundTasks, form: FormDep,
                 scope: ScopeDep, session: SessionDep) -> Response:
    message = MessageForm.parse(form)
    errors = message.problems()
    if errors:
        return render(request, "staff/dialogues/message.html",
                      {**_common(scope), "event": event, "values": message.values(), "errors": errors},
                      status_code=400)
    target = _event_path(request, scope, event)
    ids, without = service.message_all(session, scope, event, message.subject, message.body)
    mail.deliver_after_response(request.app, background, ids)
    flash(request, _("Meddelandet skickas till %(n)s personer. %(without)s anmälda har bara mobilnummer och "
                     "behöver nås på annat sätt.") % {"n": len(ids), "without": without})
    return redirect(target)


@edit_router.get("/outbox", name="dialogues.outbox")
def outbox_page(request: Request, scope: ScopeDep) -> Response:
    """Development: the e-mail that went to the local outbox folder for this municipality."""
    return render(request, "staff/dialogues/outbox.html",
                  {**_common(scope), "messages": outbox_files(mails.MUNICIPALITY_HEADER, scope.municipality.slug)})


# -------------------------------------------------------------------------------------- observations


def _observation_form(request: Request, session: Session, scope: Scope, event: DialogueEvent,
                      observation: WalkObservation | None, values: dict[str, str],
                      errors: dict[str, str] | None = None, status_code: int = 200) -> Response:
    photos = walks.photo_ids(session, [observation.id]) if observation and observation.id else {}
    return render(request, "staff/dialogues/observation_form.html",
                  {**_common(scope), "event": event, "observation": observation, "values": values,
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


@edit_router.get("/{event_id}/observations/new", name="dialogues.new_observation")
def new_observation_page(request: Request, event: OwnedEvent, scope: ScopeDep, session: SessionDep) -> Response:
    return _observation_form(request, session, scope, event, None, _observation_values(None))


@edit_router.post("/{event_id}/observations/new", name="dialogues.create_observation")
def create_observation(request: Request, event: OwnedEvent, form: FormDep, scope: ScopeDep,
                       session: SessionDep) -> Response:
    values, fields, errors = _parse_observation(session, scope, form)
    if errors:
        return _observation_form(request, session, scope, event, None, values, errors, 400)
    observation = walks.save_observation(session, scope, event, None, fields)
    flash(request, _("Iakttagelsen är sparad. Du kan lägga till foton nedan."))
    return redirect(_observation_path(request, scope, observation))


@edit_router.get("/{event_id}/observations/{observation_id}", name="dialogues.observation")
def observation_page(request: Request, event: OwnedEvent, observation: OwnedObservation, scope: ScopeDep,
                     session: SessionDep) -> Response:
    return _observation_form(request, session, scope, event, observation, _observation_values(observation))


@edit_router.post("/{event_id}/observations/{observation_id}", name="dialogues.update_observation")
def update_observation(request: Request, event: OwnedEvent, observation: OwnedObservation, form: FormDep,
                       scope: ScopeDep, session: SessionDep) -> Response:
    values, fields, errors = _parse_observation(session, scope, form)
    if errors:
        return _observation_form(request, session, scope, event, observation, values, errors, 400)
    saved = walks.save_observation(session, scope, event, observation, fields)
    flash(request, _("Iakttagelsen är sparad."))
    return redirect(_observation_path(request, scope, saved))


@edit_router.post("/{event_id}/observations/{observation_id}/photos", name="dialogues.upload_photo")
def upload_photo(request: Request, event: OwnedEvent, observation: OwnedObservation, form: FormDep,
                 scope: ScopeDep, session: SessionDep) -> Response:
    target = _observation_path(request, scope, observation)
    upload = form.get("photo")
    data = upload.file.read(walks.MAX_PHOTO_BYTES + 1) if isinstance(upload, UploadFile) else b""
    try:
        if not data:
            raise ValidationFailed({"photo": _("Välj en bild att ladda upp.")})
        walks.add_photo(session, scope, observation, data)
    except ValidationFailed as exc:
        return _observation_form(request, session, scope, event, observation, _observation_values(observation),
                                 exc.errors, 400)
    flash(request, _("Fotot är sparat, utan platsuppgifter och annan metadata."))
    return redirect(target)


@view_router.get("/photos/{photo_id}", name="dialogues.photo")
def photo(photo_id: int, scope: ScopeDep, session: SessionDep) -> Response:
    path, content_type = walks.staff_photo(session, scope, photo_id)
    return FileResponse(path, media_type=content_type, headers={"Cache-Control": "private, max-age=3600",
                                                                "X-Content-Type-Options": "nosniff"})
