"""Public (resident) pages of the surveys domain: /s/<slug> start page with language choice (and letter code),
one page of questions at a time kept in a server-side draft, submission (PRG) and the confirmation page.

Integrity without identity: the draft cookie holds a random token (only its hash is stored); after an open-link
submission a signed cookie marks the browser as done; a per-client rate limit uses a salted in-memory hash.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from itsdangerous import BadSignature, Signer
from sqlmodel import Session
from starlette.datastructures import FormData

from app import clock, i18n, ratelimit
from app.config import get_settings
from app.db import Database, get_database
from app.deps import FormDep, SessionDep
from app.errors import ValidationFailed
from app.i18n import gettext as _
from app.models import Municipality
from app.models.surveys import Channel, Survey, SurveyDraft, SurveyMode
from app.surveys import answering, questionnaires, rules
from app.surveys.codes import format_code, normalise_code, token_hash
from app.web import LANG_COOKIE, add_cookie, client_address, form_str, read_form, redirect, render, request_language

router = APIRouter()

DRAFT_MAX_AGE = int(answering.DRAFT_LIFETIME.total_seconds())


def draft_cookie(survey: Survey) -> str:
    return f"sd{survey.id}"


def done_cookie(survey: Survey) -> str:
    return f"sdone{survey.id}"


def _signer() -> Signer:
    """Signs the survey id for the "this browser has answered" cookie (a plain HMAC: no JSON, no zlib)."""
    return Signer(get_settings().secret_key, salt="survey-done")


def has_answered(request: Request, survey: Survey) -> bool:
    raw = request.cookies.get(done_cookie(survey))
    if not raw:
        return False
    try:
        return _signer().unsign(raw).decode() == str(survey.id)
    except BadSignature:
        return False


def _survey_languages(survey: Survey) -> list[str]:
    return [lang for lang in survey.languages if lang in i18n.LANGUAGES] or ["sv"]


def page_language(request: Request, survey: Survey, draft: SurveyDraft | None = None) -> str:
    """The switcher's choice when the survey offers it, else the language chosen at the start."""
    wanted = request_language(request)
    offered = _survey_languages(survey)
    if wanted in offered:
        return wanted
    if draft is not None and draft.language in offered:
        return draft.language
    return offered[0]


def _closed(request: Request, survey: Survey, municipality: Municipality, lang: str) -> Response:
    return render(request, "public/surveys/closed.html", {"municipality": municipality, "survey": survey},
                  status_code=410, language=lang, languages=_survey_languages(survey))


def _message(request: Request, survey: Survey, municipality: Municipality, lang: str, title: str, text: str,
             status_code: int, continue_url: str = "") -> Response:
    return render(request, "public/surveys/message.html",
                  {"municipality": municipality, "survey": survey, "title": title, "text": text,
                   "continue_url": continue_url},
                  status_code=status_code, language=lang, languages=_survey_languages(survey))


def _code_required(survey: Survey) -> bool:
    return SurveyMode.open_link.value not in survey.modes and SurveyMode.letter_codes.value in survey.modes


@router.get("/s/{slug}", name="surveys.start_page")
def start_page(request: Request, slug: str, session: SessionDep, via: str = "", code: str = "") -> Response:
    survey, municipality = questionnaires.public_survey(session, slug)
    lang = page_language(request, survey)
    if not questionnaires.is_open(survey):
        return _closed(request, survey, municipality, lang)
    prefill = normalise_code(code[:40])  # a letter's QR code fills the field in; the resident still submits
    return _start(request, questionnaires.cached_questionnaire(session, survey), municipality, lang, via=via,
                  code=format_code(prefill) if prefill else "")


def _start(request: Request, questionnaire: questionnaires.Questionnaire, municipality: Municipality, lang: str, *,
           via: str = "", errors: dict[str, str] | None = None, status_code: int = 200, code: str = "") -> Response:
    survey = questionnaire.survey
    answered = has_answered(request, survey) and not _code_required(survey)
    return render(request, "public/surveys/start.html",
                  {"municipality": municipality, "survey": survey, "q": questionnaire,
                   "title": questionnaire.title(lang), "intro": questionnaire.intro(lang),
                   "offered": [i18n.LANGUAGES[c] for c in _survey_languages(survey)],
                   "via": "qr" if via == "qr" else "", "answered": answered,
                   "code_mode": SurveyMode.letter_codes.value in survey.modes, "code_required": _code_required(survey),
                   "code": code,
                   "open_link": SurveyMode.open_link.value in survey.modes, "errors": errors or {},
                   "pages": len(rules.visible_pages(questionnaire.questions, {}))},
                  status_code=status_code, language=lang, languages=_survey_languages(survey))


