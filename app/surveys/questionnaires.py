"""The questionnaire a resident sees, as plain data (loaded in four queries, cached briefly), and public lookups."""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from app import clock, i18n
from app.db import Database
from app.errors import NotFound
from app.i18n import gettext as _
from app.models import Area, Municipality
from app.models.surveys import (
    OptionKind,
    Question,
    QuestionOption,
    QuestionType,
    Survey,
    SurveyArea,
    SurveyStatus,
    SurveyTranslation,
)
from app.surveys import rules


@dataclass(frozen=True)
class SurveyText:
    title: str
    intro: str


@dataclass(frozen=True)
class AreaRef:
    id: int
    slug: str
    name: str


@dataclass
class Questionnaire:
    """The whole definition as plain data (safe to cache and to share between sessions), plus the survey row."""

    survey: Survey
    texts: dict[str, SurveyText]
    questions: list[rules.QuestionDef]
    areas: list[AreaRef] = field(default_factory=list)
    bounds: rules.Bounds = field(default_factory=rules.Bounds)

    @property
    def area_codes(self) -> set[str]:
        return {rules.AREA_PREFIX + area.slug for area in self.areas}

    def title(self, lang: str) -> i18n.InLanguage:
        """The title in `lang`, else in Swedish; it knows its language, so a fallback can be marked lang="sv"."""
        return i18n.pick({k: v.title for k, v in self.texts.items() if v.title}, lang)

    def intro(self, lang: str) -> i18n.InLanguage:
        return i18n.pick({k: v.intro for k, v in self.texts.items() if v.intro}, lang)

    def question(self, code: str) -> rules.QuestionDef | None:
        return next((q for q in self.questions if q.code == code), None)


def load_questionnaire(session: Session, survey: Survey) -> Questionnaire:
    """The whole definition in four queries: texts, questions, options, areas."""
    texts = {t.language: SurveyText(t.title, t.intro) for t in session.exec(
        select(SurveyTranslation).where(SurveyTranslation.survey_id == survey.id)).all()}
    questions = session.exec(select(Question).where(Question.survey_id == survey.id)
                             .order_by(col(Question.page), col(Question.position), col(Question.id))).all()
    ids = [q.id for q in questions]
    options = session.exec(select(QuestionOption).where(col(QuestionOption.question_id).in_(ids))
                           .order_by(col(QuestionOption.position), col(QuestionOption.id))).all() if ids else []
    by_question: dict[int, list[QuestionOption]] = {}
    for option in options:
        by_question.setdefault(option.question_id, []).append(option)
    areas = survey_areas(session, survey)
    defs = []
    for q in questions:
        own = by_question.get(q.id or 0, [])
        kind = QuestionType(q.type)
        opts = tuple(rules.OptionDef(o.code, o.label) for o in own if o.kind == OptionKind.option)
        if kind == QuestionType.subarea:
            opts = tuple(rules.OptionDef(rules.AREA_PREFIX + a.slug, {"sv": a.name}) for a in areas)
        defs.append(rules.QuestionDef(
            id=q.id or 0, code=q.code, type=kind.value, page=q.page, required=q.required,
            role=str(q.role) if q.role else None, text=q.text, help=q.help, options=opts,
            items=tuple(rules.OptionDef(o.code, o.label) for o in own if o.kind == OptionKind.item),
            settings=q.settings,
            condition=(q.condition_question_code, q.condition_value_code or "") if q.condition_question_code
            else None))
    bounds = rules.bounds_from_geojson(a.geojson for a in areas)
    return Questionnaire(survey, texts, defs, [AreaRef(a.id or 0, a.slug, a.name) for a in areas], bounds)


_CACHE_SECONDS = 30.0
_cache: dict[int, tuple[float, tuple[Any, ...], Questionnaire]] = {}
_cache_lock = threading.Lock()


def cached_questionnaire(session: Session, survey: Survey) -> Questionnaire:
    """The questionnaire for resident pages, kept for a few seconds per process (four queries fewer per page).

    The key holds the survey's status, modes, languages and `updated_at`, so opening or closing takes effect at
    once; staff edits also drop the entry here (other workers see an edit within `_CACHE_SECONDS`).
    """
    key = (str(survey.status), survey.updated_at, tuple(survey.modes), tuple(survey.languages), survey.slug)
    now = time.monotonic()
    with _cache_lock:
        hit = _cache.get(survey.id or 0)
    if hit is not None and hit[1] == key and now - hit[0] < _CACHE_SECONDS:
        return replace(hit[2], survey=survey)
    fresh = load_questionnaire(session, survey)
    with _cache_lock:
        _cache[survey.id or 0] = (now, key, fresh)
    return fresh


def forget_questionnaire(survey: Survey) -> None:
    with _cache_lock:
        _cache.pop(survey.id or 0, None)


def survey_areas(session: Session, survey: Survey) -> list[Area]:
    """The sub-areas the survey covers; with none chosen, every area of the municipality that has no children."""
    chosen = session.exec(select(Area).join(SurveyArea, col(SurveyArea.area_id) == Area.id)
                          .where(SurveyArea.survey_id == survey.id).order_by(Area.name)).all()
    if chosen:
        return list(chosen)
    every = session.exec(select(Area).where(Area.municipality_id == survey.municipality_id)
                         .order_by(Area.name)).all()
    parents = {a.parent_id for a in every if a.parent_id}
    return [a for a in every if a.id not in parents]


