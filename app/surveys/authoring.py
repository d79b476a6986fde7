"""Staff authoring of surveys: the list, creating, settings, texts, status, next waves and letter codes."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import Engine, delete, func, insert
from sqlmodel import Session, col, select

from app import audit, clock
from app.audit import Action
from app.auth import Scope
from app.db import truncate_wal, writing
from app.errors import ValidationFailed
from app.i18n import gettext as _
from app.models import Area
from app.models.surveys import (
    BackgroundRole,
    LetterCode,
    OptionKind,
    Question,
    QuestionOption,
    QuestionType,
    Response,
    Survey,
    SurveyArea,
    SurveyDraft,
    SurveyMode,
    SurveyStatus,
    SurveyTranslation,
)
from app.surveys import bank, lifecycle, rules
from app.surveys.codes import code_hash, new_code
from app.surveys.questionnaires import forget_questionnaire
from app.surveys.staff_forms import SettingsForm, TextsForm

MAX_CODES_PER_BATCH = 5000

# --- staff: reading ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SurveyRow:
    survey: Survey
    title: str
    responses: int


def list_surveys(session: Session, scope: Scope, lang: str) -> list[SurveyRow]:
    surveys = session.exec(select(Survey).where(Survey.municipality_id == scope.municipality_id)
                           .order_by(col(Survey.status) == SurveyStatus.archived, col(Survey.series_id),
                                     col(Survey.wave).desc())).all()
    ids = [s.id for s in surveys]
    counts = dict(session.execute(select(Response.survey_id, func.count()).where(col(Response.survey_id).in_(ids))
                                  .group_by(col(Response.survey_id))).all()) if ids else {}
    titles: dict[int, dict[str, str]] = {}
    for t in session.exec(select(SurveyTranslation).where(col(SurveyTranslation.survey_id).in_(ids))).all():
        titles.setdefault(t.survey_id, {})[t.language] = t.title
    return [SurveyRow(s, rules.localized(titles.get(s.id or 0, {}), lang) or s.slug, counts.get(s.id, 0))
            for s in surveys]


def response_count(session: Session, survey: Survey) -> int:
    return int(session.execute(select(func.count()).select_from(Response)
                               .where(col(Response.survey_id) == survey.id)).scalar_one())


# --- staff: writing ------------------------------------------------------------------------------------------


def _new_slug(session: Session) -> str:
    while True:
        slug = secrets.token_hex(3)
        if session.exec(select(Survey.id).where(Survey.slug == slug)).first() is None:
            return slug


def create_survey(session: Session, scope: Scope, *, title: str, from_bank: bool) -> Survey:
    with writing(session):
        if not title and not from_bank:
            raise ValidationFailed({"title": _("Ange en rubrik.")})
        if len(title) > 200:
            raise ValidationFailed({"title": _("Rubriken får vara högst 200 tecken.")})
        languages = [lang for lang in scope.municipality.languages] or ["sv"]
        if "sv" not in languages:
            languages.insert(0, "sv")
        survey = Survey(municipality_id=scope.municipality_id, series_id=secrets.token_hex(16), wave=1,
                        slug=_new_slug(session), languages=languages,
                        modes=[SurveyMode.open_link.value, SurveyMode.assisted.value])
        session.add(survey)
        session.flush()
        if from_bank:
            add_bank_questions(session, survey)
            titles = dict(bank.TITLE)
            if title:
                titles["sv"] = title
            for lang in languages:
                if lang in titles:
                    session.add(SurveyTranslation(survey_id=survey.id or 0, language=lang, title=titles[lang],
                                                  intro=bank.INTRO.get(lang, "")))
        else:
            session.add(SurveyTranslation(survey_id=survey.id or 0, language="sv", title=title, intro=""))
        audit.record(session, scope.user, Action.SURVEY_CREATE, "survey", survey.id,
                     municipality_id=scope.municipality_id,
                     after={**(audit.snapshot(survey) or {}), "from_bank": from_bank})
    return survey


def add_bank_questions(session: Session, survey: Survey) -> None:
    """The standard question bank's questions, options and items, written with two bulk inserts."""
    position: dict[int, int] = {}
    for spec in bank.QUESTIONS:
        position[spec.page] = position.get(spec.page, 0) + 1
        question = Question(survey_id=survey.id or 0, code=spec.code, page=spec.page, position=position[spec.page],
                            type=QuestionType(spec.type), role=BackgroundRole(spec.role) if spec.role else None,
                            required=spec.required, text=dict(spec.text), help=dict(spec.help),
                            settings=dict(spec.settings),
                            condition_question_code=spec.condition[0] if spec.condition else None,
                            condition_value_code=spec.condition[1] if spec.condition else None)
        session.add(question)
        session.flush()
        rows = [{"question_id": question.id, "kind": kind, "code": o.code, "position": i, "label": dict(o.label)}
                for kind, opts in ((OptionKind.option.value, spec.options), (OptionKind.item.value, spec.items))
                for i, o in enumerate(opts, start=1)]
        if rows:
            session.execute(insert(QuestionOption), rows)