@router.post("/s/{slug}/start", name="surveys.start")
async def start(request: Request, slug: str, form: FormDep, database: Database = Depends(get_database)) -> Response:
    """Starts a draft. Async like the page posts: the new draft is written by the group committer."""
    survey, municipality, questionnaire = await questionnaires.public_bundle(database, slug)
    chosen = form_str(form, "language", 12)
    lang = chosen if chosen in _survey_languages(survey) else page_language(request, survey)
    if not questionnaires.is_open(survey):
        return _closed(request, survey, municipality, lang)
    via = form_str(form, "via", 10)
    if via not in ("", "qr"):
        return _message(request, survey, municipality, lang, _("Något gick fel"),
                        _("Formuläret hade ändrats. Börja om från enkätens första sida."), 400)
    raw_code = form_str(form, "code", 40)
    i18n.set_language(lang)
    if chosen not in _survey_languages(survey):
        return _start(request, questionnaire, municipality, lang, via=via, status_code=400,
                      errors={"language-" + _survey_languages(survey)[0]: _("Välj ett språk.")})
    if has_answered(request, survey) and not raw_code and not _code_required(survey):
        return _message(request, survey, municipality, lang, _("Du har redan svarat"),
                        _("Den här webbläsaren har redan skickat in svar på enkäten. Tack för att du deltog!"), 409)
    token = await database.write(answering.begin_drafts, answering.DraftStart(
        survey, lang, Channel.qr if via == "qr" else Channel.web, raw_code, **_code_limit(request)))
    if isinstance(token, answering.TooManyRequests):
        return _message(request, survey, municipality, lang, _("För många försök"), token.message, 429)
    if isinstance(token, ValidationFailed):
        return _start(request, questionnaire, municipality, lang, via=via, errors=token.errors, status_code=400,
                      code=raw_code)
    response = redirect(f"/s/{survey.slug}/1")
    set_draft_cookie(response, survey, token)
    response.set_cookie(LANG_COOKIE, lang, max_age=365 * 24 * 3600, samesite="lax", httponly=True,
                        secure=get_settings().secure_cookies)
    return response


def set_draft_cookie(response: Response, survey: Survey, token: str) -> None:
    response.set_cookie(draft_cookie(survey), token, max_age=DRAFT_MAX_AGE, httponly=True, samesite="lax",
                        secure=get_settings().secure_cookies, path="/s/")


def _context(request: Request, session: Session, slug: str) -> tuple[Survey, Municipality, SurveyDraft | None]:
    survey, municipality = questionnaires.public_survey(session, slug)
    draft = answering.find_draft(session, survey, request.cookies.get(draft_cookie(survey)))
    return survey, municipality, draft


@router.get("/s/{slug}/{page:int}", name="surveys.page")
def question_page(request: Request, slug: str, page: int, session: SessionDep) -> Response:
    survey, municipality, draft = _context(request, session, slug)
    lang = page_language(request, survey, draft)
    if not questionnaires.is_open(survey):
        return _closed(request, survey, municipality, lang)
    if draft is None or draft.submitted:
        return redirect(f"/s/{survey.slug}")
    questionnaire = questionnaires.cached_questionnaire(session, survey)
    pages = rules.visible_pages(questionnaire.questions, draft.answers)
    if page not in pages:
        return redirect(f"/s/{survey.slug}/{pages[0] if pages else 1}")
    values: dict[str, list[str]] = {}
    for question in rules.page_questions(questionnaire.questions, page, draft.answers):
        values.update(rules.as_form(question, draft.answers.get(question.code)))
    return _page(request, questionnaire, municipality, draft.answers, page, lang, rules.FormValues(values))


