"""Staff pages of the surveys domain. Every router here is under /staff/m/{municipality} and carries a permission.

Reading needs only membership of the municipality ("view", which every role has, so the router carries the
scope itself); changes need "edit"; entering answers for a respondent at a stand needs "report".
"""

from __future__ import annotations

import io
from typing import Annotated

import segno
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlmodel import Session, col, select
from starlette.datastructures import FormData

from app import i18n
from app.auth import Scope, require_permission, staff_scope
from app.config import get_settings
from app.deps import FormDep, OwnedSurvey, ScopeDep, SessionDep, get_owned
from app.errors import Conflict, ValidationFailed
from app.i18n import gettext as _
from app.models import Area
from app.models.surveys import Channel, Question, QuestionOption, Survey, SurveyArea, SurveyMode
from app.surveys import (
    answering,
    authoring,
    letters,
    letters_service,
    public_routes,
    question_editing,
    questionnaires,
    responses_routes,
    rules,
    staff_forms,
)
from app.surveys.codes import format_code
from app.web import flash, form_str, redirect, render, request_language

PREFIX = "/staff/m/{municipality}/surveys"
view_router = APIRouter(prefix=PREFIX, dependencies=[Depends(staff_scope)])
edit_router = APIRouter(prefix=PREFIX, dependencies=[Depends(require_permission("edit"))])
report_router = APIRouter(prefix=PREFIX, dependencies=[Depends(require_permission("report"))])

routers: list[APIRouter] = [view_router, edit_router, report_router, *responses_routes.routers]


def _survey_question(question_id: int, survey: OwnedSurvey, session: SessionDep) -> Question:
    return get_owned(session, Question, question_id, survey_id=survey.id)


SurveyQuestion = Annotated[Question, Depends(_survey_question)]  # the survey's question named by {question_id}


def _survey_url(request: Request, scope: Scope, survey: Survey) -> str:
    return str(request.app.url_path_for("surveys.staff_survey", municipality=scope.municipality.slug,
                                        survey_id=str(survey.id)))


def public_url(survey: Survey) -> str:
    return f"{get_settings().base_url}/s/{survey.slug}"


def status_labels() -> dict[str, str]:
    return {"draft": _("Utkast"), "open": _("Öppen"), "closed": _("Stängd"), "archived": _("Arkiverad")}


def mode_labels() -> dict[str, str]:
    return {SurveyMode.open_link.value: _("Öppen länk och QR-kod"),
            SurveyMode.letter_codes.value: _("Koder i brev"),
            SurveyMode.assisted.value: _("Personal matar in svar (gatustånd)")}


def type_labels() -> dict[str, str]:
    return {"single": _("Ett svar"), "multiple": _("Flera svar"), "scale": _("Skala"),
            "matrix": _("Problembatteri (matris)"), "ranking": _("Rangordning"), "text": _("Fritext"),
            "place": _("Plats och tid"), "subarea": _("Delområde")}


def role_labels() -> dict[str, str]:
    return {"": _("Ingen (vanlig fråga)"), "age": _("Ålder"), "gender": _("Kön"), "subarea": _("Delområde"),
            "years": _("År i området"), "relation": _("Relation till området")}


# --- list and create ---------------------------------------------------------------------------------------


@view_router.get("", name="surveys.staff_list")
def surveys_page(request: Request, scope: ScopeDep, session: SessionDep) -> Response:
    return _list(request, session, scope)


def _list(request: Request, session: Session, scope: Scope, errors: dict[str, str] | None = None,
          title: str = "", status_code: int = 200) -> Response:
    return render(request, "staff/surveys/list.html",
                  {"scope": scope, "rows": authoring.list_surveys(session, scope, request_language(request)),
                   "statuses": status_labels(), "errors": errors or {}, "title_value": title},
                  status_code=status_code)


@edit_router.post("", name="surveys.create")
def create_survey(request: Request, form: FormDep, scope: ScopeDep, session: SessionDep) -> Response:
    title = form_str(form, "title", 300)
    try:
        survey = authoring.create_survey(session, scope, title=title, from_bank=form_str(form, "source", 10) == "bank")
    except ValidationFailed as exc:
        return _list(request, session, scope, exc.errors, title, 400)
    flash(request, _("Enkäten är skapad som utkast."))
    return redirect(_survey_url(request, scope, survey))