def update_settings(session: Session, scope: Scope, survey: Survey, form: SettingsForm) -> None:
    """Address, ways to answer, languages, dates and covered areas, checked against the municipality's own."""
    with writing(session):
        other = session.exec(select(Survey.id).where(Survey.slug == form.slug, Survey.id != survey.id)).first()
        own_areas = session.exec(select(Area.id).where(Area.municipality_id == scope.municipality_id)).all()
        errors = form.problems(slug_taken=other is not None,
                               offered_languages=set(scope.municipality.languages) | {"sv"},
                               own_area_ids={a for a in own_areas if a is not None})
        if errors:
            raise ValidationFailed(errors)
        wanted_areas = form.chosen_areas()
        before = audit.snapshot(survey)
        survey.slug, survey.modes = form.slug, form.valid_modes()
        survey.languages = ["sv", *[lang for lang in form.languages if lang != "sv"]]
        survey.opens_on, survey.closes_on = form.dates()
        survey.updated_at = clock.now()
        session.add(survey)
        session.execute(delete(SurveyArea).where(col(SurveyArea.survey_id) == survey.id))
        if wanted_areas:
            session.execute(insert(SurveyArea), [{"survey_id": survey.id, "area_id": a} for a in wanted_areas])
        forget_questionnaire(survey)
        audit.record(session, scope.user, Action.SURVEY_UPDATE, "survey", survey.id,
                     municipality_id=scope.municipality_id,
                     before=before, after={**(audit.snapshot(survey) or {}), "area_ids": wanted_areas})


def update_texts(session: Session, scope: Scope, survey: Survey, form: TextsForm) -> None:
    """Title and intro per language; an empty title removes that language's texts (residents then see Swedish)."""
    with writing(session):
        if errors := form.problems():
            raise ValidationFailed(errors)
        texts = form.texts
        existing = {t.language: t for t in session.exec(select(SurveyTranslation)
                                                        .where(SurveyTranslation.survey_id == survey.id)).all()}
        before = {lang: [t.title, t.intro] for lang, t in existing.items()}
        for lang, (title, intro) in texts.items():
            row = existing.get(lang)
            if not title and not intro:
                if row is not None:
                    session.delete(row)
                continue
            if row is None:
                row = SurveyTranslation(survey_id=survey.id or 0, language=lang)
            row.title, row.intro = title, intro
            session.add(row)
        forget_questionnaire(survey)
        audit.record(session, scope.user, Action.SURVEY_UPDATE_TEXTS, "survey", survey.id,
                     municipality_id=scope.municipality_id,
                     before=before, after={lang: list(v) for lang, v in texts.items()})


ALLOWED_TRANSITIONS = {
    SurveyStatus.draft: {SurveyStatus.open, SurveyStatus.archived},
    SurveyStatus.open: {SurveyStatus.closed},
    SurveyStatus.closed: {SurveyStatus.open, SurveyStatus.archived},
    SurveyStatus.archived: {SurveyStatus.closed},
}


def set_status(session: Session, scope: Scope, survey: Survey, raw: str) -> None:
    with writing(session):
        try:
            wanted = SurveyStatus(raw)
        except ValueError:
            raise ValidationFailed({"status": _("Okänd status.")}) from None
        current = SurveyStatus(survey.status)
        if wanted not in ALLOWED_TRANSITIONS[current]:
            raise ValidationFailed({"status": _("Enkäten kan inte gå från den här statusen till den valda.")})
        if wanted == SurveyStatus.open:
            count = session.execute(select(func.count()).select_from(Question)
                                    .where(col(Question.survey_id) == survey.id)).scalar_one()
            if not count:
                raise ValidationFailed({"status": _("Lägg till minst en fråga innan enkäten öppnas.")})
        before = audit.snapshot(survey)
        survey.status = wanted
        survey.updated_at = clock.now()
        session.add(survey)
        if wanted in (SurveyStatus.closed, SurveyStatus.archived):
            session.execute(delete(SurveyDraft).where(col(SurveyDraft.survey_id) == survey.id))
        forget_questionnaire(survey)
        audit.record(session, scope.user, Action.SURVEY_CHANGE_STATUS, "survey", survey.id,
                     municipality_id=scope.municipality_id,
                     before=before, after=audit.snapshot(survey))
    bind = session.get_bind()
    if wanted in (SurveyStatus.closed, SurveyStatus.archived) and isinstance(bind, Engine):
        truncate_wal(bind)  # the deleted drafts' answers must not linger in SQLite's WAL (rare: no throttle)
    if wanted == SurveyStatus.closed:
        lifecycle.wave_closed(session, survey)  # results are published; pledge indicators get the new figure


