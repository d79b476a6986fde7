"""Reads and writes of the surveys domain: the questionnaire as residents see it, drafts, submission (one
transaction, bulk Core inserts), letter codes, and the staff authoring operations (audited).

Seams for later work (paper import, exports, the API): `load_questionnaire()` gives the definition as plain
`rules.QuestionDef`s; `store_response()` stores one validated response with its answers in the caller's
transaction; answers are read back with GROUP BY on `survey_answer` (see app/models/surveys.py).
"""

from __future__ import annotations

import asyncio
import secrets
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, Engine, delete, func, insert, update
from sqlalchemy import select as core_select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app import audit, clock, i18n, ratelimit
from app.auth import Scope
from app.batching import TwoPhase
from app.db import Database, truncate_wal
from app.errors import AppError, Conflict, NotFound, ValidationFailed
from app.i18n import gettext as _
from app.models import Area, Municipality
from app.models.surveys import (
    BackgroundRole,
    Channel,
    CodeFailures,
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

DRAFT_LIFETIME = timedelta(days=2)
MAX_CODES_PER_BATCH = 5000

# Core tables for the group-committed resident writes (no ORM objects on that path).
_DRAFT = SurveyDraft.__table__  # type: ignore[attr-defined]
_SURVEY = Survey.__table__  # type: ignore[attr-defined]
_CODE = LetterCode.__table__  # type: ignore[attr-defined]
_FAILURES = CodeFailures.__table__  # type: ignore[attr-defined]


class SurveyClosed(AppError):
    """The survey exists but takes no answers (closed, archived, not yet open): 410 Gone."""

    status = 410


class AlreadyAnswered(AppError):
    status = 409


class TooManyRequests(AppError):
    status = 429


# --- the questionnaire --------------------------------------------------------------------------------------


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
    (service.post_pages answers Outcome.stale or closed), so a cached copy never decides what is stored. One
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


def require_open(survey: Survey) -> None:
    if not is_open(survey):
        raise SurveyClosed(_("Enkäten tar inte emot svar just nu."))


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


def municipality_section(session: Session, municipality: Municipality) -> tuple[str, dict[str, Any]] | None:
    """This domain's block on the public municipality page: (template, context), or None for nothing."""
    found = open_surveys(session, municipality.id or 0)
    return ("public/surveys/_section.html", {"open_surveys": found})


# --- drafts --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DraftStart:
    """A resident (or staff at a stand) starting to answer, as the route hands it to `begin_drafts`."""

    survey: Survey
    language: str
    channel: Channel
    raw_code: str = ""
    token: str = field(default_factory=lambda: secrets.token_urlsafe(32))  # the cookie's; only its hash is stored
    client_key: str | None = None  # rate-limit key for failed letter codes (app.ratelimit.client_key)
    limit: int = 0  # failed letter codes allowed per key and window


def draft_expiry(now: datetime) -> datetime:
    """When a draft started at `now` expires: midnight after DRAFT_LIFETIME has passed, so the stored time says
    only the day a resident started (2 to 3 days; the cookie itself lasts DRAFT_LIFETIME)."""
    return datetime.combine(now.date() + DRAFT_LIFETIME + timedelta(days=1), datetime.min.time(), tzinfo=now.tzinfo)


def begin_drafts(connection: Connection,
                 starts: Sequence[DraftStart]) -> list[str | ValidationFailed | TooManyRequests]:
    """The batch handler for new drafts: each start's token, or why it was refused (letter codes are checked,
    failed ones counted per survey and limited per client).

    Expired drafts are purged once per batch. Runs in the group committer, like `post_pages`, so starting never
    queues separately on SQLite's write lock."""
    now = clock.now()
    connection.execute(delete(_DRAFT).where(_DRAFT.c.expires_at < now))
    outcomes: list[str | ValidationFailed | TooManyRequests] = []
    for start in starts:
        try:
            channel, code_digest = _draft_channel(connection, start, now)
        except (ValidationFailed, TooManyRequests) as refused:
            outcomes.append(refused)
            continue
        connection.execute(insert(_DRAFT).values(
            token_hash=rules.token_hash(start.token), survey_id=start.survey.id, language=start.language,
            channel=channel.value, answers={}, code_hash=code_digest, submitted=False,
            expires_at=draft_expiry(now)))
        outcomes.append(start.token)
    return outcomes


def _draft_channel(connection: Connection, start: DraftStart, now: datetime) -> tuple[Channel, str | None]:
    """The draft's channel and letter-code hash; raises ValidationFailed when the survey refuses this start, or
    TooManyRequests when this client has tried too many wrong codes. A used code and an unknown one are refused
    alike (the same message, the same count): nothing here tells whether a given code was used."""
    survey = start.survey
    i18n.set_language(start.language)
    if not is_open(survey):
        raise ValidationFailed({"survey": _("Enkäten tar inte emot svar just nu.")})
    modes = set(survey.modes)
    if start.channel == Channel.assisted:
        if SurveyMode.assisted not in modes:
            raise ValidationFailed({"mode": _("Enkäten tar inte emot svar via personal.")})
        return Channel.assisted, None
    if not start.raw_code and SurveyMode.open_link in modes:
        return start.channel, None
    if SurveyMode.letter_codes not in modes:
        raise ValidationFailed({"code": _("Enkäten används utan kod.")})
    code = rules.normalise_code(start.raw_code)
    if code is None:
        raise ValidationFailed({"code": _("Koden ska vara 10 tecken, bokstäver och siffror, som på brevet.")})
    if start.client_key and ratelimit.count(connection, start.client_key) >= start.limit:
        raise TooManyRequests(_("Du har skrivit fel kod för många gånger. Vänta en timme och försök igen."))
    digest = rules.code_hash(code)
    usable = connection.execute(core_select(_CODE.c.id).where(_CODE.c.survey_id == survey.id,
                                                              _CODE.c.code_hash == digest,
                                                              _CODE.c.used.is_(False))).first()
    if usable is None:
        if start.client_key:
            ratelimit.hit(connection, start.client_key, now=now)
        _count_failure(connection, survey.id or 0)
        raise ValidationFailed({"code": _("Koden finns inte eller har redan använts.")})
    return Channel.code, digest


def _count_failure(connection: Connection, survey_id: int) -> None:
    """One more failed letter-code attempt on this survey (an UPDATE, else an INSERT; a racing INSERT loses)."""
    bump = update(_FAILURES).where(_FAILURES.c.survey_id == survey_id).values(failures=_FAILURES.c.failures + 1)
    if connection.execute(bump).rowcount:
        return
    try:
        with connection.begin_nested():
            connection.execute(insert(_FAILURES).values(survey_id=survey_id, failures=1))
    except IntegrityError:
        connection.execute(bump)


def code_failures(session: Session, survey: Survey) -> int:
    """Failed letter-code attempts on this survey so far (for staff)."""
    return int(session.execute(core_select(_FAILURES.c.failures)
                               .where(_FAILURES.c.survey_id == survey.id)).scalar() or 0)


def start_draft(session: Session, survey: Survey, *, language: str, channel: Channel,
                raw_code: str = "") -> str:
    """A new draft in the caller's session (staff at a stand, tests); returns its token. Raises when refused."""
    outcome = begin_drafts(session.connection(), [DraftStart(survey, language, channel, raw_code)])[0]
    if not isinstance(outcome, str):
        session.commit()  # a refused code is still counted
        raise outcome
    session.commit()
    return outcome


def find_draft(session: Session, survey: Survey, token: str | None) -> SurveyDraft | None:
    if not token or len(token) > 100:
        return None
    draft = session.get(SurveyDraft, rules.token_hash(token))
    if draft is None or draft.survey_id != survey.id or draft.expires_at < clock.now():
        return None
    return draft


# --- posting a page: the draft moves on, or the survey is submitted (through the group committer) -------------


class Outcome(StrEnum):
    next = "next"  # answers saved in the draft; go to `next_page`
    submitted = "submitted"  # stored as one response
    invalid = "invalid"  # errors on this page (shown on it)
    missing = "missing"  # a required answer is missing (on this page or another)
    changed = "changed"  # earlier answers no longer fit the questionnaire
    wrong_page = "wrong_page"  # the posted page is not a visible page (tampered or stale form)
    expired = "expired"  # no such draft (expired, unknown token, other survey)
    already_submitted = "already_submitted"  # this draft was submitted before
    browser_done = "browser_done"  # open link: this browser has answered already
    rate_limited = "rate_limited"  # open link: too many submissions from this client
    code_used = "code_used"  # the letter code was used by another draft meanwhile
    closed = "closed"  # the survey stopped taking answers
    stale = "stale"  # the survey changed since the questionnaire was read: read it again and retry


@dataclass(frozen=True)
class PagePost:
    """One posted page of answers, as the route hands it to `post_pages`."""

    questionnaire: Questionnaire
    token_hash: str
    page: int
    form: rules.FormValues
    language: str | None = None  # the interface language now, when the survey offers it
    browser_done: bool = False  # the signed "this browser has answered" cookie came with it
    client_key: str | None = None  # rate-limit key (app.ratelimit.client_key); None: not limited
    limit: int = 0


@dataclass(frozen=True)
class PageOutcome:
    kind: Outcome
    answers: dict[str, Any] = field(default_factory=dict)  # the draft's answers, to show the page again
    errors: dict[str, str] = field(default_factory=dict)
    next_page: int | None = None
    language: str = "sv"
    channel: Channel = Channel.web




@dataclass
class _Plan:
    """What the read phase decided for a batch of posts (one entry per post, in order)."""

    now: datetime
    today: date
    entries: list[tuple[PagePost, PageOutcome, Any]]  # (post, outcome so far, draft row for pages to write)


def _read_pages(connection: Connection, posts: Sequence[PagePost]) -> _Plan:
    """Read phase, before the write lock: the batch's surveys and drafts in two queries, every page checked."""
    now, today = clock.now(), clock.today()
    surveys = {row.id: row for row in connection.execute(
        core_select(_SURVEY.c.id, _SURVEY.c.status, _SURVEY.c.opens_on, _SURVEY.c.closes_on, _SURVEY.c.updated_at)
        .where(_SURVEY.c.id.in_({p.questionnaire.survey.id for p in posts})))}
    drafts = {row.token_hash: row for row in connection.execute(
        core_select(_DRAFT).where(_DRAFT.c.token_hash.in_({p.token_hash for p in posts})))}
    seen: set[str] = set()
    entries = []
    for post in posts:
        outcome, draft = _check(post, surveys, drafts, seen, now, today)
        entries.append((post, outcome, draft))
    return _Plan(now, today, entries)


def _write_pages(connection: Connection, plan: _Plan) -> list[PageOutcome]:
    """Write phase, under the write lock: saves pages, counts rate limits, claims drafts and stores responses.

    Every write is conditional on the draft not being submitted, so a change since the read phase is caught."""
    outcomes: list[PageOutcome | None] = []
    final: list[tuple[int, PagePost, Any, PageOutcome]] = []  # (index, post, draft row, outcome if stored)
    for post, outcome, draft in plan.entries:
        if outcome.kind == Outcome.next:
            saved = connection.execute(update(_DRAFT).where(_DRAFT.c.token_hash == post.token_hash,
                                                            _DRAFT.c.submitted.is_(False))
                                       .values(answers=outcome.answers, language=outcome.language))
            if saved.rowcount != 1:
                outcome = replace(outcome, kind=Outcome.already_submitted)
        elif outcome.kind == Outcome.submitted:
            open_link = outcome.channel in (Channel.web, Channel.qr)  # only open links are rate limited
            if open_link and post.client_key and ratelimit.hit(connection, post.client_key, now=plan.now) > post.limit:
                outcome = replace(outcome, kind=Outcome.rate_limited)
            else:
                final.append((len(outcomes), post, draft, outcome))
                outcomes.append(None)
                continue
        outcomes.append(outcome)
    for index, stored in _store(connection, final, plan.today):
        outcomes[index] = stored
    return [o for o in outcomes if o is not None]


def _stored_any(outcomes: Sequence[PageOutcome]) -> bool:
    return any(o.kind == Outcome.submitted for o in outcomes)


post_pages = TwoPhase(_read_pages, _write_pages, residue=_stored_any)
"""The batch handler for posted pages (app/batching.py), read phase then write phase.

Per batch: one read of the surveys and one of the drafts (before the write lock), then one UPDATE per saved page,
one claiming UPDATE for all final pages, one INSERT of the responses and one of their answers. A draft is claimed
with a conditional UPDATE (submitted false -> true), so a token submits once even when two processes race; a
letter code is used the same way, and its draft claim is undone if the code was taken meanwhile. The stored
response keeps no link to its draft or code (the draft's answers and code hash are wiped as it is claimed, the
used code's hash is overwritten); batches that stored a response leave the group committer's janitor to truncate
SQLite's WAL (app.db.truncate_wal), where the wiped values would otherwise linger."""


def _check(post: PagePost, surveys: dict[int, Any], drafts: dict[str, Any], seen: set[str], now: datetime,
           today: date) -> tuple[PageOutcome, Any]:
    """One post checked against its survey and draft (no I/O): what it would do, and the draft row."""
    questionnaire = post.questionnaire
    survey = surveys.get(questionnaire.survey.id or 0)
    if survey is None or not open_between(survey.status, survey.opens_on, survey.closes_on, today):
        return PageOutcome(Outcome.closed), None
    if survey.updated_at != questionnaire.survey.updated_at:
        return PageOutcome(Outcome.stale), None
    draft = drafts.get(post.token_hash)
    if draft is None or draft.survey_id != survey.id or draft.expires_at < now:
        return PageOutcome(Outcome.expired), None
    offered = [lang for lang in questionnaire.survey.languages if lang]
    language = post.language if post.language in offered else draft.language
    i18n.set_language(language)  # messages are made here, in the writer thread
    channel = Channel(draft.channel)
    if draft.submitted or post.token_hash in seen:
        return PageOutcome(Outcome.already_submitted, language=language, channel=channel), None
    result = rules.apply_page(questionnaire.questions, draft.answers, post.page, post.form,
                              area_codes=questionnaire.area_codes, bounds=questionnaire.bounds)
    kind = {"page": Outcome.wrong_page, "invalid": Outcome.invalid, "missing": Outcome.missing,
            "changed": Outcome.changed}.get(result.problem)
    if kind is not None:
        return PageOutcome(kind, result.answers, result.errors, language=language, channel=channel), None
    if result.next_page is not None:
        return PageOutcome(Outcome.next, result.answers, next_page=result.next_page, language=language,
                           channel=channel), draft
    open_link = channel in (Channel.web, Channel.qr)
    if open_link and post.browser_done:
        return PageOutcome(Outcome.browser_done, result.answers, language=language, channel=channel), None
    seen.add(post.token_hash)
    return PageOutcome(Outcome.submitted, result.answers, language=language, channel=channel), draft


def _store(connection: Connection, final: list[tuple[int, PagePost, Any, PageOutcome]],
           today: date) -> list[tuple[int, PageOutcome]]:
    """Claims the final drafts (and their letter codes) and stores their responses; returns each outcome."""
    if not final:
        return []
    refused: dict[int, Outcome] = {}
    # A used code's hash is overwritten with a random value of the same length: the database then no longer
    # holds the hash of any used code (a used code and a made-up one look alike, also on disk).
    marks: dict[int, str] = {}
    # Codes are taken in one fixed order, so two processes' batches never wait on each other's codes in a cycle.
    for index, _post, draft, _outcome in sorted(final, key=lambda entry: entry[2].code_hash or ""):
        if draft.code_hash is None:
            continue
        marks[index] = secrets.token_hex(32)
        used = connection.execute(update(_CODE).where(_CODE.c.survey_id == draft.survey_id,
                                                      _CODE.c.code_hash == draft.code_hash, _CODE.c.used.is_(False))
                                  .values(used=True, code_hash=marks[index]))
        if used.rowcount != 1:
            refused[index] = Outcome.code_used
    wanted = [post.token_hash for index, post, _d, _o in final if index not in refused]
    claimed = set(connection.execute(
        update(_DRAFT).where(_DRAFT.c.token_hash.in_(wanted), _DRAFT.c.submitted.is_(False))
        .values(submitted=True, answers={}, code_hash=None).returning(_DRAFT.c.token_hash)).scalars()) if wanted \
        else set()
    for index, post, draft, _outcome in final:
        if index not in refused and post.token_hash not in claimed:
            refused[index] = Outcome.already_submitted
            if draft.code_hash is not None:  # give back the code this losing draft had just taken
                connection.execute(update(_CODE).where(_CODE.c.survey_id == draft.survey_id,
                                                       _CODE.c.code_hash == marks[index])
                                   .values(used=False, code_hash=draft.code_hash))
    stored = [(post.questionnaire, outcome.answers, outcome.channel, outcome.language)
              for index, post, _d, outcome in final if index not in refused]
    insert_responses(connection, stored, today)
    return [(index, replace(outcome, kind=refused.get(index, Outcome.submitted)))
            for index, _post, _draft, outcome in final]


def insert_responses(connection: Connection, responses: Sequence[tuple[Questionnaire, dict[str, Any], Channel, str]],
                     submitted_on: date) -> list[int]:
    """Inserts validated responses with their answer rows: one INSERT for the responses, one for the answers."""
    if not responses:
        return []
    heads = []
    for questionnaire, answers, channel, language in responses:
        survey = questionnaire.survey
        area_code = rules.response_area_code(questionnaire.questions, answers)
        heads.append({"survey_id": survey.id, "series_id": survey.series_id, "wave": survey.wave,
                      "channel": channel.value, "language": language, "submitted_on": submitted_on,
                      "area_id": next((a.id for a in questionnaire.areas
                                       if rules.AREA_PREFIX + a.slug == area_code), None)})
    ids = list(connection.execute(insert(Response).returning(col(Response.id), sort_by_parameter_order=True),
                                  heads).scalars())
    rows: list[tuple[Any, ...]] = []
    for response_id, (questionnaire, answers, _channel, _language) in zip(ids, responses, strict=True):
        survey_id = questionnaire.survey.id
        rows.extend((response_id, survey_id, *_answer_values(row))
                    for row in rules.answer_rows(questionnaire.questions, answers))
    if rows:
        # Straight to the driver's executemany: plain values, and SQLAlchemy's per-row parameter work would cost
        # more than the insert itself (about 15 rows per response).
        connection.exec_driver_sql(_answer_insert("?" if connection.dialect.paramstyle == "qmark" else "%s"), rows)
    return [int(i or 0) for i in ids]


_ANSWER_FIELDS = ("question_id", "item_code", "value_code", "value_number", "value_text", "lat", "lon", "time_of_day")
_answer_values = itemgetter(*_ANSWER_FIELDS)  # a row dict's values as a tuple, in _ANSWER_FIELDS order


def _answer_insert(mark: str) -> str:
    columns = ("response_id", "survey_id", *_ANSWER_FIELDS)  # constants: nothing from outside goes into the SQL
    return f"INSERT INTO survey_answer ({', '.join(columns)}) VALUES ({', '.join([mark] * len(columns))})"  # noqa: S608


def store_response(session: Session, questionnaire: Questionnaire, answers: dict[str, Any], *,
                   channel: Channel, language: str, submitted_on: date | None = None) -> int:
    """Inserts one response and its answer rows in the caller's transaction; returns its id.

    `answers` must already be valid (rules.read_page / rules.answers_valid). Stores the date only.
    """
    return insert_responses(session.connection(), [(questionnaire, answers, channel, language)],
                            submitted_on or clock.today())[0]


# --- staff: reading ------------------------------------------------------------------------------------------


def staff_survey(session: Session, scope: Scope, survey_id: int) -> Survey:
    survey = session.get(Survey, survey_id)
    if survey is None or survey.municipality_id != scope.municipality_id:
        raise NotFound
    return survey


def staff_question(session: Session, survey: Survey, question_id: int) -> Question:
    question = session.get(Question, question_id)
    if question is None or question.survey_id != survey.id:
        raise NotFound
    return question


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


# --- staff: writing ------------------------------------------------------------------------------------------


def _new_slug(session: Session) -> str:
    while True:
        slug = secrets.token_hex(3)
        if session.exec(select(Survey.id).where(Survey.slug == slug)).first() is None:
            return slug


def create_survey(session: Session, scope: Scope, *, title: str, from_bank: bool) -> Survey:
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
    audit.record(session, scope.user, "create", "survey", survey.id, municipality_id=scope.municipality_id,
                 after={**(audit.snapshot(survey) or {}), "from_bank": from_bank})
    session.commit()
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


def update_settings(session: Session, scope: Scope, survey: Survey, *, slug: str, modes: list[str],
                    languages: list[str], opens_on: str, closes_on: str, area_ids: list[str]) -> None:
    errors: dict[str, str] = {}
    problem = rules.slug_problem(slug)
    if problem:
        errors["slug"] = problem
    elif session.exec(select(Survey.id).where(Survey.slug == slug, Survey.id != survey.id)).first():
        errors["slug"] = _("Adressen används redan av en annan enkät.")
    valid_modes = [m for m in modes if m in {mode.value for mode in SurveyMode}]
    if not valid_modes or len(valid_modes) != len(modes):
        errors["mode-open_link"] = _("Välj minst ett sätt att svara.")
    offered = set(scope.municipality.languages) | {"sv"}
    if any(lang not in offered for lang in languages):
        errors["lang-sv"] = _("Välj bland kommunens språk.")
    dates: dict[str, date | None] = {}
    for name, raw in (("opens_on", opens_on), ("closes_on", closes_on)):
        try:
            dates[name] = date.fromisoformat(raw) if raw else None
        except ValueError:
            errors[name] = _("Ange datumet som ÅÅÅÅ-MM-DD.")
    if dates.get("opens_on") and dates.get("closes_on") and dates["opens_on"] > dates["closes_on"]:  # type: ignore[operator]
        errors["closes_on"] = _("Slutdatumet kan inte vara före startdatumet.")
    own_areas = {a.id for a in session.exec(select(Area).where(Area.municipality_id == scope.municipality_id))}
    wanted_areas: set[int] = set()
    for raw in area_ids:
        if not raw.isdecimal() or int(raw) not in own_areas:
            errors["areas"] = _("Välj bland kommunens områden.")
            break
        wanted_areas.add(int(raw))
    if errors:
        raise ValidationFailed(errors)
    before = audit.snapshot(survey)
    survey.slug, survey.modes = slug, valid_modes
    survey.languages = ["sv", *[lang for lang in languages if lang != "sv"]]
    survey.opens_on, survey.closes_on = dates.get("opens_on"), dates.get("closes_on")
    survey.updated_at = clock.now()
    session.add(survey)
    session.execute(delete(SurveyArea).where(col(SurveyArea.survey_id) == survey.id))
    if wanted_areas:
        session.execute(insert(SurveyArea), [{"survey_id": survey.id, "area_id": a} for a in sorted(wanted_areas)])
    forget_questionnaire(survey)
    audit.record(session, scope.user, "update", "survey", survey.id, municipality_id=scope.municipality_id,
                 before=before, after={**(audit.snapshot(survey) or {}), "area_ids": sorted(wanted_areas)})
    session.commit()


def update_texts(session: Session, scope: Scope, survey: Survey, texts: dict[str, tuple[str, str]]) -> None:
    """Title and intro per language; an empty title removes that language's texts (residents then see Swedish)."""
    errors: dict[str, str] = {}
    if not texts.get("sv", ("", ""))[0]:
        errors["title-sv"] = _("Ange en rubrik på svenska.")
    for lang, (title, intro) in texts.items():
        if len(title) > 200:
            errors[f"title-{lang}"] = _("Rubriken får vara högst 200 tecken.")
        if len(intro) > 5000:
            errors[f"intro-{lang}"] = _("Inledningen får vara högst 5000 tecken.")
    if errors:
        raise ValidationFailed(errors)
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
    audit.record(session, scope.user, "update_texts", "survey", survey.id, municipality_id=scope.municipality_id,
                 before=before, after={lang: list(v) for lang, v in texts.items()})
    session.commit()


ALLOWED_TRANSITIONS = {
    SurveyStatus.draft: {SurveyStatus.open, SurveyStatus.archived},
    SurveyStatus.open: {SurveyStatus.closed},
    SurveyStatus.closed: {SurveyStatus.open, SurveyStatus.archived},
    SurveyStatus.archived: {SurveyStatus.closed},
}


def set_status(session: Session, scope: Scope, survey: Survey, raw: str) -> None:
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
    audit.record(session, scope.user, "status", "survey", survey.id, municipality_id=scope.municipality_id,
                 before=before, after=audit.snapshot(survey))
    session.commit()
    bind = session.get_bind()
    if wanted in (SurveyStatus.closed, SurveyStatus.archived) and isinstance(bind, Engine):
        truncate_wal(bind)  # the deleted drafts' answers must not linger in SQLite's WAL (rare: no throttle)
    if wanted == SurveyStatus.closed:
        lifecycle.wave_closed(session, survey)  # results are published; pledge indicators get the new figure


def copy_as_next_wave(session: Session, scope: Scope, survey: Survey) -> Survey:
    """A draft copy with the same series, wave + 1, every question/option code unchanged, areas and texts."""
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
    audit.record(session, scope.user, "copy_wave", "survey", copy.id, municipality_id=scope.municipality_id,
                 before={"from_survey_id": survey.id}, after=audit.snapshot(copy))
    session.commit()
    return copy


# --- staff: questions ------------------------------------------------------------------------------------------


@dataclass
class QuestionInput:
    """A question as staff typed it (already cut to length by the route)."""

    type: str
    code: str
    page: str
    required: bool
    role: str
    condition: str  # "question_code=option_code" or ""
    text: dict[str, str]
    help: dict[str, str]
    options: dict[str, str]  # language -> "code = label" lines
    items: dict[str, str]
    min_choices: str = ""
    max_choices: str = ""
    scale_min: str = ""
    scale_max: str = ""


def _parse_question(session: Session, survey: Survey, data: QuestionInput,
                    current: Question | None) -> tuple[dict[str, Any], dict[str, dict[str, dict[str, str]]]]:
    errors: dict[str, str] = {}
    try:
        kind = QuestionType(data.type)
    except ValueError:
        raise ValidationFailed({"type": _("Välj en frågetyp.")}) from None
    if not data.code or not rules.SLUG_RE.fullmatch(data.code.replace("_", "-")):
        errors["code"] = _("Koden får bara innehålla små bokstäver a–z, siffror, _ och - (högst 40 tecken).")
    else:
        clash = session.exec(select(Question.id).where(Question.survey_id == survey.id, Question.code == data.code,
                                                       Question.id != (current.id if current else None))).first()
        if clash:
            errors["code"] = _("Koden används redan av en annan fråga i enkäten.")
    if not data.page.isdecimal() or not 1 <= int(data.page) <= 50:
        errors["page"] = _("Ange ett sidnummer från 1 till 50.")
    if not data.text.get("sv"):
        errors["text-sv"] = _("Skriv frågan på svenska.")
    role = data.role or None
    if role and role not in {r.value for r in BackgroundRole}:
        errors["role"] = _("Välj en bakgrundsroll i listan.")
    parsed: dict[str, dict[str, dict[str, str]]] = {"option": {}, "item": {}}
    for kind_name, source in (("option", data.options), ("item", data.items)):
        base_codes: list[str] = []
        for lang, raw in source.items():
            lines, problem = rules.parse_option_lines(raw)
            if problem:
                errors[f"{kind_name}s-{lang}"] = problem
                continue
            if lang == "sv":
                base_codes = [code for code, _label in lines]
            for code, label in lines:
                parsed[kind_name].setdefault(code, {})[lang] = label
        unknown = [code for code in parsed[kind_name] if code not in base_codes]
        if unknown and f"{kind_name}s-sv" not in errors:
            errors[f"{kind_name}s-sv"] = _("Koden ”%(code)s” finns på ett annat språk men inte på svenska.") % {
                "code": unknown[0]}
    needs_options = kind in (QuestionType.single, QuestionType.multiple, QuestionType.matrix, QuestionType.ranking)
    if needs_options and not parsed["option"] and "options-sv" not in errors:
        errors["options-sv"] = _("Frågetypen behöver svarsalternativ.")
    if kind == QuestionType.matrix and not parsed["item"] and "items-sv" not in errors:
        errors["items-sv"] = _("Ett problembatteri behöver rader (påståenden).")
    settings: dict[str, Any] = dict(current.settings) if current else {}
    for name, raw, low, high in (("min_choices", data.min_choices, 0, 50), ("max_choices", data.max_choices, 1, 50),
                                 ("scale_min", data.scale_min, 0, 10), ("scale_max", data.scale_max, 1, 10)):
        if raw:
            if not raw.isdecimal() or not low <= int(raw) <= high:
                errors[name] = _("Ange ett heltal från %(low)s till %(high)s.") % {"low": low, "high": high}
            else:
                settings[name] = int(raw)
    if kind == QuestionType.ranking:
        settings.setdefault("rank_count", 3)
    if kind == QuestionType.place:
        settings.setdefault("with_time", True)
    condition_code = condition_value = None
    if data.condition:
        source_code, _sep, value = data.condition.partition("=")
        source_question = session.exec(select(Question).where(Question.survey_id == survey.id,
                                                              Question.code == source_code)).first()
        page = int(data.page) if data.page.isdecimal() else 0
        valid_values = set(session.exec(select(QuestionOption.code).where(
            QuestionOption.question_id == (source_question.id if source_question else 0),
            QuestionOption.kind == OptionKind.option)))
        if source_question is None or source_question.page >= page or value not in valid_values:
            errors["condition"] = _("Villkoret måste gälla ett svarsalternativ i en fråga på en tidigare sida.")
        else:
            condition_code, condition_value = source_code, value
    if errors:
        raise ValidationFailed(errors)
    fields = {"type": kind, "code": data.code, "page": int(data.page), "required": data.required,
              "role": BackgroundRole(role) if role else None,
              "text": {k: v for k, v in data.text.items() if v}, "help": {k: v for k, v in data.help.items() if v},
              "settings": settings, "condition_question_code": condition_code,
              "condition_value_code": condition_value}
    return fields, parsed


def save_question(session: Session, scope: Scope, survey: Survey, data: QuestionInput,
                  question: Question | None = None) -> Question:
    """Adds or changes a question with its options. Option rows keep their codes (so waves stay comparable)."""
    fields, parsed = _parse_question(session, survey, data, question)
    before = audit.snapshot(question)
    if question is None:
        last = session.execute(select(func.max(Question.position)).where(
            col(Question.survey_id) == survey.id, col(Question.page) == fields["page"])).scalar_one()
        question = Question(survey_id=survey.id or 0, position=int(last or 0) + 1, **fields)
    else:
        if question.code != fields["code"] and session.exec(select(Question.id).where(
                Question.survey_id == survey.id, Question.condition_question_code == question.code)).first():
            raise ValidationFailed({"code": _("Andra frågor har villkor på den här koden. Ändra dem först.")})
        for name, value in fields.items():
            setattr(question, name, value)
    session.add(question)
    session.flush()
    session.execute(delete(QuestionOption).where(col(QuestionOption.question_id) == question.id))
    rows = [{"question_id": question.id, "kind": kind, "code": code, "position": i, "label": labels}
            for kind in ("option", "item") for i, (code, labels) in enumerate(parsed[kind].items(), start=1)]
    if rows:
        session.execute(insert(QuestionOption), rows)
    survey.updated_at = clock.now()
    session.add(survey)
    forget_questionnaire(survey)
    audit.record(session, scope.user, "update" if before else "create", "survey_question", question.id,
                 municipality_id=scope.municipality_id, before=before,
                 after={**(audit.snapshot(question) or {}), "options": parsed})
    session.commit()
    return question


def _guard_has_no_answers(session: Session, survey: Survey) -> None:
    if response_count(session, survey):
        raise Conflict(_("Enkäten har redan svar. Kopiera den som en ny mätomgång för att ändra frågorna."))


def guard_editable(session: Session, survey: Survey) -> None:
    """Questions change only before answers exist; afterwards a new wave keeps the results comparable."""
    _guard_has_no_answers(session, survey)


def move_question(session: Session, scope: Scope, survey: Survey, question: Question, direction: str) -> None:
    siblings = list(session.exec(select(Question).where(Question.survey_id == survey.id)
                                 .order_by(col(Question.page), col(Question.position), col(Question.id))).all())
    index = next(i for i, q in enumerate(siblings) if q.id == question.id)
    other_index = index - 1 if direction == "up" else index + 1
    if direction not in ("up", "down") or not 0 <= other_index < len(siblings):
        return
    other = siblings[other_index]
    if other.page != question.page:
        question.page = other.page  # moving past a page edge moves the question onto that page
    for position, q in enumerate(siblings, start=1):
        q.position = position
    question.position, other.position = other.position, question.position
    pages = {q.code: q.page for q in siblings}
    if any(q.condition_question_code and pages.get(q.condition_question_code, 0) >= q.page for q in siblings):
        session.rollback()
        raise ValidationFailed({"direction": _("Flytten skulle sätta en fråga före frågan som dess villkor gäller.")})
    session.add_all(siblings)
    forget_questionnaire(survey)
    audit.record(session, scope.user, "move", "survey_question", question.id,
                 municipality_id=scope.municipality_id, after={"direction": direction, "page": question.page})
    session.commit()


def delete_question(session: Session, scope: Scope, survey: Survey, question: Question) -> None:
    dependants = session.exec(select(Question.code).where(Question.survey_id == survey.id,
                                                          Question.condition_question_code == question.code)).all()
    if dependants:
        raise ValidationFailed({"delete": _("Frågan %(codes)s har ett villkor på den här frågan. Ta bort "
                                            "villkoret först.") % {"codes": ", ".join(dependants)}})
    before = audit.snapshot(question)
    session.execute(delete(QuestionOption).where(col(QuestionOption.question_id) == question.id))
    session.delete(question)
    forget_questionnaire(survey)
    audit.record(session, scope.user, "delete", "survey_question", question.id,
                 municipality_id=scope.municipality_id, before=before)
    session.commit()


# --- staff: letter codes -------------------------------------------------------------------------------------


def generate_codes(session: Session, scope: Scope, survey: Survey, raw_count: str) -> list[str]:
    """N new one-time codes. Returns them in clear text once; only their hashes are stored."""
    if not raw_count.isdecimal() or not 1 <= int(raw_count) <= MAX_CODES_PER_BATCH:
        raise ValidationFailed({"count": _("Ange ett antal från 1 till %(n)s.") % {"n": MAX_CODES_PER_BATCH}})
    count = int(raw_count)
    codes: set[str] = set()
    while len(codes) < count:
        codes.add(rules.new_code())
    session.execute(insert(LetterCode), [{"survey_id": survey.id, "code_hash": rules.code_hash(c), "used": False}
                                         for c in codes])
    if SurveyMode.letter_codes.value not in survey.modes:
        survey.modes = [*survey.modes, SurveyMode.letter_codes.value]
        session.add(survey)
    forget_questionnaire(survey)
    audit.record(session, scope.user, "generate_codes", "survey", survey.id, municipality_id=scope.municipality_id,
                 after={"count": count})
    session.commit()
    return sorted(codes)


def code_counts(session: Session, survey: Survey) -> tuple[int, int]:
    """(codes in total, codes used)."""
    rows = dict(session.execute(select(LetterCode.used, func.count()).where(col(LetterCode.survey_id) == survey.id)
                                .group_by(col(LetterCode.used))).all())
    return sum(rows.values()), rows.get(True, 0)


def start_assisted(session: Session, scope: Scope, survey: Survey, language: str) -> str:
    token = start_draft(session, survey, language=language, channel=Channel.assisted)
    return token