# --- one survey ----------------------------------------------------------------------------------------------


def _overview(request: Request, session: Session, scope: Scope, survey: Survey, *,
              errors: dict[str, str] | None = None, status_code: int = 200) -> Response:
    questionnaire = questionnaires.load_questionnaire(session, survey)
    areas = session.exec(select(Area).where(Area.municipality_id == scope.municipality_id)
                         .order_by(Area.name)).all()
    explicit = set(session.exec(select(SurveyArea.area_id).where(SurveyArea.survey_id == survey.id)).all())
    total, used = authoring.code_counts(session, survey)
    missing = questionnaires.missing_translations(questionnaire)
    return render(request, "staff/surveys/survey.html",
                  {"scope": scope, "survey": survey, "q": questionnaire,
                   "title": questionnaire.title("sv") or survey.slug,
                   "responses": authoring.response_count(session, survey), "statuses": status_labels(),
                   "modes": mode_labels(), "types": type_labels(), "public_url": public_url(survey),
                   "areas": areas, "chosen_areas": explicit, "covered": questionnaire.areas,
                   "offered_languages": [i18n.LANGUAGES[c] for c in dict.fromkeys(["sv", *scope.municipality.languages])
                                         if c in i18n.LANGUAGES],
                   "all_languages": i18n.LANGUAGES, "codes_total": total, "codes_used": used,
                   "missing_count": sum(len(v) for v in missing.values()),
                   "transitions": sorted(s.value for s in authoring.ALLOWED_TRANSITIONS[survey.status]),
                   "errors": errors or {}, "localized": rules.localized},
                  status_code=status_code)


@view_router.get("/{survey_id}", name="surveys.staff_survey")
def survey_page(request: Request, survey: OwnedSurvey, scope: ScopeDep, session: SessionDep) -> Response:
    return _overview(request, session, scope, survey)


@edit_router.post("/{survey_id}/settings", name="surveys.settings")
def survey_settings(request: Request, survey: OwnedSurvey, form: FormDep,
                    scope: ScopeDep, session: SessionDep) -> Response:
    try:
        authoring.update_settings(session, scope, survey, staff_forms.SettingsForm.parse(form))
    except ValidationFailed as exc:
        return _overview(request, session, scope, survey, errors=exc.errors, status_code=400)
    flash(request, _("Inställningarna är sparade."))
    return redirect(_survey_url(request, scope, survey))


@edit_router.post("/{survey_id}/status", name="surveys.status")
def survey_status(request: Request, survey: OwnedSurvey, form: FormDep,
                  scope: ScopeDep, session: SessionDep) -> Response:
    try:
        authoring.set_status(session, scope, survey, form_str(form, "status", 20))
    except ValidationFailed as exc:
        flash(request, next(iter(exc.errors.values())), "error")
    else:
        flash(request, _("Enkätens status är nu: %(status)s.") % {"status": status_labels()[survey.status]})
    return redirect(_survey_url(request, scope, survey))


@edit_router.post("/{survey_id}/copy", name="surveys.copy")
def survey_copy(request: Request, survey: OwnedSurvey, scope: ScopeDep, session: SessionDep) -> Response:
    copy = authoring.copy_as_next_wave(session, scope, survey)
    flash(request, _("Mätomgång %(wave)s är skapad som utkast med samma frågor.") % {"wave": copy.wave})
    return redirect(_survey_url(request, scope, copy))


# --- texts and translations ---------------------------------------------------------------------------------


def _text_languages(scope: Scope, survey: Survey) -> list[i18n.Language]:
    return [i18n.LANGUAGES[c] for c in survey.languages if c in i18n.LANGUAGES]


@edit_router.get("/{survey_id}/texts", name="surveys.texts")
def texts_page(request: Request, survey: OwnedSurvey, scope: ScopeDep, session: SessionDep) -> Response:
    questionnaire = questionnaires.load_questionnaire(session, survey)
    values = {}
    for lang in survey.languages:
        text = questionnaire.texts.get(lang)
        values[f"title-{lang}"] = text.title if text else ""
        values[f"intro-{lang}"] = text.intro if text else ""
    return render(request, "staff/surveys/texts.html",
                  {"scope": scope, "survey": survey, "langs": _text_languages(scope, survey), "values": values})