# --- public reads --------------------------------------------------------------------------------------------


def public_survey(session: Session, slug: str) -> tuple[Survey, Municipality]:
    if not rules.SLUG_RE.fullmatch(slug or ""):
        raise NotFound
    found = session.exec(select(Survey, Municipality).join(Municipality, col(Municipality.id) ==
                                                           Survey.municipality_id)
                         .where(Survey.slug == slug)).first()
    if found is None or found[0].status == SurveyStatus.draft:
        raise NotFound
    return found[0], found[1]


Bundle = tuple[Survey, Municipality, "Questionnaire"]
_bundles: dict[str, tuple[float, Bundle]] = {}
_loading: dict[str, asyncio.Future[Bundle]] = {}


async def public_bundle(database: Database, slug: str, *, fresh: bool = False) -> Bundle:
    """Survey, municipality and questionnaire for a hot resident route, reused for `database.cache_seconds`.

    Safe to reuse briefly: the write that follows checks the survey's status and `updated_at` in the database
    (answering.post_pages answers Outcome.stale or closed), so a cached copy never decides what is stored. One
    request reloads an expired entry while the others go on with the old one (no stampede of reloads).
    """
    now = time.monotonic()
    hit = _bundles.get(slug)
    if hit is not None and not fresh and now - hit[0] < database.cache_seconds:
        return hit[1]

    def load(session: Session) -> Bundle:
        survey, municipality = public_survey(session, slug)
        if fresh:
            forget_questionnaire(survey)
        return survey, municipality, cached_questionnaire(session, survey)

    if not database.cache_seconds:
        return await database.read(load)
    pending = _loading.get(slug)
    if pending is not None and not fresh:
        return hit[1] if hit is not None else await asyncio.shield(pending)
    future: asyncio.Future[Bundle] = asyncio.get_running_loop().create_future()
    _loading[slug] = future
    try:
        bundle = await database.read(load)
    except Exception as exc:
        future.set_exception(exc)  # the waiters (if any) get it too: an unknown slug is a 404 for all
        future.exception()  # marked as retrieved, so asyncio does not log it when nobody was waiting
        raise
    except BaseException:
        future.cancel()
        raise
    finally:
        _loading.pop(slug, None)
    future.set_result(bundle)
    _bundles[slug] = (now, bundle)
    return bundle


def is_open(survey: Survey, today: date | None = None) -> bool:
    return open_between(survey.status, survey.opens_on, survey.closes_on, today or clock.today())


def open_between(status: str, opens_on: date | None, closes_on: date | None, day: date) -> bool:
    return (status == SurveyStatus.open and (opens_on is None or opens_on <= day)
            and (closes_on is None or day <= closes_on))



def open_surveys(session: Session, municipality_id: int) -> list[tuple[Survey, dict[str, str]]]:
    rows = session.exec(select(Survey).where(Survey.municipality_id == municipality_id,
                                             Survey.status == SurveyStatus.open).order_by(Survey.slug)).all()
    surveys = [s for s in rows if is_open(s)]
    titles: dict[int, dict[str, str]] = {}
    if surveys:
        for t in session.exec(select(SurveyTranslation).where(
                col(SurveyTranslation.survey_id).in_([s.id for s in surveys]))).all():
            titles.setdefault(t.survey_id, {})[t.language] = t.title
    return [(s, titles.get(s.id or 0, {})) for s in surveys]


def latest_results(session: Session, survey: Survey) -> int | None:
    """The id of the newest closed wave of the survey's series (its public results), or None if none has closed."""
    return session.exec(select(Survey.id).where(Survey.series_id == survey.series_id,
                                                Survey.municipality_id == survey.municipality_id,
                                                col(Survey.status).in_([SurveyStatus.closed, SurveyStatus.archived]))
                        .order_by(col(Survey.wave).desc())).first()


def municipality_section(session: Session, municipality: Municipality) -> tuple[str, dict[str, Any]] | None:
    """This domain's block on the public municipality page: (template, context), or None for nothing."""
    found = open_surveys(session, municipality.id or 0)
    return ("public/surveys/_section.html", {"open_surveys": found})



def missing_translations(questionnaire: Questionnaire) -> dict[str, list[str]]:
    """Language -> the texts that lack it (these show in Swedish to residents)."""
    missing: dict[str, list[str]] = {}
    for lang in questionnaire.survey.languages:
        if lang == "sv":
            continue
        gaps = []
        text = questionnaire.texts.get(lang)
        if text is None or not text.title:
            gaps.append(_("Enkätens rubrik"))
        if text is None or (not text.intro and questionnaire.intro("sv")):
            gaps.append(_("Enkätens inledning"))
        for q in questionnaire.questions:
            if not q.text.get(lang):
                gaps.append(_("Fråga %(code)s") % {"code": q.code})
            if q.help.get("sv") and not q.help.get(lang):
                gaps.append(_("Hjälptext till fråga %(code)s") % {"code": q.code})
            if q.type != "subarea":
                for o in (*q.options, *q.items):
                    if not o.label.get(lang):
                        gaps.append(_("Fråga %(code)s, alternativ %(option)s") % {"code": q.code, "option": o.code})
        missing[lang] = gaps
    return missing
