"""Reads and writes of the concerns domain: GROUP BY counts in SQL, shaped into published (suppressed) tables.

Never loads every answer row: each figure is a GROUP BY over the covering indexes of survey_answer; only
free-text answers of one wave are read one by one (for themes), and those are a small share of all answers.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlmodel import Session, col

from app import audit, clock, spreadsheets
from app.auth import Scope
from app.concerns import hotspots, published, report, themes
from app.config import get_settings
from app.errors import NotFound, ValidationFailed
from app.i18n import current_language
from app.i18n import gettext as _
from app.masking import mask_text
from app.models import Area, Municipality
from app.models.concerns import AnswerTheme, ConcernPriority, CrimeStatistic, ThemeTerm
from app.models.dialogues import WalkObservation
from app.models.surveys import (
    Answer,
    OptionKind,
    Question,
    QuestionOption,
    QuestionType,
    Response,
    Survey,
    SurveyTranslation,
)

A = Answer.__table__  # type: ignore[attr-defined]
R = Response.__table__  # type: ignore[attr-defined]
Q = Question.__table__  # type: ignore[attr-defined]
TIMES = ("morning", "day", "evening", "night")
UNSAFE_QUESTION = "unsafe_evening"
NOT_STATED = ""  # group key of answers whose background question was left empty
MIN_PRIORITIES, MAX_PRIORITIES = 2, 4


def min_n() -> int:
    return get_settings().suppression_min_n


def channel_labels() -> dict[str, str]:
    return {"web": _("Webb"), "qr": _("QR-kod"), "code": _("Kod från brev"), "assisted": _("Med personal"),
            "paper": _("Papper")}


def time_labels() -> dict[str, str]:
    return {"morning": _("Morgon"), "day": _("Dag"), "evening": _("Kväll"), "night": _("Natt"),
            "": _("Ej angivet")}


def _label(texts: Mapping[str, str], lang: str) -> str:
    return texts.get(lang) or texts.get("sv") or next(iter(texts.values()), "")


# --- waves and areas ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class WaveInfo:
    id: int
    series_id: str
    wave: int
    title: str
    status: str


def waves(session: Session, municipality_id: int) -> list[WaveInfo]:
    """Every survey wave of the municipality, newest series and wave first."""
    rows = session.execute(
        select(col(Survey.id), col(Survey.series_id), col(Survey.wave), col(Survey.status),
               col(SurveyTranslation.language), col(SurveyTranslation.title))
        .outerjoin(SurveyTranslation, col(SurveyTranslation.survey_id) == col(Survey.id))
        .where(col(Survey.municipality_id) == municipality_id)
    ).all()
    lang = current_language()
    titles: dict[int, dict[str, str]] = defaultdict(dict)
    meta: dict[int, tuple[str, int, str]] = {}
    for sid, series, wave, status, language, title in rows:
        meta[sid] = (series, wave, str(status))
        if language:
            titles[sid][language] = title
    found = [WaveInfo(id=sid, series_id=s, wave=w, status=st,
                      title=_label(titles[sid], lang) or _("Enkät %(id)s") % {"id": sid})
             for sid, (s, w, st) in meta.items()]
    return sorted(found, key=lambda w: (w.series_id, -w.wave, -w.id))


def get_wave(session: Session, municipality_id: int, survey_id: int) -> Survey:
    survey = session.get(Survey, survey_id)
    if survey is None or survey.municipality_id != municipality_id:
        raise NotFound(_("Mätomgången finns inte."))
    return survey


def series_waves(session: Session, survey: Survey) -> list[Survey]:
    return list(session.scalars(select(Survey).where(col(Survey.municipality_id) == survey.municipality_id,
                                                     col(Survey.series_id) == survey.series_id)
                                .order_by(col(Survey.wave))).all())


def areas(session: Session, municipality_id: int) -> list[Area]:
    return list(session.scalars(select(Area).where(col(Area.municipality_id) == municipality_id)
                                .order_by(col(Area.name))).all())


def get_area(session: Session, municipality_id: int, area_id: int) -> Area:
    area = session.get(Area, area_id)
    if area is None or area.municipality_id != municipality_id:
        raise NotFound(_("Området finns inte."))
    return area


def area_and_children(all_areas: Iterable[Area], area: Area) -> list[int]:
    ids = [area.id or 0]
    ids += [a.id or 0 for a in all_areas if a.parent_id == area.id]
    return ids


# --- questions ---------------------------------------------------------------------------------------------

@dataclass
class WaveQuestions:
    battery: list[int] = field(default_factory=list)
    items: dict[str, str] = field(default_factory=dict)  # item code -> label, in questionnaire order
    unsafe: int | None = None
    roles: dict[str, int] = field(default_factory=dict)  # background role -> question id
    role_options: dict[str, dict[str, str]] = field(default_factory=dict)  # role -> option code -> label
    places: list[int] = field(default_factory=list)
    place_labels: dict[str, str] = field(default_factory=dict)
    texts: list[int] = field(default_factory=list)


def wave_questions(session: Session, survey_id: int) -> WaveQuestions:
    """The questions analysis needs, found by type, role and code (never by id across waves)."""
    lang = current_language()
    found = WaveQuestions()
    questions = session.execute(select(Q.c.id, Q.c.code, Q.c.type, Q.c.role).where(Q.c.survey_id == survey_id)
                                .order_by(Q.c.page, Q.c.position)).all()
    by_id = {row.id: row for row in questions}
    for row in questions:
        if row.type == QuestionType.matrix:
            found.battery.append(row.id)
        elif row.type == QuestionType.place:
            found.places.append(row.id)
        elif row.type == QuestionType.text:
            found.texts.append(row.id)
        if row.code == UNSAFE_QUESTION:
            found.unsafe = row.id
        if row.role in ("age", "gender") and row.role not in found.roles:
            found.roles[row.role] = row.id
    if not by_id:
        return found
    options = session.execute(
        select(col(QuestionOption.question_id), col(QuestionOption.kind), col(QuestionOption.code),
               col(QuestionOption.label))
        .where(col(QuestionOption.question_id).in_(list(by_id)))
        .order_by(col(QuestionOption.question_id), col(QuestionOption.position))).all()
    for qid, kind, code, label in options:
        if qid in found.battery and kind == OptionKind.item:
            found.items.setdefault(code, _label(label, lang))
        elif qid in found.places and kind == OptionKind.option:
            found.place_labels.setdefault(code, _label(label, lang))
        for role, role_qid in found.roles.items():
            if qid == role_qid and kind == OptionKind.option:
                found.role_options.setdefault(role, {})[code] = _label(label, lang)
    return found


# --- the dashboard ---------------------------------------------------------------------------------------------

@dataclass
class ThemeRow:
    theme: str
    label: str
    count: int | None  # None = too few answers
    quotes: list[str]


@dataclass
class CrimeRow:
    area: str
    category: str
    period: str
    count: int


@dataclass
class Dashboard:
    survey: Survey
    title: str
    area: Area | None
    total_responses: int | None  # None = fewer than min_n (never printed)
    concerns: list[report.ConcernRow]
    previous_wave: int | None
    unsafe: report.Cell | None
    unsafe_rows: list[report.UnsafeRow]
    breakdowns: list[report.Breakdown]
    trend_waves: list[int]
    trend: list[report.TrendRow]
    responses: report.ResponsesTable
    themes: list[ThemeRow]
    hotspots: report.Hotspots
    crime: list[CrimeRow]
    area_labels: dict[str, str]
    min_n: int
    built_at: datetime | None = None  # when the published set read here was built
    snapshot: bool = False  # an open wave: the staff's daily snapshot, not final results
    live_responses: int | None = None  # an open wave's responses so far (None under min_n)
    has_responses: bool = False

    @property
    def empty(self) -> bool:
        return not self.has_responses or self.total_responses == 0


def node_labels(all_areas: Iterable[Area]) -> dict[str, str]:
    """Names of the published geography nodes (see published.geography)."""
    labels = {published.ALL: _("hela kommunen"), published.NONE: _("Inget område angivet")}
    for a in all_areas:
        labels[published.node_key(a.id or 0)] = a.name
        labels[published.own_key(a.id or 0)] = _("%(name)s, inget delområde") % {"name": a.name}
    return labels


def dashboard(session: Session, municipality: Municipality, survey_id: int, area_id: int | None) -> Dashboard:
    """The situation picture of one wave and area, read from the wave's published set (never from answers):
    a closed wave's public set, or an open wave's daily staff snapshot."""
    mid = municipality.id or 0
    survey = get_wave(session, mid, survey_id)
    all_areas = areas(session, mid)
    area = get_area(session, mid, area_id) if area_id is not None else None
    area_labels = {str(a.id): a.name for a in all_areas}
    area_labels[""] = _("Inget område angivet")
    labels = node_labels(all_areas)
    limit = min_n()
    questions = wave_questions(session, survey.id or 0)
    sid = survey.id or 0
    node = published.node_key(area.id or 0) if area else published.ALL
    pub = published.for_staff(session, survey)
    live = published.response_count(session, sid)

    def cells(p: published.Published | None, item: str, at: str, dim: str = "total") -> report.Stored:
        return p.cell(item, at, dim) if p is not None else None

    chain = series_waves(session, survey)
    earlier = [w for w in chain if w.wave < survey.wave]
    previous_wave = earlier[-1].wave if earlier else None
    before = published.for_staff(session, earlier[-1]) if earlier else None
    concerns = report.ranked_cells({i: cells(pub, i, node) for i in questions.items}, questions.items,
                                   {i: cells(before, i, node) for i in questions.items} if before else None)

    children = pub.children(node) if pub else []
    populations = {published.node_key(a.id or 0): a.population for a in all_areas}
    channels = list(pub.payload.get("channels", [])) if pub else []
    responses_table = report.responses_cells(
        node, children, [c for c in channel_labels() if c in channels],
        (lambda at, ch: pub.responses_cell(at, ch)) if pub else (lambda at, ch: None),
        labels, channel_labels(), populations)

    unsafe_cell: report.Cell | None = None
    unsafe_rows: list[report.UnsafeRow] = []
    if questions.unsafe is not None and pub is not None and pub.payload.get("unsafe"):
        unsafe_cell = report.cell_of(cells(pub, published.UNSAFE, node))
        unsafe_rows = [report.UnsafeRow(group=c, label=labels.get(c, c),
                                        cell=report.cell_of(cells(pub, published.UNSAFE, c))) for c in children]

    breakdowns = []
    titles = {"gender": _("Kön"), "age": _("Ålder")}
    for role, codes in (("gender", pub.payload.get("genders", []) if pub else []),
                        ("age", pub.payload.get("ages", []) if pub else [])):
        if role not in questions.roles:
            continue
        options = dict(questions.role_options.get(role, {}))
        options[NOT_STATED] = _("Ej angivet")
        breakdowns.append(report.breakdown_cells(
            titles[role], list(codes), options,
            {i: {g: cells(pub, i, node, f"{role}:{g}") for g in codes} for i in questions.items}, questions.items))
    if children:
        breakdowns.append(report.breakdown_cells(
            _("Delområde") if area else _("Område"), children, labels,
            {i: {c: cells(pub, i, c) for c in children} for i in questions.items}, questions.items))

    trend_waves = [w.wave for w in chain if w.wave <= survey.wave]
    per_wave = []
    for w in chain:
        if w.wave > survey.wave:
            continue
        wp = pub if w.id == survey.id else published.for_staff(session, w)
        per_wave.append({i: cells(wp, i, node) for i in questions.items})
    trend_rows = report.trend_cells(per_wave, questions.items)

    area_ids = area_and_children(all_areas, area) if area else None
    final = str(survey.status) in published.FINAL_STATUSES
    up_to = pub.last_response_id if pub else None  # the published set's responses, not the live ones
    # Themes and places of an open wave would change with each submission: shown once the wave has closed.
    return Dashboard(
        survey=survey, title=next((w.title for w in waves(session, mid) if w.id == sid), ""), area=area,
        total_responses=pub.responses_cell(node) if pub else None, concerns=concerns, previous_wave=previous_wave,
        unsafe=unsafe_cell, unsafe_rows=unsafe_rows, breakdowns=breakdowns, trend_waves=trend_waves,
        trend=trend_rows, responses=responses_table,
        # Live counts outside the published set: for the whole municipality only, since an area's count taken
        # from the municipality's gives the themes of the few residents outside the area.
        themes=theme_rows(session, mid, sid, questions, None, limit, up_to=up_to) if final and area is None else [],
        # Residents' places likewise (an area's places would difference against the municipality's); an area
        # keeps its safety-walk observations, which are staff records.
        hotspots=hotspot_table(session, mid, sid, questions if area is None else replace(questions, places=[]),
                               area_ids, all_areas, limit, up_to=up_to) if final else report.Hotspots(times=TIMES),
        crime=crime_rows(session, mid, area_ids, area_labels), area_labels=area_labels, min_n=limit,
        built_at=pub.built_at if pub else None, snapshot=not final,
        live_responses=live if live >= limit else None, has_responses=live > 0)

# --- themes ---------------------------------------------------------------------------------------------------

def lexicon(session: Session, municipality_id: int) -> dict[str, str]:
    terms = session.execute(select(col(ThemeTerm.stem), col(ThemeTerm.theme))
                            .where(col(ThemeTerm.municipality_id) == municipality_id)).all()
    return themes.merged_lexicon((str(s), str(t)) for s, t in terms)


def theme_labels(questions: WaveQuestions) -> dict[str, str]:
    labels = {f"item:{code}": label for code, label in questions.items.items()}
    labels.update({f"place:{code}": _("Plats: %(name)s") % {"name": label}
                   for code, label in questions.place_labels.items()})
    for code in ("station", "centre", "park", "underpass", "school"):
        labels.setdefault(f"place:{code}", _("Plats: %(name)s") % {"name": code})
    return labels


def text_answers(session: Session, survey_id: int, question_ids: list[int],
                 area_ids: list[int] | None, up_to: int | None = None) -> list[tuple[int, str]]:
    stmt = select(A.c.id, A.c.value_text).select_from(A.join(R, R.c.id == A.c.response_id)) \
        .where(A.c.survey_id == survey_id, A.c.question_id.in_(question_ids or [-1]), A.c.value_text.is_not(None))
    if up_to is not None:
        stmt = stmt.where(R.c.id <= up_to)
    if area_ids is not None:
        stmt = stmt.where(R.c.area_id.in_(area_ids or [-1]))
    return [(int(i), str(t)) for i, t in session.execute(stmt.order_by(A.c.id)).all() if t and t.strip()]


def answer_themes(session: Session, municipality_id: int, survey_id: int,
                  answers: list[tuple[int, str]]) -> dict[int, set[str]]:
    """Themes of each answer: the lexicon's, unless staff re-tagged it (then exactly the staff's)."""
    words = lexicon(session, municipality_id)
    retagged: dict[int, set[str]] = defaultdict(set)
    for answer_id, theme in session.execute(select(col(AnswerTheme.answer_id), col(AnswerTheme.theme))
                                            .where(col(AnswerTheme.survey_id) == survey_id)).all():
        retagged[int(answer_id)].add(str(theme))
    out = {}
    for answer_id, text in answers:
        out[answer_id] = {t for t in retagged[answer_id] if t} if answer_id in retagged else \
            themes.classify(text, words)
    return out


def theme_rows(session: Session, municipality_id: int, survey_id: int, questions: WaveQuestions,
               area_ids: list[int] | None, limit: int, quotes_per_theme: int = 3,
               up_to: int | None = None) -> list[ThemeRow]:
    """Themes of the answers of responses up to `up_to` (the published set's), counted per theme."""
    answers = text_answers(session, survey_id, questions.texts, area_ids, up_to)
    if not answers:
        return []
    tagged = answer_themes(session, municipality_id, survey_id, answers)
    texts = dict(answers)
    members: dict[str, list[int]] = defaultdict(list)
    for answer_id, found in tagged.items():
        for theme in found:
            members[theme].append(answer_id)
    labels = theme_labels(questions)
    rows = []
    for theme, ids in sorted(members.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        shown = len(ids) >= limit
        # Quotes only from themes with enough answers, and always masked.
        quotes = [mask_text(texts[i])[:300] for i in ids[:quotes_per_theme]] if shown else []
        rows.append(ThemeRow(theme=theme, label=labels.get(theme, theme), count=len(ids) if shown else None,
                             quotes=quotes))
    untagged = sum(1 for found in tagged.values() if not found)
    if untagged:
        rows.append(ThemeRow(theme="", label=_("Utan tema"), count=untagged if untagged >= limit else None,
                             quotes=[]))
    return rows


def answer_survey(session: Session, municipality_id: int, answer_id: int) -> Survey:
    """The wave of a free-text answer, if the answer belongs to this municipality."""
    row = session.execute(select(A.c.survey_id).where(A.c.id == answer_id)).first()
    if row is None:
        raise NotFound(_("Svaret finns inte."))
    return get_wave(session, municipality_id, int(row[0]))


def retag(session: Session, scope: Scope, survey: Survey, answer_id: int, themes_chosen: list[str]) -> None:
    """Replace an answer's themes with the staff's choice (an empty choice means "no theme")."""
    sid = survey.id or 0
    questions = wave_questions(session, sid)
    row = session.execute(select(A.c.id).where(A.c.id == answer_id, A.c.survey_id == sid,
                                               A.c.question_id.in_(questions.texts or [-1]))).first()
    if row is None:
        raise NotFound(_("Svaret finns inte."))
    allowed = set(theme_labels(questions))
    chosen = sorted({t for t in themes_chosen if t in allowed})
    before = [str(t) for t in session.scalars(select(col(AnswerTheme.theme))
                                              .where(col(AnswerTheme.answer_id) == answer_id))]
    session.execute(delete(AnswerTheme).where(col(AnswerTheme.answer_id) == answer_id))
    session.execute(insert(AnswerTheme), [{"answer_id": answer_id, "survey_id": sid, "theme": t,
                                           "tagged_by": scope.user.id, "tagged_at": clock.now()}
                                          for t in (chosen or [""])])
    audit.record(session, scope.user, "concerns.retag", "survey_answer", answer_id,
                 municipality_id=scope.municipality_id, before={"themes": before}, after={"themes": chosen})
    session.commit()


def add_term(session: Session, scope: Scope, term: str, theme: str, allowed: Iterable[str]) -> ThemeTerm:
    stem = themes.normalise_term(term)
    errors = {}
    if not stem or len(stem) < 2:
        errors["term"] = _("Skriv ett ord med minst två bokstäver.")
    if theme not in set(allowed):
        errors["theme"] = _("Välj ett tema.")
    if errors:
        raise ValidationFailed(errors)
    existing = session.scalars(select(ThemeTerm).where(col(ThemeTerm.municipality_id) == scope.municipality_id,
                                                       col(ThemeTerm.stem) == stem)).first()
    found = existing or ThemeTerm(municipality_id=scope.municipality_id, stem=stem, theme=theme)
    found.theme = theme
    session.add(found)
    session.flush()
    audit.record(session, scope.user, "concerns.term", "concern_theme_term", found.id,
                 municipality_id=scope.municipality_id, after={"stem": stem, "theme": theme})
    session.commit()
    return found


def delete_term(session: Session, scope: Scope, term_id: int) -> None:
    found = session.get(ThemeTerm, term_id)
    if found is None or found.municipality_id != scope.municipality_id:
        raise NotFound
    audit.record(session, scope.user, "concerns.term_delete", "concern_theme_term", term_id,
                 municipality_id=scope.municipality_id, before={"stem": found.stem, "theme": found.theme})
    session.delete(found)
    session.commit()


def staff_terms(session: Session, municipality_id: int) -> list[ThemeTerm]:
    return list(session.scalars(select(ThemeTerm).where(col(ThemeTerm.municipality_id) == municipality_id)
                                .order_by(col(ThemeTerm.stem))).all())


# --- hotspots ---------------------------------------------------------------------------------------------------

GRID = 0.002  # degrees of latitude/longitude per hotspot cell (about 200 m by 120 m in southern Sweden)


def hotspot_table(session: Session, municipality_id: int, survey_id: int, questions: WaveQuestions,
                  area_ids: list[int] | None, all_areas: list[Area], limit: int,
                  up_to: int | None = None) -> report.Hotspots:
    """Place answers grouped in SQL: picked landmarks/sub-areas by code, map points by a grid cell (responses up
    to `up_to`, the published set's)."""
    place_counts: dict[str, dict[str, int]] = defaultdict(dict)
    positions: dict[str, tuple[float, float]] = {}
    labels = dict(questions.place_labels)
    slugs = {f"area:{a.slug}": a.name for a in all_areas}
    labels.update(slugs)
    if questions.places:
        base = A.join(R, R.c.id == A.c.response_id)
        cell_lat = func.round(A.c.lat / GRID)
        cell_lon = func.round(A.c.lon / GRID)
        stmt = select(A.c.value_code, cell_lat, cell_lon, R.c.area_id, A.c.time_of_day, func.count(),
                      func.sum(A.c.lat), func.sum(A.c.lon)).select_from(base) \
            .where(A.c.survey_id == survey_id, A.c.question_id.in_(questions.places))
        if area_ids is not None:
            stmt = stmt.where(R.c.area_id.in_(area_ids or [-1]))
        if up_to is not None:
            stmt = stmt.where(R.c.id <= up_to)
        stmt = stmt.group_by(A.c.value_code, cell_lat, cell_lon, R.c.area_id, A.c.time_of_day)
        # (place key, sub-area of the answer, time of day, n, sum of lat, sum of lon)
        parts: list[tuple[str, str, str, int, float, float]] = []
        for code, clat, clon, area, time, n, sum_lat, sum_lon in session.execute(stmt).all():
            if code:
                key = str(code)
            elif clat is not None and clon is not None:
                key = f"cell:{int(clat)}:{int(clon)}"
            else:
                continue
            parts.append((key, "" if area is None else str(area), str(time or ""), int(n),
                          float(sum_lat or 0), float(sum_lon or 0)))
        cell_totals: dict[str, int] = defaultdict(int)
        for key, _area, _time, n, _la, _lo in parts:
            cell_totals[key] += n
        names = {str(a.id): a.name for a in all_areas}
        sums: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
        for key, area, time, n, sum_lat, sum_lon in parts:
            if key.startswith("cell:") and cell_totals[key] < limit:
                # Too few answers in one grid cell: cluster the points by the sub-area they were given in.
                key = f"points:{area}"
                labels.setdefault(key, _("Punkter på kartan i %(area)s") % {"area": names.get(area, "–")})
            elif key.startswith("cell:"):
                labels.setdefault(key, _("Punkt på kartan nära %(lat).3f, %(lon).3f")
                                  % {"lat": sum_lat / n, "lon": sum_lon / n})
            place_counts[key][time] = place_counts[key].get(time, 0) + n
            if sum_lat and sum_lon:
                acc = sums[key]
                acc[0] += sum_lat
                acc[1] += sum_lon
                acc[2] += n
        positions = {k: (v[0] / v[2], v[1] / v[2]) for k, v in sums.items() if v[2]}
        for a in all_areas:  # a picked sub-area sits at the middle of its polygon
            ring = next(iter(hotspots.rings(a.geojson)), [])
            if ring and f"area:{a.slug}" in place_counts:
                positions[f"area:{a.slug}"] = (sum(p[1] for p in ring) / len(ring), sum(p[0] for p in ring) / len(ring))
    observations = walk_observation_counts(session, municipality_id, area_ids)
    for key, (_count, lat, lon) in observations.items():
        labels.setdefault(key, _("Punkt på kartan nära %(lat).3f, %(lon).3f") % {"lat": lat, "lon": lon})
        positions.setdefault(key, (lat, lon))
        place_counts.setdefault(key, {})
    table = report.hotspots(place_counts, labels, TIMES, limit, positions,
                            {k: v[0] for k, v in observations.items()})
    # Places seen only on safety walks are staff records: list them even without residents' answers.
    listed = {row.key for row in table.rows}
    for key, (count, lat, lon) in sorted(observations.items(), key=lambda kv: -kv[1][0]):
        if key not in listed and not place_counts.get(key):
            table.rows.append(report.PlaceRow(key=key, label=labels[key], count=0, by_time=(), lat=lat, lon=lon,
                                              observations=count))
            table.hidden_places = max(0, table.hidden_places - 1)
    return table


def walk_observation_counts(session: Session, municipality_id: int,
                            area_ids: list[int] | None) -> dict[str, tuple[int, float, float]]:
    """Safety-walk observations with a position, counted per grid cell (read-only: the dialogues' table)."""
    W = WalkObservation.__table__  # type: ignore[attr-defined]
    if "municipality_id" not in W.c:
        return {}
    cell_lat = func.round(W.c.latitude / GRID)
    cell_lon = func.round(W.c.longitude / GRID)
    stmt = select(cell_lat, cell_lon, func.count(), func.avg(W.c.latitude), func.avg(W.c.longitude)) \
        .where(W.c.municipality_id == municipality_id, W.c.latitude.is_not(None), W.c.longitude.is_not(None))
    if area_ids is not None:
        stmt = stmt.where(W.c.area_id.in_(area_ids or [-1]))
    out = {}
    for clat, clon, n, lat, lon in session.execute(stmt.group_by(cell_lat, cell_lon)).all():
        out[f"cell:{int(clat)}:{int(clon)}"] = (int(n), float(lat), float(lon))
    return out


# --- crime statistics -------------------------------------------------------------------------------------------

def crime_rows(session: Session, municipality_id: int, area_ids: list[int] | None,
               area_labels: Mapping[str, str]) -> list[CrimeRow]:
    stmt = select(col(CrimeStatistic.area_id), col(CrimeStatistic.category), col(CrimeStatistic.period),
                  col(CrimeStatistic.count)).where(col(CrimeStatistic.municipality_id) == municipality_id)
    if area_ids is not None:
        stmt = stmt.where(col(CrimeStatistic.area_id).in_(area_ids or [-1]))
    rows = [CrimeRow(area=area_labels.get(str(a), str(a)), category=str(c), period=str(p), count=int(n))
            for a, c, p, n in session.execute(stmt).all()]
    return sorted(rows, key=lambda r: (r.area, r.category, r.period))


def import_crime_csv(session: Session, scope: Scope, data: bytes) -> int:
    """All or nothing: every row valid, or nothing imported and every bad row named."""
    from app.concerns.crime import parse_crime_csv

    by_key = {}
    for a in areas(session, scope.municipality_id):
        by_key[a.slug.lower()] = a.id or 0
        by_key[a.name.lower()] = a.id or 0
    rows, errors = parse_crime_csv(data, by_key)
    if errors:
        raise ValidationFailed({"file": "; ".join(errors[:20]) + (" …" if len(errors) > 20 else "")})
    mid = scope.municipality_id
    keys = {(r.area_id, r.category, r.period) for r in rows}
    existing = {(int(a), str(c), str(p)): int(i) for i, a, c, p in session.execute(
        select(col(CrimeStatistic.id), col(CrimeStatistic.area_id), col(CrimeStatistic.category),
               col(CrimeStatistic.period)).where(col(CrimeStatistic.municipality_id) == mid)).all()}
    replace_ids = [existing[k] for k in keys if k in existing]
    if replace_ids:
        session.execute(delete(CrimeStatistic).where(col(CrimeStatistic.id).in_(replace_ids)))
    now = clock.now()
    session.execute(insert(CrimeStatistic), [
        {"municipality_id": mid, "area_id": r.area_id, "category": r.category, "period": r.period,
         "count": r.count, "uploaded_by": scope.user.id, "uploaded_at": now} for r in rows])
    audit.record(session, scope.user, "concerns.crime_import", "crime_statistic", None, municipality_id=mid,
                 after={"rows": len(rows), "replaced": len(replace_ids)})
    session.commit()
    return len(rows)


# --- priorities ---------------------------------------------------------------------------------------------------

def priorities(session: Session, municipality_id: int, survey_id: int) -> list[ConcernPriority]:
    return list(session.scalars(select(ConcernPriority).where(col(ConcernPriority.municipality_id) == municipality_id,
                                                              col(ConcernPriority.survey_id) == survey_id)
                                .order_by(col(ConcernPriority.position))).all())


def choose_priorities(session: Session, scope: Scope, survey: Survey, area: Area | None,
                      chosen: list[str]) -> list[ConcernPriority]:
    """Replace the wave's priorities with 2-4 chosen items, snapshotting their published numbers."""
    unique = list(dict.fromkeys(chosen))
    if str(survey.status) not in published.FINAL_STATUSES:
        # A pledge quotes its priorities publicly: an open wave's snapshot must not reach the public that way.
        raise ValidationFailed({"items": _("Resultaten publiceras när mätomgången har stängts.")})
    if not MIN_PRIORITIES <= len(unique) <= MAX_PRIORITIES:
        raise ValidationFailed({"items": _("Välj mellan %(min)s och %(max)s problem.")
                                % {"min": MIN_PRIORITIES, "max": MAX_PRIORITIES}})
    board = dashboard(session, scope.municipality, survey.id or 0, area.id if area else None)
    rows = {r.item_code: r for r in board.concerns}
    unknown = [c for c in unique if c not in rows]
    if unknown:
        raise ValidationFailed({"items": _("Välj bland problemen i listan.")})
    before = [p.item_code for p in priorities(session, scope.municipality_id, survey.id or 0)]
    session.execute(delete(ConcernPriority).where(col(ConcernPriority.survey_id) == survey.id,
                                                  col(ConcernPriority.municipality_id) == scope.municipality_id))
    saved = []
    for position, code in enumerate(unique, start=1):
        row = rows[code]
        priority = ConcernPriority(municipality_id=scope.municipality_id, survey_id=survey.id or 0,
                                   series_id=survey.series_id, wave=survey.wave, area_id=area.id if area else None,
                                   item_code=code, item_label=row.label[:200], position=position,
                                   share=row.cell.share, n=row.cell.n or 0, low=row.cell.low, high=row.cell.high,
                                   chosen_by=scope.user.id)
        session.add(priority)
        saved.append(priority)
    session.flush()
    audit.record(session, scope.user, "concerns.priorities", "concern_priority", survey.id,
                 municipality_id=scope.municipality_id, before={"items": before},
                 after={"items": unique, "area_id": area.id if area else None,
                        "figures": {p.item_code: {"share": p.share, "n": p.n, "low": p.low, "high": p.high}
                                    for p in saved}})
    session.commit()
    return saved


# --- exports ---------------------------------------------------------------------------------------------------------

def pct(value: float | None) -> str:
    return "" if value is None else f"{100 * value:.0f}"


def export_tables(board: Dashboard) -> dict[str, tuple[list[str], list[list[Any]]]]:
    """Every dashboard table as (header, rows), with suppressed cells as the text "too few answers"."""
    few = _("för få svar")

    def show(cell: report.Cell, attr: str) -> Any:
        if cell.hidden:
            return few
        value = getattr(cell, attr)
        return "" if value is None else (round(100 * value, 1) if attr in ("share", "low", "high") else value)

    tables: dict[str, tuple[list[str], list[list[Any]]]] = {}
    tables["concerns"] = ([_("Rang"), _("Problem"), _("Andel stort problem (%)"), _("Lägre gräns (%)"),
                           _("Övre gräns (%)"), _("Antal svar"), _("Medelvärde 0–3"), _("Förändring (procentenheter)"),
                           _("Signifikant")],
                          [[r.rank or "", r.label, show(r.cell, "share"), show(r.cell, "low"), show(r.cell, "high"),
                            show(r.cell, "n"), "" if r.mean is None else round(r.mean, 2),
                            "" if r.change is None else round(100 * r.change.difference, 1),
                            "" if r.change is None else (_("ja") if r.change.significant else _("nej"))]
                           for r in board.concerns])
    if board.unsafe is not None:
        tables["unsafe"] = ([_("Område"), _("Andel otrygga (%)"), _("Lägre gräns (%)"), _("Övre gräns (%)"),
                             _("Antal svar")],
                            [[_("Alla"), show(board.unsafe, "share"), show(board.unsafe, "low"),
                              show(board.unsafe, "high"), show(board.unsafe, "n")]] +
                            [[r.label, show(r.cell, "share"), show(r.cell, "low"), show(r.cell, "high"),
                              show(r.cell, "n")] for r in board.unsafe_rows])
    for b in board.breakdowns:
        header = [_("Problem")] + [f"{g} (%)" for g in b.group_labels] + [f"{g} (n)" for g in b.group_labels]
        tables[f"breakdown_{b.kind}"] = (header, [[row.label] + [show(c, "share") for c in row.cells] +
                                                  [show(c, "n") for c in row.cells] for row in b.rows])
    tables["trend"] = ([_("Problem")] + [_("Omgång %(wave)s (%%)") % {"wave": w} for w in board.trend_waves],
                       [[row.label] + [show(c, "share") for c in row.cells] for row in board.trend])
    rt = board.responses
    tables["responses"] = ([_("Område"), *rt.channel_labels, _("Totalt"), _("Invånare"), _("Svar per 1 000 invånare")],
                           [[rt.area_labels[i], *[few if v is None else v for v in rt.cells[i]],
                             few if rt.area_totals[i] is None else rt.area_totals[i],
                             "" if rt.populations[i] is None else rt.populations[i],
                             "" if rt.rates[i] is None else rt.rates[i]] for i in range(len(rt.areas))])
    tables["themes"] = ([_("Tema"), _("Antal svar"), _("Exempel (maskerade)")],
                        [[t.label, few if t.count is None else t.count, " | ".join(t.quotes)] for t in board.themes])
    tl = time_labels()
    tables["hotspots"] = ([_("Plats"), _("Antal svar"), *[tl[t] for t in (*board.hotspots.times, "")],
                           _("Observationer från trygghetsvandringar")],
                          [[p.label, p.count, *[few if v is None else v for v in p.by_time], p.observations]
                           for p in board.hotspots.rows])
    tables["crime"] = ([_("Område"), _("Brottskategori"), _("Period"), _("Anmälda brott")],
                       [[c.area, c.category, c.period, c.count] for c in board.crime])
    return tables


def csv_bytes(header: list[str], rows: list[list[Any]]) -> bytes:
    return spreadsheets.csv_bytes(header, rows, delimiter=";")


def _csv_safe(value: Any) -> Any:
    """Kept for callers elsewhere; the rule lives in app/spreadsheets.py."""
    return spreadsheets.safe_cell(value)


def xlsx_bytes(tables: Mapping[str, tuple[list[str], list[list[Any]]]], method: list[str]) -> bytes:
    sheets: dict[str, tuple[list[str] | None, list[list[Any]]]] = {_("Metod"): (None, [[line] for line in method])}
    sheets.update(tables)
    return spreadsheets.xlsx_bytes(sheets)


def method_lines(limit: int) -> list[str]:
    return [
        _("Andel stort problem: andelen som svarat mycket eller ganska stort problem, bland dem som tagit "
          "ställning (vet ej räknas inte)."),
        _("Osäkerhet: 95 % konfidensintervall enligt Wilson."),
        _("Medelvärde: mycket stort problem = 3, ganska stort = 2, ganska litet = 1, inget problem = 0."),
        _("Rangordning: problemen ordnas efter andel stort problem för alla valda områden sammanslaget (varje svar "
          "väger lika); lika andel avgörs av medelvärdet. Problem med för få svar rangordnas inte."),
        _("Förändring: skillnad mot förra mätomgången i samma serie; signifikant betyder att ett tvåsidigt "
          "z-test för två andelar ger p < 0,05."),
        _("Otrygghet: andelen som känner sig mycket eller ganska otrygg ute ensam sent en kväll, eller inte går ut "
          "av otrygghet; de som inte går ut av andra skäl räknas inte."),
        _("Små grupper: en siffra som bygger på färre än %(n)s svar visas inte (för få svar). Detsamma gäller en "
          "grupp med färre än 10 svar där alla svarat likadant (0 %% eller 100 %% stort problem). En grupp utan "
          "svar visas som 0, eftersom den inte säger något om någon person.") % {"n": limit},
        _("Dolda siffror i alla nivåer: ytterligare siffror döljs, samma i alla tabeller, exporter och i API:t, "
          "för hela kommunen, varje område, delområde, svar utan område och uppdelningen på kön och ålder, så att "
          "en dold siffra inte kan räknas fram genom att lägga ihop eller dra ifrån publicerade siffror."),
        _("Kontroll: innan en mätomgångs siffror publiceras räknas för varje dold siffra det minsta och största "
          "värde ut som stämmer med allt som publiceras (linjärprogrammering). Skillnaden måste vara minst "
          "%(n)s, annars publiceras ingenting.") % {"n": limit},
        _("Öppna mätomgångar: inga resultat publiceras medan en mätomgång pågår. Personalen ser antalet svar och "
          "en ögonblicksbild som uppdateras högst en gång per dygn. Resultaten blir offentliga när mätomgången "
          "stängs."),
        _("Teman och platser: citat visas bara för teman med minst %(n)s svar och är maskerade (namn, "
          "telefonnummer, e-post, personnummer); platser med färre än %(n)s svar räknas bara samman.")
        % {"n": limit},
        _("Enskilda svar (svarslistan och råexporter) kan bara administratörer och samordnare se."),
    ]
