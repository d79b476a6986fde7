"""The situation picture of one wave and area, assembled from the wave's published set."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime

from sqlmodel import Session

from app.concerns import published, report
from app.concerns.crime_figures import CrimeRow, crime_rows
from app.concerns.hotspot_counts import hotspot_table
from app.concerns.queries import (
    NOT_STATED,
    TIMES,
    area_and_children,
    areas,
    channel_labels,
    get_area,
    get_wave,
    min_n,
    series_waves,
    wave_questions,
    waves,
)
from app.concerns.tagging import ThemeRow, theme_rows
from app.i18n import gettext as _
from app.models import Area, Municipality
from app.models.surveys import (
    Survey,
)


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