@edit_router.post("/{survey_id}/texts", name="surveys.texts_save")
def texts_save(request: Request, survey: OwnedSurvey, form: FormDep, scope: ScopeDep, session: SessionDep) -> Response:
    texts = staff_forms.TextsForm.parse(form, survey.languages)
    try:
        authoring.update_texts(session, scope, survey, texts)
    except ValidationFailed as exc:
        return render(request, "staff/surveys/texts.html",
                      {"scope": scope, "survey": survey, "langs": _text_languages(scope, survey),
                       "values": texts.values(), "errors": exc.errors}, status_code=400)
    flash(request, _("Texterna är sparade."))
    return redirect(_survey_url(request, scope, survey))


@view_router.get("/{survey_id}/translations", name="surveys.translations")
def translations_page(request: Request, survey: OwnedSurvey, scope: ScopeDep, session: SessionDep) -> Response:
    questionnaire = questionnaires.load_questionnaire(session, survey)
    return render(request, "staff/surveys/translations.html",
                  {"scope": scope, "survey": survey, "missing": questionnaires.missing_translations(questionnaire),
                   "all_languages": i18n.LANGUAGES})


# --- preview and QR code -------------------------------------------------------------------------------------


@view_router.get("/{survey_id}/preview", name="surveys.preview")
def preview(request: Request, survey: OwnedSurvey, scope: ScopeDep, session: SessionDep, page: int = 1,
            lang: str = "sv") -> Response:
    pages = sorted({q.page for q in questionnaires.load_questionnaire(session, survey).questions}) or [1]
    language = lang if lang in survey.languages and lang in i18n.LANGUAGES else "sv"
    base = request.app.url_path_for("surveys.preview", municipality=scope.municipality.slug, survey_id=str(survey.id))
    return public_routes.preview_page(request, session, survey, scope.municipality,
                                      page if page in pages else pages[0], language, str(base))


def _qr(survey: Survey) -> segno.QRCode:
    return segno.make(public_url(survey) + "?via=qr", error="m")


@view_router.get("/{survey_id}/qr.svg", name="surveys.qr_svg")
def qr_svg(survey: OwnedSurvey, scope: ScopeDep, session: SessionDep) -> Response:
    buffer = io.BytesIO()
    _qr(survey).save(buffer, kind="svg", scale=8, border=4, title=f"/s/{survey.slug}")
    return Response(buffer.getvalue(), media_type="image/svg+xml",
                    headers={"Content-Disposition": f'attachment; filename="enkat-{survey.slug}.svg"'})


@view_router.get("/{survey_id}/qr.png", name="surveys.qr_png")
def qr_png(survey: OwnedSurvey, scope: ScopeDep, session: SessionDep) -> Response:
    buffer = io.BytesIO()
    _qr(survey).save(buffer, kind="png", scale=10, border=4)
    return Response(buffer.getvalue(), media_type="image/png",
                    headers={"Content-Disposition": f'attachment; filename="enkat-{survey.slug}.png"'})


# --- questions ---------------------------------------------------------------------------------------------------


def _question_values(question: Question | None, options: list[QuestionOption], langs: list[str]) -> dict[str, str]:
    if question is None:
        return {"type": "single", "page": "1", "code": "", "role": "", "condition": ""}
    values = {"type": question.type, "page": str(question.page), "code": question.code, "role": question.role or "",
              "required": "1" if question.required else "",
              "condition": f"{question.condition_question_code}={question.condition_value_code}"
              if question.condition_question_code else ""}
    for name in ("min_choices", "max_choices", "scale_min", "scale_max"):
        values[name] = str(question.settings.get(name, ""))
    for lang in langs:
        values[f"text-{lang}"] = question.text.get(lang, "")
        values[f"help-{lang}"] = question.help.get(lang, "")
        for kind in ("option", "item"):
            values[f"{kind}s-{lang}"] = "\n".join(f"{o.code} = {o.label.get(lang, '')}" for o in options
                                                  if o.kind == kind and (o.label.get(lang) or lang == "sv"))
    return values