def _page(request: Request, questionnaire: questionnaires.Questionnaire, municipality: Municipality,
          answers: dict[str, Any], page: int, lang: str, values: rules.FormValues, *,
          errors: dict[str, str] | None = None, status_code: int = 200, preview: bool = False,
          preview_base: str = "") -> Response:
    pages = rules.visible_pages(questionnaire.questions, answers) if not preview else sorted(
        {q.page for q in questionnaire.questions})
    index = pages.index(page) if page in pages else 0
    questions = (rules.page_questions(questionnaire.questions, page, answers) if not preview else
                 [q for q in questionnaire.questions if q.page == page])
    survey = questionnaire.survey
    return render(request, "public/surveys/page.html",
                  {"municipality": municipality, "survey": survey, "q": questionnaire, "lang_code": lang,
                   "title": questionnaire.title(lang), "questions": questions, "values": values,
                   "errors": errors or {}, "page": page, "number": index + 1, "total": len(pages),
                   "previous": pages[index - 1] if index > 0 else None,
                   "last": index == len(pages) - 1, "preview": preview, "preview_base": preview_base,
                   "next_page": pages[index + 1] if index + 1 < len(pages) else None,
                   "ctx": {"areas": questionnaire.areas, "times": time_labels(), "localized": rules.localized,
                           "field_name": rules.field_name, "max_text": rules.MAX_TEXT,
                           "map_box": questionnaire.bounds.box, "map_polygons": map_polygons(questionnaire),
                           "code_label": rules.AREA_PREFIX}},
                  status_code=status_code, language=lang, languages=_survey_languages(survey))


def map_polygons(questionnaire: questionnaires.Questionnaire, max_points: int = 1500) -> str:
    """The area outlines for the map, as JSON; left out when large, to keep the page small on phones."""
    rings = questionnaire.bounds.polygons
    if sum(len(ring) for ring in rings) > max_points:
        return "[]"
    return json.dumps([[[round(x, 5), round(y, 5)] for x, y in ring] for ring in rings], separators=(",", ":"))


def time_labels() -> list[tuple[str, str]]:
    return [("morning", _("Morgon (06–10)")), ("day", _("Dag (10–18)")), ("evening", _("Kväll (18–22)")),
            ("night", _("Natt (22–06)"))]


def _form_values(form: FormData) -> rules.FormValues:
    """The answer fields (q-…), each a list of its values: at most 100 per field, each cut just past the limit."""
    data: dict[str, list[str]] = {}
    for key, value in form.multi_items():  # one pass: getlist per key would walk the whole form for each
        if key.startswith("q-") and isinstance(value, str):
            values = data.setdefault(key, [])
            if len(values) < 100:
                values.append(value[:rules.MAX_TEXT + 1])
    return rules.FormValues(data)


@router.post("/s/{slug}/{page:int}", name="surveys.answer")
async def answer_page(request: Request, slug: str, page: int, database: Database = Depends(get_database)) -> Response:
    """A posted page. Async, with no session: the draft is read, checked and saved (or submitted) by the group
    committer in one batch with other residents' pages (app/batching.py, answering.post_pages).
    The busiest route, so it reads the form itself rather than through a dependency (each costs on every call)."""
    form = await read_form(request)
    values = _form_values(form)
    outcome: answering.PageOutcome | None = None
    for fresh in (False, True):  # a stale cached questionnaire is read again once
        survey, municipality, questionnaire = await questionnaires.public_bundle(database, slug, fresh=fresh)
        lang = page_language(request, survey)
        i18n.set_language(lang)
        if not questionnaires.is_open(survey):
            return _closed(request, survey, municipality, lang)
        token = request.cookies.get(draft_cookie(survey), "")
        if not token or len(token) > 100:
            return _expired(request, survey, municipality, lang)
        if form_str(form, "page", 10) != str(page):
            return _form_changed(request, survey, municipality, lang)
        post = answering.PagePost(questionnaire, token_hash(token), page, values,
                                language=lang if lang in _survey_languages(survey) else None,
                                browser_done=has_answered(request, survey), **_rate_limit(request))
        outcome = await database.write(answering.post_pages, post)
        if outcome.kind != answering.Outcome.stale:
            break
    assert outcome is not None
    return _answered(request, questionnaire, municipality, outcome, page, values)


def _code_limit(request: Request) -> dict[str, Any]:
    """Wrong letter codes per client address and hour, counted across processes (guessing codes is slow work)."""
    client = client_address(request)
    return {"client_key": ratelimit.client_key("letter-code", client, clock.now()),
            "limit": get_settings().letter_code_failures_per_hour}


def _rate_limit(request: Request) -> dict[str, Any]:
    """Open-link submissions per client address and hour, counted across processes (0 turns it off). Behind a
    reverse proxy run uvicorn with --proxy-headers, or every resident shares the proxy's address."""
    limit = get_settings().survey_submissions_per_hour
    if not limit:
        return {}
    client = client_address(request)
    return {"client_key": ratelimit.client_key("survey-submit", client, clock.now()), "limit": limit}


