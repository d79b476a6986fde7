"""Public (resident) pages of the pledges domain: the pledge pages, the embeddable card, the Atom feed,
attachments, and the e-mail subscription with double opt-in and one-click unsubscribe."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, Response
from markupsafe import Markup
from sqlmodel import Session, select
from starlette.datastructures import FormData

from app import i18n, places
from app.cache.pages import public_page
from app.cache.versions import CONTENT
from app.concerns import svg
from app.config import get_settings
from app.db import get_session
from app.errors import NotFound, ValidationFailed
from app.i18n import gettext as _
from app.models import Area, Municipality
from app.models.pledges import Pledge, PledgeUpdate, UpdateState
from app.pledges import feed, followup, forms, public_view, queries, results, subscribers
from app.pledges.rules import localized
from app.web import (
    client_over_limit,
    flash,
    form_line,
    mail_limit_text,
    read_form,
    redirect,
    render,
    too_many_requests_text,
    use_request_language,
)

router = APIRouter()


def _context(municipality: Municipality) -> dict[str, object]:
    return {"municipality": municipality,
            "party_labels": forms.party_kind_labels(), "progress_rule": forms.progress_rule()}


def render_pledge(request: Request, session: Session, municipality: Municipality, found: Pledge, *,
                  preview: bool = False) -> Response:
    lang = use_request_language(request)
    view = public_view.pledge_view(session, found, lang)
    return render(request, "public/pledges/pledge.html",
                  {**_context(municipality), "view": view, "preview": preview,
                   "result_waves": results.pledge_result_waves(session, found),
                   "agreements": public_view.agreements_for(session, found),
                   "subscribe_values": {}, "errors": {}}, languages=municipality.languages)


@router.get("/m/{slug}/pledges", name="pledges.index")
@public_page(CONTENT)
def pledges_page(request: Request, slug: str, area: str = "", session: Session = Depends(get_session)) -> Response:
    municipality = places.municipality_by_slug(session, slug)
    lang = use_request_language(request)
    chosen = None
    if area:
        chosen = session.exec(select(Area).where(Area.municipality_id == municipality.id, Area.slug == area)).first()
        if chosen is None:
            raise NotFound
    current, archive = public_view.public_pledges(session, municipality.id or 0, chosen.id if chosen else None)
    views = [public_view.pledge_view(session, p, lang, updates_limit=0) for p in current]
    return render(request, "public/pledges/index.html",
                  {**_context(municipality), "current": views, "area": chosen,
                   "archive": [{"id": p.id, "title": localized(p.title, lang), "starts_on": p.starts_on,
                                "ends_on": p.ends_on} for p in archive],
                   "areas": places.areas(session, municipality.id or 0), "subscribe_values": {}},
                  languages=municipality.languages)


@router.get("/m/{slug}/pledges/feed.atom", name="pledges.feed")
def atom_feed(slug: str, session: Session = Depends(get_session)) -> Response:
    municipality = places.municipality_by_slug(session, slug)
    body = feed.atom(municipality, public_view.feed_entries(session, municipality.id or 0))
    return Response(body, media_type="application/atom+xml; charset=utf-8")


@router.get("/m/{slug}/pledges/files/{attachment_id}", name="pledges.public_file")
def public_file(slug: str, attachment_id: int, session: Session = Depends(get_session)) -> Response:
    municipality = places.municipality_by_slug(session, slug)
    from app.models.pledges import PledgeAttachment

    row = session.get(PledgeAttachment, attachment_id)
    update = session.get(PledgeUpdate, row.update_id) if row else None
    if row is None or update is None or update.state != UpdateState.published:  # pending/withdrawn: not public
        raise NotFound
    found = public_view.public_pledge(session, municipality.id or 0, update.pledge_id)
    path = followup.attachment_path(queries.attachment(session, found, attachment_id))
    if not path.is_file():
        raise NotFound
    # no-cache: caches may keep it but must ask again on each use, so a withdrawn update's file is gone at once.
    return FileResponse(path, media_type=row.content_type,
                        headers={"Cache-Control": "public, no-cache", **followup.attachment_headers(row)})


@router.get("/m/{slug}/pledges/{pledge_id}", name="pledges.pledge")
@public_page(CONTENT)
def pledge_page(request: Request, slug: str, pledge_id: int, session: Session = Depends(get_session)) -> Response:
    municipality = places.municipality_by_slug(session, slug)
    return render_pledge(request, session, municipality, public_view.public_pledge(session, municipality.id or 0,
                                                                                pledge_id))


@router.get("/m/{slug}/pledges/{pledge_id}/card", name="pledges.card")
def pledge_card(request: Request, slug: str, pledge_id: int, session: Session = Depends(get_session)) -> Response:
    """The compact progress card a municipality may embed on its own site: the one page allowed in a frame."""
    municipality = places.municipality_by_slug(session, slug)
    found = public_view.public_pledge(session, municipality.id or 0, pledge_id)
    request.scope.setdefault("state", {})["embeddable"] = True
    lang = use_request_language(request)
    return render(request, "public/pledges/card.html",
                  {**_context(municipality), "view": public_view.pledge_view(session, found, lang, updates_limit=1)},
                  languages=municipality.languages)


# --- "Det här sa ni": the public results of closed waves and what was done with them ----------------------

@router.get("/m/{slug}/results", name="pledges.results_index")
@public_page(CONTENT)
def results_index(request: Request, slug: str, session: Session = Depends(get_session)) -> Response:
    municipality = places.municipality_by_slug(session, slug)
    return render(request, "public/results/index.html",
                  {"municipality": municipality, "result_waves": results.closed_waves(session, municipality.id or 0)},
                  languages=municipality.languages)


@router.get("/m/{slug}/results/{survey_id}", name="pledges.results")
@public_page(CONTENT)
def results_page(request: Request, slug: str, survey_id: int, session: Session = Depends(get_session)) -> Response:
    municipality = places.municipality_by_slug(session, slug)
    lang = use_request_language(request)
    found = results.wave_results(session, municipality, survey_id, lang)
    return render(request, "public/results/results.html",
                  {**_context(municipality), "r": found, "chart": _ranking_chart(found, lang)},
                  languages=municipality.languages)


@router.get("/m/{slug}/results/{survey_id}/card", name="pledges.results_card")
def results_card(request: Request, slug: str, survey_id: int, session: Session = Depends(get_session)) -> Response:
    """The top concerns and what is done about them, for a municipality to embed on its own site."""
    municipality = places.municipality_by_slug(session, slug)
    lang = use_request_language(request)
    found = results.wave_results(session, municipality, survey_id, lang)
    request.scope.setdefault("state", {})["embeddable"] = True
    return render(request, "public/results/card.html", {**_context(municipality), "r": found},
                  languages=municipality.languages)


def _ranking_chart(found: results.WaveResults, lang: str) -> Markup:
    few = _("för få svar")
    bars = [svg.Bar(c.row.label, c.row.cell.share, c.row.cell.low, c.row.cell.high,
                    few if c.row.cell.share is None else f"{100 * c.row.cell.share:.0f} %") for c in found.concerns]
    label = _("Diagram: andel som ser problemet som stort, med 95-procentigt osäkerhetsintervall. Samma siffror "
              "finns i tabellen.")
    return svg.bar_chart(bars, label=label, rtl=i18n.direction(lang) == "rtl")


@router.post("/m/{slug}/pledges/subscribe", name="pledges.subscribe")
def subscribe(request: Request, slug: str, form: FormData = Depends(read_form),
              session: Session = Depends(get_session)) -> Response:
    municipality = places.municipality_by_slug(session, slug)
    email = form_line(form, "email", 254)
    lang = use_request_language(request)
    if client_over_limit(request, session, "subscribe", get_settings().signups_per_client_hour):
        return render(request, "public/pledges/subscribe.html",
                      {**_context(municipality), "errors": {"email": too_many_requests_text()},
                       "subscribe_values": {"email": email}}, languages=municipality.languages, status_code=429)
    try:
        subscribers.subscribe(session, municipality, email, lang)
    except ValidationFailed as exc:
        return render(request, "public/pledges/subscribe.html",
                      {**_context(municipality), "errors": exc.errors, "subscribe_values": {"email": email}},
                      languages=municipality.languages, status_code=400)
    # The same words whether a mail went out or not (unknown, confirmed or limited address): nothing to probe.
    return render(request, "public/pledges/message.html",
                  {**_context(municipality), "heading": _("Kontrollera din e-post"),
                   "text": _("Om adressen stämmer har vi skickat ett mejl med en länk. Prenumerationen börjar "
                             "först när du har klickat på länken.") + " " + mail_limit_text()},
                  languages=municipality.languages)


@router.get("/m/{slug}/pledges/confirm/{token}", name="pledges.confirm_page")
def confirm_page(request: Request, slug: str, token: str, session: Session = Depends(get_session)) -> Response:
    """The link in the confirmation mail. Only the button on this page confirms: mail scanners that open every
    link must not subscribe anyone (double opt-in means the person chose it)."""
    municipality = places.municipality_by_slug(session, slug)
    subscribers.subscriber(session, municipality, token)
    return _token_action(request, municipality, token, "confirm", _("Bekräfta prenumerationen"),
                         _("Du får e-post när medborgarlöftena följs upp. Du kan avsluta när du vill."),
                         _("Ja, skicka mig uppdateringar"))


@router.post("/m/{slug}/pledges/confirm/{token}", name="pledges.confirm")
def confirm(request: Request, slug: str, token: str, session: Session = Depends(get_session)) -> Response:
    municipality = places.municipality_by_slug(session, slug)
    subscribers.confirm(session, municipality, token)
    flash(request, _("Tack! Du får nu e-post när medborgarlöftena följs upp."))
    return redirect(request.app.url_path_for("pledges.index", slug=slug))


@router.get("/m/{slug}/pledges/unsubscribe/{token}", name="pledges.unsubscribe_page")
def unsubscribe_page(request: Request, slug: str, token: str, session: Session = Depends(get_session)) -> Response:
    municipality = places.municipality_by_slug(session, slug)
    subscribers.subscriber(session, municipality, token)
    return _token_action(request, municipality, token, "unsubscribe", _("Avsluta prenumerationen"),
                         _("Ett klick raderar din e-postadress hos oss."), _("Avsluta och radera min adress"))


def _token_action(request: Request, municipality: Municipality, token: str, action: str, heading: str, text: str,
                  button: str) -> Response:
    return render(request, "public/pledges/token_action.html",
                  {**_context(municipality), "token": token, "action": action, "heading": heading, "text": text,
                   "button": button}, languages=municipality.languages)


@router.post("/m/{slug}/pledges/unsubscribe/{token}", name="pledges.unsubscribe")
def unsubscribe(request: Request, slug: str, token: str, session: Session = Depends(get_session)) -> Response:
    municipality = places.municipality_by_slug(session, slug)
    subscribers.subscriber(session, municipality, token)
    subscribers.unsubscribe(session, token)
    return render(request, "public/pledges/message.html",
                  {**_context(municipality), "heading": _("Prenumerationen är avslutad"),
                   "text": _("Din e-postadress är raderad. Du får inga fler mejl från oss.")},
                  languages=municipality.languages)
