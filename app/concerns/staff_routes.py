"""Staff pages of the concerns domain. Every router here is under /staff/m/{municipality} and carries a permission.

Reading the situation picture needs only membership of the municipality ("view", which every role has, so the
router carries the scope itself); choosing priorities, uploading crime statistics and editing themes need "edit".
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from jinja2.utils import htmlsafe_json_dumps
from sqlmodel import Session

from app.auth import Scope, require_permission, staff_scope
from app.concerns import charts, crime_figures, dashboard, exports, hotspots, priorities, queries, tagging, themes
from app.concerns.public_routes import PLOTLY_VERSION, plotly_injected_style_ids
from app.concerns.staff_forms import CrimeFileForm, PriorityForm, RetagForm, TermForm
from app.deps import FormDep, ScopeDep, SessionDep, owned
from app.errors import NotFound, ValidationFailed
from app.i18n import gettext as _
from app.masking import mask_text
from app.models import Area
from app.models.concerns import ThemeTerm
from app.web import flash, form_str, redirect, render

PREFIX = "/staff/m/{municipality}/concerns"
view_router = APIRouter(prefix=PREFIX, dependencies=[Depends(staff_scope)])
edit_router = APIRouter(prefix=PREFIX, dependencies=[Depends(require_permission("edit"))])

routers: list[APIRouter] = [view_router, edit_router]

OwnedTerm = Annotated[ThemeTerm, Depends(owned(ThemeTerm, "concern_term_id"))]


def _path(request: Request, scope: Scope, name: str) -> str:
    """The path of one of this domain's pages for the scope's municipality (query and fragment to be appended)."""
    return str(request.app.url_path_for(name, municipality=scope.municipality.slug))


def _int_param(request: Request, name: str) -> int | None:
    """An id from the query string; a malformed one is a page that does not exist (404)."""
    raw = request.query_params.get(name, "").strip()
    if not raw:
        return None
    if not raw.isdecimal() or len(raw) > 12:
        raise NotFound
    return int(raw)


def _selection(request: Request, session: Session, scope: Scope) -> tuple[list[queries.WaveInfo], int | None,
                                                                          int | None]:
    wave_list = queries.waves(session, scope.municipality_id)
    survey_id = _int_param(request, "wave")
    area_id = _int_param(request, "area")
    if survey_id is None and wave_list:
        # The newest wave with published results; an open wave's snapshot only when none has closed yet.
        final = [w for w in wave_list if w.status in ("closed", "archived")]
        survey_id = max(final or wave_list, key=lambda w: w.id).id
    return wave_list, survey_id, area_id


def _query(survey_id: int | None, area_id: int | None) -> str:
    parts = [f"wave={survey_id}"] if survey_id else []
    if area_id:
        parts.append(f"area={area_id}")
    return "?" + "&".join(parts) if parts else ""


def _series_groups(wave_list: list[queries.WaveInfo]) -> list[tuple[str, list[queries.WaveInfo]]]:
    groups: dict[str, list[queries.WaveInfo]] = {}
    for w in wave_list:
        groups.setdefault(w.series_id, []).append(w)
    return list(groups.items())


def _area_options(areas: list[Area]) -> list[tuple[int, str]]:
    tops = [a for a in areas if a.parent_id is None]
    options: list[tuple[int, str]] = []
    for top in tops:
        options.append((top.id or 0, top.name))
        options += [(c.id or 0, f"– {c.name}") for c in areas if c.parent_id == top.id]
    listed = {i for i, _ in options}
    options += [(a.id or 0, a.name) for a in areas if a.id not in listed]
    return options


def _context(request: Request, session: Session, scope: Scope) -> dict[str, Any]:
    wave_list, survey_id, area_id = _selection(request, session, scope)
    areas = queries.areas(session, scope.municipality_id)
    context: dict[str, Any] = {
        "scope": scope, "series": _series_groups(wave_list), "area_options": _area_options(areas),
        "selected_wave": survey_id, "selected_area": area_id, "board": None, "query": _query(survey_id, area_id),
        "channel_labels": queries.channel_labels(), "time_labels": queries.time_labels(),
        "method": exports.method_lines(queries.min_n()), "may_edit": scope.may("edit"),
        "plotly_version": PLOTLY_VERSION, "plotly_style_ids": plotly_injected_style_ids(),
    }
    if survey_id is None:
        if area_id is not None:
            queries.get_area(session, scope.municipality_id, area_id)
        return context
    board = dashboard.dashboard(session, scope.municipality, survey_id, area_id)
    context["board"] = board
    context["priorities"] = priorities.priorities(session, scope.municipality_id, survey_id)
    context["tables"] = list(exports.export_tables(board))
    if not board.empty:
        context["charts"] = {
            "ranking": charts.ranking_figure(board.concerns, _("Andel som ser ett stort problem")),
            "trend": charts.trend_figure(board.trend, board.trend_waves) if len(board.trend_waves) > 1 else None,
            "responses": charts.responses_figure(board.responses),
        }
        shown_areas = [a for a in areas if area_id is None or a.id in
                       queries.area_and_children(areas, queries.get_area(session, scope.municipality_id, area_id))]
        points = [hotspots.MapPoint(label=p.label, lat=p.lat, lon=p.lon, count=p.count or p.observations)
                  for p in board.hotspots.rows if p.lat is not None and p.lon is not None]
        data = hotspots.map_data([(a.name, a.geojson) for a in shown_areas if a.geojson], points)
        # Inside <script>: Jinja's tojson escaping, so an area or place name cannot close the element.
        context["map_json"] = htmlsafe_json_dumps(data) if data else None
    return context


@view_router.get("", name="concerns.dashboard")
def dashboard_page(request: Request, scope: ScopeDep, session: SessionDep) -> Response:
    return render(request, "staff/concerns/dashboard.html", _context(request, session, scope))


@view_router.get("/report", name="concerns.report")
def report_page(request: Request, scope: ScopeDep, session: SessionDep) -> Response:
    return render(request, "staff/concerns/report.html", _context(request, session, scope))


def _board(request: Request, session: Session, scope: Scope) -> dashboard.Dashboard:
    _waves, survey_id, area_id = _selection(request, session, scope)
    if survey_id is None:
        raise NotFound(_("Kommunen har inga mätomgångar."))
    return dashboard.dashboard(session, scope.municipality, survey_id, area_id)


def _filename(board: dashboard.Dashboard, suffix: str) -> str:
    area = f"-omrade-{board.area.id}" if board.area else ""
    return f"lagesbild-{board.survey.series_id}-omgang-{board.survey.wave}{area}{suffix}"


@view_router.get("/export.xlsx", name="concerns.export_xlsx")
def export_xlsx(request: Request, scope: ScopeDep, session: SessionDep) -> Response:
    board = _board(request, session, scope)
    body = exports.xlsx_bytes(exports.export_tables(board), exports.method_lines(board.min_n))
    return Response(body, media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="{_filename(board, ".xlsx")}"',
                             "Cache-Control": "no-store"})


@view_router.get("/export/{concern_table}.csv", name="concerns.export_csv")
def export_csv(request: Request, concern_table: str, scope: ScopeDep, session: SessionDep) -> Response:
    board = _board(request, session, scope)
    tables = exports.export_tables(board)
    if concern_table not in tables:
        raise NotFound
    header, rows = tables[concern_table]
    return Response(exports.csv_bytes(header, rows), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition":
                             f'attachment; filename="{_filename(board, "-" + concern_table + ".csv")}"',
                             "Cache-Control": "no-store"})


@view_router.get("/themes", name="concerns.themes")
def themes_page(request: Request, scope: ScopeDep, session: SessionDep) -> Response:
    return _themes_page(request, session, scope)


def _themes_page(request: Request, session: Session, scope: Scope, *, errors: dict[str, str] | None = None,
                 values: dict[str, str] | None = None, status_code: int = 200) -> Response:
    wave_list, survey_id, _area = _selection(request, session, scope)
    answers: list[dict[str, Any]] = []
    labels: dict[str, str] = {}
    may_read = scope.may("respondent_data")
    if survey_id is not None:
        survey = queries.get_wave(session, scope.municipality_id, survey_id)
        questions = queries.wave_questions(session, survey_id)
        labels = tagging.theme_labels(questions)
        # Free text one answer at a time is respondent-level data: only with "respondent_data".
        texts = tagging.text_answers(session, survey_id, questions.texts, None) if may_read else []
        tagged = tagging.answer_themes(session, scope.municipality_id, survey_id, texts)
        answers = [{"id": i, "text": mask_text(t), "themes": sorted(tagged.get(i, set()))} for i, t in texts[-200:]]
        answers.reverse()
        selected = survey
    else:
        selected = None
    return render(request, "staff/concerns/themes.html", {
        "scope": scope, "series": _series_groups(wave_list), "selected_wave": survey_id,
        "survey": selected, "answers": answers, "labels": labels, "theme_options": sorted(labels.items()),
        "terms": tagging.staff_terms(session, scope.municipality_id), "may_edit": scope.may("edit"),
        "may_read_answers": may_read, "errors": errors or {}, "values": values or {}, "query": _query(survey_id, None),
    }, status_code=status_code)


@edit_router.post("/priorities", name="concerns.choose_priorities")
def choose_priorities(request: Request, form: FormDep, scope: ScopeDep, session: SessionDep) -> Response:
    chosen = PriorityForm.parse(form)
    if chosen.survey_id is None or not chosen.names_a_wave:
        flash(request, _("Välj en mätomgång först."), "error")
        return redirect(_path(request, scope, "concerns.dashboard"))
    survey = queries.get_wave(session, scope.municipality_id, chosen.survey_id)
    area = queries.get_area(session, scope.municipality_id, chosen.area_id) if chosen.area_id is not None else None
    target = f"{_path(request, scope, 'concerns.dashboard')}{_query(survey.id, area.id if area else None)}#priorities"
    try:
        priorities.choose_priorities(session, scope, survey, area, chosen.items)
    except ValidationFailed as exc:
        flash(request, next(iter(exc.errors.values())), "error")
        return redirect(target)
    flash(request, _("Prioriteringarna är sparade."))
    return redirect(target)


@edit_router.get("/crime", name="concerns.crime")
def crime_page(request: Request, scope: ScopeDep, session: SessionDep) -> Response:
    return _crime_page(request, session, scope)


def _crime_page(request: Request, session: Session, scope: Scope, *, errors: dict[str, str] | None = None,
                status_code: int = 200) -> Response:
    areas = queries.areas(session, scope.municipality_id)
    labels = {str(a.id): a.name for a in areas}
    return render(request, "staff/concerns/crime.html", {
        "scope": scope, "areas": areas, "errors": errors or {},
        "rows": crime_figures.crime_rows(session, scope.municipality_id, None, labels)[:500],
    }, status_code=status_code)


@edit_router.post("/crime", name="concerns.crime_upload")
def crime_upload(request: Request, form: FormDep, scope: ScopeDep, session: SessionDep) -> Response:
    upload = CrimeFileForm.parse(form)
    errors = upload.problems()
    if errors:
        return _crime_page(request, session, scope, errors=errors, status_code=400)
    try:
        count = crime_figures.import_crime_csv(session, scope, upload.data)
    except ValidationFailed as exc:
        return _crime_page(request, session, scope, errors=exc.errors, status_code=400)
    flash(request, _("%(count)s rader med anmälda brott är inlästa.") % {"count": count})
    return redirect(_path(request, scope, "concerns.crime"))


@edit_router.post("/terms", name="concerns.add_term")
def add_term(request: Request, form: FormDep, scope: ScopeDep, session: SessionDep) -> Response:
    term = TermForm.parse(form)
    survey_id = term.survey_id
    labels: dict[str, str] = {}
    if survey_id is not None:
        queries.get_wave(session, scope.municipality_id, survey_id)
        labels = tagging.theme_labels(queries.wave_questions(session, survey_id))
    errors = term.problems(set(labels) | set(themes.DEFAULT_LEXICON.values()))
    if errors:
        return _themes_page(request, session, scope, errors=errors, values=term.values(), status_code=400)
    tagging.add_term(session, scope, term.stem, term.theme)
    flash(request, _("Ordet är sparat."))
    return redirect(f"{_path(request, scope, 'concerns.themes')}{_query(survey_id, None)}")


@edit_router.post("/terms/{concern_term_id}/delete", name="concerns.delete_term")
def delete_term(request: Request, term: OwnedTerm, form: FormDep, scope: ScopeDep, session: SessionDep) -> Response:
    tagging.delete_term(session, scope, term)
    raw_wave = form_str(form, "wave", 12)
    flash(request, _("Ordet är borttaget."))
    wave = int(raw_wave) if raw_wave.isdecimal() else None
    return redirect(f"{_path(request, scope, 'concerns.themes')}{_query(wave, None)}")


# Retagging picks answers one by one (it can pull any answer into a theme's quoted examples): respondent-level.
@edit_router.post("/answers/{concern_answer_id}/themes", name="concerns.retag_answer",
                  dependencies=[Depends(require_permission("respondent_data"))])
def retag_answer(request: Request, concern_answer_id: int, form: FormDep,
                 scope: ScopeDep, session: SessionDep) -> Response:
    survey = tagging.answer_survey(session, scope.municipality_id, concern_answer_id)
    tagging.retag(session, scope, survey, concern_answer_id, RetagForm.parse(form).themes)
    flash(request, _("Svarets teman är ändrade."))
    themes_path = _path(request, scope, "concerns.themes")
    return redirect(f"{themes_path}{_query(survey.id, None)}#answer-{concern_answer_id}")