def copy_as_next_wave(session: Session, scope: Scope, survey: Survey) -> Survey:
    """A draft copy with the same series, wave + 1, every question/option code unchanged, areas and texts."""
    with writing(session):
        latest = session.execute(select(func.max(Survey.wave)).where(col(Survey.series_id) == survey.series_id,
                                                                     col(Survey.municipality_id) ==
                                                                     scope.municipality_id)).scalar_one()
        copy = Survey(municipality_id=survey.municipality_id, series_id=survey.series_id, wave=int(latest or 0) + 1,
                      slug=_new_slug(session), status=SurveyStatus.draft, modes=list(survey.modes),
                      languages=list(survey.languages))
        session.add(copy)
        session.flush()
        for t in session.exec(select(SurveyTranslation).where(SurveyTranslation.survey_id == survey.id)).all():
            session.add(SurveyTranslation(survey_id=copy.id or 0, language=t.language, title=t.title, intro=t.intro))
        areas = session.exec(select(SurveyArea.area_id).where(SurveyArea.survey_id == survey.id)).all()
        if areas:
            session.execute(insert(SurveyArea), [{"survey_id": copy.id, "area_id": a} for a in areas])
        questions = session.exec(select(Question).where(Question.survey_id == survey.id)).all()
        options = session.exec(select(QuestionOption).where(
            col(QuestionOption.question_id).in_([q.id for q in questions]))).all() if questions else []
        for q in questions:
            fields = {name: getattr(q, name) for name in Question.model_fields if name not in ("id", "survey_id")}
            new = Question(**fields, survey_id=copy.id or 0)
            session.add(new)
            session.flush()
            rows = [{"question_id": new.id, "kind": o.kind, "code": o.code, "position": o.position, "label": o.label}
                    for o in options if o.question_id == q.id]
            if rows:
                session.execute(insert(QuestionOption), rows)
        audit.record(session, scope.user, Action.SURVEY_COPY_WAVE, "survey", copy.id,
                     municipality_id=scope.municipality_id,
                     before={"from_survey_id": survey.id}, after=audit.snapshot(copy))
    return copy


# --- staff: letter codes -------------------------------------------------------------------------------------


def generate_codes(session: Session, scope: Scope, survey: Survey, raw_count: str) -> list[str]:
    """N new one-time codes. Returns them in clear text once; only their hashes are stored."""
    with writing(session):
        if not raw_count.isdecimal() or not 1 <= int(raw_count) <= MAX_CODES_PER_BATCH:
            raise ValidationFailed({"count": _("Ange ett antal från 1 till %(n)s.") % {"n": MAX_CODES_PER_BATCH}})
        count = int(raw_count)
        codes: set[str] = set()
        while len(codes) < count:
            codes.add(new_code())
        session.execute(insert(LetterCode), [{"survey_id": survey.id, "code_hash": code_hash(c), "used": False}
                                             for c in codes])
        if SurveyMode.letter_codes.value not in survey.modes:
            survey.modes = [*survey.modes, SurveyMode.letter_codes.value]
            session.add(survey)
        forget_questionnaire(survey)
        audit.record(session, scope.user, Action.SURVEY_GENERATE_CODES, "survey", survey.id,
                     municipality_id=scope.municipality_id,
                     after={"count": count})
    return sorted(codes)


def code_counts(session: Session, survey: Survey) -> tuple[int, int]:
    """(codes in total, codes used)."""
    rows = dict(session.execute(select(LetterCode.used, func.count()).where(col(LetterCode.survey_id) == survey.id)
                                .group_by(col(LetterCode.used))).all())
    return sum(rows.values()), rows.get(True, 0)