def _question_form(request: Request, session: Session, scope: Scope, survey: Survey, question: Question | None,
                   values: dict[str, str], errors: dict[str, str] | None = None, status_code: int = 200) -> Response:
    questionnaire = questionnaires.load_questionnaire(session, survey)
    conditions = [("", _("Visas alltid"))] + [
        (f"{q.code}={o.code}", f"{q.code} = {rules.localized(o.label, 'sv')}")
        for q in questionnaire.questions if question is None or q.code != question.code for o in q.options
        if q.type in ("single", "multiple", "scale")]
    return render(request, "staff/surveys/question.html",
                  {"scope": scope, "survey": survey, "question": question, "values": values,
                   "errors": errors or {}, "langs": _text_languages(scope, survey),
                   "types": list(type_labels().items()), "roles": list(role_labels().items()),
                   "conditions": conditions}, status_code=status_code)


def _values_from_form(form: FormData, survey: Survey) -> dict[str, str]:
    names = ["type", "code", "page", "required", "role", "condition", "min_choices", "max_choices", "scale_min",
             "scale_max"] + [f"{k}-{lang}" for lang in survey.languages for k in ("text", "help", "options", "items")]
    return {name: form_str(form, name, 20000) for name in names}


@edit_router.get("/{survey_id}/questions/new", name="surveys.question_new")
def question_new(request: Request, survey: OwnedSurvey, scope: ScopeDep, session: SessionDep) -> Response:
    return _question_form(request, session, scope, survey, None, _question_values(None, [], survey.languages))


@edit_router.post("/{survey_id}/questions", name="surveys.question_create")
def question_create(request: Request, survey: OwnedSurvey, form: FormDep,
                    scope: ScopeDep, session: SessionDep) -> Response:
    try:
        question_editing.guard_editable(session, survey)
        question_editing.save_question(session, scope, survey, staff_forms.QuestionForm.parse(form, survey.languages))
    except ValidationFailed as exc:
        return _question_form(request, session, scope, survey, None, _values_from_form(form, survey), exc.errors, 400)
    flash(request, _("Frågan är tillagd."))
    return redirect(_survey_url(request, scope, survey) + "#questions")


@edit_router.get("/{survey_id}/questions/{question_id}", name="surveys.question")
def question_edit(request: Request, survey: OwnedSurvey, question: SurveyQuestion, scope: ScopeDep,
                  session: SessionDep) -> Response:
    options = list(session.exec(select(QuestionOption).where(QuestionOption.question_id == question.id)
                                .order_by(col(QuestionOption.position))).all())
    return _question_form(request, session, scope, survey, question,
                          _question_values(question, options, survey.languages))


@edit_router.post("/{survey_id}/questions/{question_id}", name="surveys.question_save")
def question_save(request: Request, survey: OwnedSurvey, question: SurveyQuestion, form: FormDep,
                  scope: ScopeDep, session: SessionDep) -> Response:
    try:
        question_editing.guard_editable(session, survey)
        question_editing.save_question(session, scope, survey, staff_forms.QuestionForm.parse(form, survey.languages),
                                       question)
    except ValidationFailed as exc:
        return _question_form(request, session, scope, survey, question, _values_from_form(form, survey),
                              exc.errors, 400)
    flash(request, _("Frågan är sparad."))
    return redirect(_survey_url(request, scope, survey) + "#questions")


@edit_router.post("/{survey_id}/questions/{question_id}/move", name="surveys.question_move")
def question_move(request: Request, survey: OwnedSurvey, question: SurveyQuestion, form: FormDep,
                  scope: ScopeDep, session: SessionDep) -> Response:
    try:
        question_editing.guard_editable(session, survey)
    except Conflict as exc:
        flash(request, exc.message, "error")
        return redirect(_survey_url(request, scope, survey) + "#questions")
    try:
        question_editing.move_question(session, scope, survey, question, form_str(form, "direction", 10))
    except ValidationFailed as exc:
        flash(request, exc.message, "error")
    return redirect(_survey_url(request, scope, survey) + "#questions")


@edit_router.post("/{survey_id}/questions/{question_id}/delete", name="surveys.question_delete")
def question_delete(request: Request, survey: OwnedSurvey, question: SurveyQuestion, scope: ScopeDep,
                    session: SessionDep) -> Response:
    try:
        question_editing.guard_editable(session, survey)
        question_editing.delete_question(session, scope, survey, question)
    except (ValidationFailed, Conflict) as exc:
        flash(request, exc.message, "error")
    else:
        flash(request, _("Frågan är borttagen."))
    return redirect(_survey_url(request, scope, survey) + "#questions")


