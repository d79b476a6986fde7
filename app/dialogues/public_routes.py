"""Public (resident) pages of the dialogues domain, the calendar file, the personal sign-up link, and the API."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, BackgroundTasks, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel
from sqlmodel import Session

from app import clock, i18n, mail, places
from app.cache.pages import public_page
from app.cache.versions import CONTENT, SIGNUPS
from app.config import get_settings
from app.deps import FormDep, SessionDep
from app.dialogues import forms, mails, rules, service, walks
from app.dialogues.forms import SignupForm
from app.errors import NotFound, ValidationFailed
from app.i18n import gettext as _
from app.models import Municipality
from app.models.dialogues import EventKind
from app.web import (
    client_over_limit,
    flash,
    mail_limit_text,
    redirect,
    render,
    request_language,
    too_many_requests_text,
    use_request_language,
)

router = APIRouter()
api_router = APIRouter(prefix="/api/v1", tags=["open data"])


def _path(request: Request, name: str, **params: object) -> str:
    return str(request.app.url_path_for(name, **{key: str(value) for key, value in params.items()}))


def _base(municipality: Municipality, lang: str) -> dict[str, object]:
    return {"municipality": municipality, "kinds": service.kind_labels(), "text_in": mails.text_in,
            "when": rules.format_when, "content_lang": lang,
            "language_names": {code: language.native_name for code, language in i18n.LANGUAGES.items()}}


@router.get("/m/{slug}/dialoger", name="dialogues.events")
@public_page(CONTENT, SIGNUPS)
def events_page(request: Request, slug: str, session: SessionDep, omrade: str = "") -> Response:
    municipality = places.municipality_by_slug(session, slug)
    area = service.area_by_slug(session, municipality.id or 0, omrade) if omrade else None
    rows = service.upcoming(session, municipality.id or 0, area.id if area else None)
    lang = request_language(request)
    return render(request, "public/dialogues/events.html",
                  {**_base(municipality, lang), "rows": rows, "area": area,
                   "areas": service.areas(session, municipality.id or 0),
                   "walks": service.past_walks(session, municipality.id or 0)},
                  languages=municipality.languages)


def _event_page(request: Request, session: Session, municipality: Municipality, event_id: int, *,
                values: dict[str, str] | None = None, errors: dict[str, str] | None = None,
                offer_waitlist: bool = False, status_code: int = 200) -> Response:
    row = service.public_event(session, municipality, event_id)
    lang = request_language(request)
    return render(request, "public/dialogues/event.html",
                  {**_base(municipality, lang), "row": row, "event": row.event, "values": values or {},
                   "errors": errors or {}, "offer_waitlist": offer_waitlist or row.seats_left == 0,
                   "closed": service.signup_problem(row.event, clock.now()),
                   "deletion_date": mails.deletion_date(row.event),
                   "max_people": min(row.event.max_people_per_signup, forms.MAX_PEOPLE),
                   "is_walk": row.event.kind == EventKind.safety_walk},
                  languages=municipality.languages, status_code=status_code)


@router.get("/m/{slug}/dialoger/{event_id}", name="dialogues.event")
@public_page(CONTENT, SIGNUPS)
def event_page(request: Request, slug: str, event_id: int, session: SessionDep) -> Response:
    return _event_page(request, session, places.municipality_by_slug(session, slug), event_id)


@router.get("/m/{slug}/dialoger/{event_id}/kalender.ics", name="dialogues.calendar")
def event_calendar(request: Request, slug: str, event_id: int, session: SessionDep) -> Response:
    municipality = places.municipality_by_slug(session, slug)
    event = service.public_event(session, municipality, event_id).event
    lang = request_language(request)
    url = f"{get_settings().base_url}/m/{municipality.slug}/dialoger/{event.id}"
    host = get_settings().base_url.split("://", 1)[-1].split("/", 1)[0]
    body = rules.ics_calendar(f"dialogue-event-{event.id}@{host}", event.starts_at, event.ends_at,
                              mails.text_in(event.title, lang), event.place, mails.text_in(event.description, lang),
                              url, event.created_at, cancelled=event.status != "published")
    return Response(body, media_type="text/calendar; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="event-{event.id}.ics"'})


@router.post("/m/{slug}/dialoger/{event_id}/anmalan", name="dialogues.sign_up")
def sign_up(request: Request, slug: str, event_id: int, background: BackgroundTasks,
            form: FormDep, session: SessionDep) -> Response:
    municipality = places.municipality_by_slug(session, slug)
    event = service.public_event(session, municipality, event_id).event
    signup_form = SignupForm.parse(form)
    values = signup_form.values()
    if client_over_limit(request, session, "signup", get_settings().signups_per_client_hour):
        return _event_page(request, session, municipality, event_id, values=values,
                           errors={"signup": too_many_requests_text()}, status_code=429)
    language = use_request_language(request)
    errors = signup_form.problems(event.interpretation_languages, event.max_people_per_signup)
    if errors:
        return _event_page(request, session, municipality, event_id, values=values, errors=errors, status_code=400)
    data = signup_form.to_input(language)
    try:
        outcome = service.sign_up(session, municipality, event_id, data, accept_waitlist=signup_form.wants_waitlist)
    except ValidationFailed as exc:
        return _event_page(request, session, municipality, event_id, values=values, errors=exc.errors,
                           status_code=400)
    if outcome.kind == "full":
        return _event_page(request, session, municipality, event_id, values=values, offer_waitlist=True,
                           errors={"waitlist": _("Platserna tog just slut. Kryssa i rutan om du vill stå på "
                                                 "väntelistan.")}, status_code=400)
    mail.deliver_after_response(request.app, background, outcome.mail_ids)
    if outcome.signup is None:  # the same contact again: nothing new stored, and nobody else's data shown
        flash(request, _("Du var redan anmäld med den kontaktuppgiften. Om du angav en e-postadress har vi "
                         "skickat länken till din anmälan igen."))
    if data.email:  # always said, limited or not: whether a mail went out must not tell when the address was used
        flash(request, mail_limit_text())
    if outcome.signup is None:
        return redirect(_path(request, "dialogues.event", slug=municipality.slug, event_id=event_id))
    return redirect(_path(request, "dialogues.my_signup", signed=service.signed_token(outcome.signup)))


@router.get("/m/{slug}/dialoger/{event_id}/rapport", name="dialogues.walk_report")
@public_page(CONTENT)
def walk_report(request: Request, slug: str, event_id: int, session: SessionDep) -> Response:
    municipality = places.municipality_by_slug(session, slug)
    row = service.public_event(session, municipality, event_id)
    if row.event.kind != EventKind.safety_walk:
        raise NotFound
    lang = request_language(request)
    return render(request, "public/dialogues/report.html",
                  {**_base(municipality, lang), "event": row.event,
                   "observations": walks.observations(session, row.event.id or 0),
                   "areas_by_id": {a.id: a.name for a in service.areas(session, municipality.id or 0)},
                   "parties_by_id": {p.id: p.name for p in walks.parties(session, municipality.id or 0)},
                   "categories": walks.category_labels(), "statuses": walks.observation_status_labels()},
                  languages=municipality.languages)


@router.get("/anmalan/{signed}", name="dialogues.my_signup")
def my_signup(request: Request, signed: str, session: SessionDep) -> Response:
    signup, event = service.signup_from_link(session, signed)
    municipality = session.get(Municipality, event.municipality_id)
    if municipality is None:
        raise NotFound
    lang = request_language(request)
    response = render(request, "public/dialogues/my_signup.html",
                      {**_base(municipality, lang), "signup": signup, "event": event, "signed": signed,
                       "deletion_date": mails.deletion_date(event)},
                      languages=municipality.languages)
    # Personal data behind a bearer link: never cached, and the link is not sent on to other sites.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@router.post("/anmalan/{signed}/avboka", name="dialogues.cancel_my_signup")
def cancel_my_signup(request: Request, signed: str, background: BackgroundTasks,
                     session: SessionDep) -> Response:
    use_request_language(request)
    ids = service.cancel_signup(session, signed)
    mail.deliver_after_response(request.app, background, ids)
    flash(request, _("Din anmälan är avbokad. Tack för att du meddelade oss!"))
    return redirect(_path(request, "dialogues.my_signup", signed=signed))


class EventOut(BaseModel):
    id: int
    kind: str
    title: dict[str, str]
    place: str
    latitude: float | None
    longitude: float | None
    starts_at: datetime
    ends_at: datetime
    signup_deadline: datetime | None
    capacity: int
    seats_left: int
    interpretation_languages: list[str]
    accessibility: str
    url: str
    calendar_url: str


@api_router.get("/events", response_model=list[EventOut], name="dialogues.api_events")
def list_events(session: SessionDep, municipality: str = Query(..., max_length=80)) -> list[EventOut]:
    """Upcoming dialogue events of a municipality, with seats left. No personal data."""
    found = places.municipality_by_slug(session, municipality)
    base = f"{get_settings().base_url}/m/{found.slug}/dialoger"
    return [EventOut(id=r.event.id or 0, kind=r.event.kind, title=r.event.title, place=r.event.place,
                     latitude=r.event.latitude, longitude=r.event.longitude, starts_at=r.event.starts_at,
                     ends_at=r.event.ends_at, signup_deadline=r.event.signup_deadline, capacity=r.event.capacity,
                     seats_left=r.seats_left, interpretation_languages=r.event.interpretation_languages,
                     accessibility=r.event.accessibility, url=f"{base}/{r.event.id}",
                     calendar_url=f"{base}/{r.event.id}/kalender.ics")
            for r in service.upcoming(session, found.id or 0)]


router.include_router(api_router)
