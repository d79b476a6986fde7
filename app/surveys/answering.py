"""The resident's write path: drafts, posted pages and submission, through the group committer."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, delete, insert, update
from sqlalchemy import select as core_select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from app import clock, i18n, ratelimit
from app.batching import TwoPhase
from app.db import writing
from app.errors import AppError, ValidationFailed
from app.i18n import gettext as _
from app.models.surveys import (
    Channel,
    CodeFailures,
    LetterCode,
    Response,
    Survey,
    SurveyDraft,
    SurveyMode,
)
from app.surveys import rules
from app.surveys.codes import code_hash, normalise_code, token_hash
from app.surveys.questionnaires import Questionnaire, is_open, open_between

DRAFT_LIFETIME = timedelta(days=2)

# Core tables for the group-committed resident writes (no ORM objects on that path).
_DRAFT = SurveyDraft.__table__  # type: ignore[attr-defined]
_SURVEY = Survey.__table__  # type: ignore[attr-defined]
_CODE = LetterCode.__table__  # type: ignore[attr-defined]
_FAILURES = CodeFailures.__table__  # type: ignore[attr-defined]


class TooManyRequests(AppError):
    """Too many wrong letter codes from one client address within the hour: 429."""

    status = 429


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
            token_hash=token_hash(start.token), survey_id=start.survey.id, language=start.language,
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
    code = normalise_code(start.raw_code)
    if code is None:
        raise ValidationFailed({"code": _("Koden ska vara 10 tecken, bokstäver och siffror, som på brevet.")})
    if start.client_key and ratelimit.count(connection, start.client_key) >= start.limit:
        raise TooManyRequests(_("Du har skrivit fel kod för många gånger. Vänta en timme och försök igen."))
    digest = code_hash(code)
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
    with writing(session):  # a refused code is still counted
        outcome = begin_drafts(session.connection(), [DraftStart(survey, language, channel, raw_code)])[0]
    if not isinstance(outcome, str):
        raise outcome
    return outcome


def find_draft(session: Session, survey: Survey, token: str | None) -> SurveyDraft | None:
    if not token or len(token) > 100:
        return None
    draft = session.get(SurveyDraft, token_hash(token))
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