def _answered(request: Request, questionnaire: questionnaires.Questionnaire, municipality: Municipality,
              outcome: answering.PageOutcome, page: int, values: rules.FormValues) -> Response:
    """The response to a posted page, by outcome."""
    survey, lang, kind = questionnaire.survey, outcome.language, outcome.kind
    i18n.set_language(lang)
    Outcome = answering.Outcome
    if kind == Outcome.next:
        return redirect(f"/s/{survey.slug}/{outcome.next_page}")
    if kind == Outcome.submitted:
        return _submitted(survey, outcome.channel)
    if kind in (Outcome.invalid, Outcome.missing, Outcome.changed):
        on_page = {rules.field_name(q) for q in rules.page_questions(questionnaire.questions, page, outcome.answers)}
        if set(outcome.errors) <= on_page:
            return _page(request, questionnaire, municipality, outcome.answers, page, lang, values,
                         errors=outcome.errors, status_code=400)
        # The problem is on another page (or the survey changed): say so, and lead back to the first page.
        return _message(request, survey, municipality, lang, _("Något saknas"), next(iter(outcome.errors.values())),
                        400, continue_url=f"/s/{survey.slug}/1")
    if kind == Outcome.closed:
        questionnaires.forget_questionnaire(survey)
        return _closed(request, survey, municipality, lang)
    if kind == Outcome.expired:
        return _expired(request, survey, municipality, lang)
    told = {  # outcome -> (title, text, status, lead back to the first page)
        Outcome.already_submitted: (_("Svaren är redan inskickade"),
                                    _("Dina svar är redan inskickade. De skickas bara in en gång. Tack!"), 409, False),
        Outcome.browser_done: (_("Du har redan svarat"), _("Den här webbläsaren har redan skickat in svar på "
                                                           "enkäten. Tack för att du deltog!"), 409, False),
        Outcome.rate_limited: (_("För många svar"), _("Många svar har skickats från din anslutning. Vänta en stund "
                                                      "och försök igen."), 429, False),
        Outcome.code_used: (_("Något gick fel"), _("Koden finns inte eller har redan använts."), 409, False),
        Outcome.stale: (_("Något saknas"), _("Enkäten har ändrats medan du svarade. Gå igenom svaren igen."), 409,
                        True),
    }
    if kind in told:
        title, text, status, back = told[kind]
        return _message(request, survey, municipality, lang, title, text, status,
                        continue_url=f"/s/{survey.slug}/1" if back else "")
    return _form_changed(request, survey, municipality, lang)  # Outcome.wrong_page


def _expired(request: Request, survey: Survey, municipality: Municipality, lang: str) -> Response:
    return _message(request, survey, municipality, lang, _("Sidan har gått ut"),
                    _("Vi hittar inte dina påbörjade svar. De sparas i två dygn. Börja om från enkätens "
                      "första sida."), 400)


def _form_changed(request: Request, survey: Survey, municipality: Municipality, lang: str) -> Response:
    return _message(request, survey, municipality, lang, _("Något gick fel"),
                    _("Formuläret hade ändrats. Gå tillbaka till enkätens första sida och försök igen."), 400)


def _submitted(survey: Survey, channel: Channel) -> Response:
    response = redirect(f"/s/{survey.slug}/tack" + ("?assisted=1" if channel == Channel.assisted else ""))
    secure = get_settings().secure_cookies
    add_cookie(response, draft_cookie(survey), '""', max_age=0, path="/s/", secure=secure)
    if channel in (Channel.web, Channel.qr):
        add_cookie(response, done_cookie(survey), _signer().sign(str(survey.id)).decode(), max_age=365 * 24 * 3600,
                   path="/s/", secure=secure)
    return response


@router.get("/s/{slug}/tack", name="surveys.thanks")
def thanks(request: Request, slug: str, session: SessionDep, assisted: str = "") -> Response:
    survey, municipality = questionnaires.public_survey(session, slug)
    lang = page_language(request, survey)
    questionnaire = questionnaires.cached_questionnaire(session, survey)
    staff = "session" in request.scope and request.session.get("uid") is not None and assisted == "1"
    return render(request, "public/surveys/thanks.html",
                  {"municipality": municipality, "survey": survey, "title": questionnaire.title(lang),
                   "assisted": staff, "closes_on": survey.closes_on,
                   "results_id": questionnaires.latest_results(session, survey)},
                  language=lang, languages=_survey_languages(survey))


def preview_page(request: Request, session: Session, survey: Survey, municipality: Municipality, page: int,
                 lang: str, base: str) -> Response:
    """Staff preview: the resident's page exactly, with no draft and a form that posts nowhere."""
    questionnaire = questionnaires.load_questionnaire(session, survey)
    return _page(request, questionnaire, municipality, {}, page, lang, rules.FormValues({}), preview=True,
                 preview_base=base)