# --- letter codes --------------------------------------------------------------------------------------------


def _letter_text(session: Session, scope: Scope, survey: Survey) -> letters.LetterText:
    questionnaire = questionnaires.load_questionnaire(session, survey)
    langs = list(dict.fromkeys(["sv", *survey.languages]))
    titles = [(lang, text.title) for lang in langs if (text := questionnaire.texts.get(lang)) and text.title]
    return letters.LetterText(municipality=scope.municipality.name, titles=titles, public_url=public_url(survey),
                              instructions=letters.instructions(langs, public_url(survey)))


def _codes_download(session: Session, scope: Scope, survey: Survey, codes: list[str], kind: str,
                    layout: str = "letter") -> Response:
    if kind == "csv":
        data, media_type, name = letters.codes_csv(codes, public_url(survey)), "text/csv; charset=utf-8", "csv"
    else:
        data = letters.codes_pdf(_letter_text(session, scope, survey), codes, layout)
        media_type, name = "application/pdf", "pdf"
    return Response(data, media_type=media_type,
                    headers={"Content-Disposition": f'attachment; filename="koder-{survey.slug}.{name}"',
                             "Cache-Control": "no-store"})


@edit_router.post("/{survey_id}/codes", name="surveys.codes")
def codes_generate(request: Request, survey: OwnedSurvey, form: FormDep,
                   scope: ScopeDep, session: SessionDep) -> Response:
    try:
        codes = authoring.generate_codes(session, scope, survey, form_str(form, "count", 10))
    except ValidationFailed as exc:
        return _overview(request, session, scope, survey, errors=exc.errors, status_code=400)
    kind = form_str(form, "format", 10)
    if kind == "csv" or (kind == "pdf" and len(codes) <= letters_service.PART):
        return _codes_download(session, scope, survey, codes, kind)
    # The page is the only place the codes exist: its download forms carry them in signed, short-lived batch tokens.
    parts = [codes[i:i + letters_service.PART] for i in range(0, len(codes), letters_service.PART)]
    response = render(request, "staff/surveys/codes.html",
                      {"scope": scope, "survey": survey, "codes": [format_code(c) for c in codes],
                       "all_codes": letters_service.batch_token(scope, survey, codes),
                       "parts": [(i * letters_service.PART + 1, letters_service.batch_token(scope, survey, p), len(p))
                                 for i, p in enumerate(parts)],
                       "minutes": letters_service.BATCH_TOKEN_SECONDS // 60,
                       "public_url": public_url(survey)})
    response.headers["Cache-Control"] = "no-store"
    return response


@edit_router.post("/{survey_id}/codes/download", name="surveys.codes_download")
def codes_download(request: Request, survey: OwnedSurvey, form: FormDep,
                   scope: ScopeDep, session: SessionDep) -> Response:
    """The batch just generated, again, as PDF or CSV, from the generating page's signed batch token: only by the
    same user, for the same survey, within BATCH_TOKEN_SECONDS. No code is looked up (no used/unused oracle)."""
    kind = "csv" if form_str(form, "format", 10) == "csv" else "pdf"
    layout = "slips" if form_str(form, "layout", 10) == "slips" else "letter"
    limit = authoring.MAX_CODES_PER_BATCH if kind == "csv" else letters_service.PART
    codes = letters_service.read_batch(session, scope, survey, form_str(form, "batch", limit * 16 + 200), limit,
                                       kind)
    return _codes_download(session, scope, survey, codes, kind, layout)


# --- assisted answering at a stand ----------------------------------------------------------------------------


@report_router.post("/{survey_id}/assisted", name="surveys.assisted")
def assisted_start(request: Request, survey: OwnedSurvey, form: FormDep,
                   scope: ScopeDep, session: SessionDep) -> Response:
    language = form_str(form, "language", 12)
    language = language if language in survey.languages else "sv"
    try:
        token = answering.start_draft(session, survey, language=language, channel=Channel.assisted)
    except ValidationFailed as exc:
        flash(request, next(iter(exc.errors.values())), "error")
        return redirect(_survey_url(request, scope, survey))
    response = redirect(f"/s/{survey.slug}/1")
    public_routes.set_draft_cookie(response, survey, token)  # the same draft cookie residents get
    return response

