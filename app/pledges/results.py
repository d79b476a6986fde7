"""Det här sa ni: a closed wave's public results and what was done with them.

What residents said comes only from the concerns measuring layer (`dashboard.dashboard`, which reads the wave's
published set: the same suppression as the staff dashboard, the exports and the API). What was done comes from
the public pledges: a focus area answers a concern when it quotes the concern's item among its figures.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from app.concerns import dashboard, exports, published, report
from app.concerns.queries import WaveInfo, waves
from app.errors import NotFound
from app.i18n import gettext as _
from app.models import Municipality
from app.models.pledges import Pledge, PledgeFocusArea
from app.models.surveys import Survey
from app.pledges import public_view


@dataclass(frozen=True)
class FocusAnswer:
    """A pledge's focus area that answers a concern, with its activities as the public pledge page shows them."""

    pledge_id: int
    pledge_title: str
    pledge_status: str
    focus_id: int
    focus_title: str
    percent: int | None
    activities: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class ConcernResult:
    row: report.ConcernRow
    answers: tuple[FocusAnswer, ...]


@dataclass(frozen=True)
class Channel:
    label: str
    count: int | None  # None = too few to show


@dataclass(frozen=True)
class Theme:
    label: str
    count: int | None  # None = too few answers: counts only, never the answers themselves


@dataclass(frozen=True)
class WaveResults:
    municipality: Municipality
    survey_id: int
    wave: int
    title: str
    closes_on: date | None
    responses: int | None  # None = fewer than min_n (never printed)
    channels: tuple[Channel, ...]
    concerns: tuple[ConcernResult, ...]
    previous_wave: int | None
    unsafe: report.Cell | None
    areas: report.Breakdown | None
    themes: tuple[Theme, ...]
    min_n: int
    method: tuple[str, ...]

    @property
    def answered(self) -> tuple[ConcernResult, ...]:
        """The concerns some pledge answers: "Ni sa … Vi lovade … Gjort …"."""
        return tuple(c for c in self.concerns if c.answers)


def closed_waves(session: Session, municipality_id: int) -> list[WaveInfo]:
    """The waves with public results (closed or archived), newest first."""
    return [w for w in waves(session, municipality_id) if w.status in published.FINAL_STATUSES]


def answers_by_item(session: Session, municipality_id: int, lang: str) -> dict[str, list[FocusAnswer]]:
    """Concern item code -> the public focus areas quoting it (current pledges before closed ones)."""
    current, archive = public_view.public_pledges(session, municipality_id)
    pledges = [*current, *archive]
    if not pledges:
        return {}
    items: dict[int, set[str]] = defaultdict(set)
    for row in session.exec(select(PledgeFocusArea).where(col(PledgeFocusArea.pledge_id).in_(
            [p.id for p in pledges]))).all():
        items[row.id or 0] = {str(f["item"]) for f in row.figures if f.get("item")}
    out: dict[str, list[FocusAnswer]] = defaultdict(list)
    for pledge in pledges:
        view = public_view.pledge_view(session, pledge, lang, updates_limit=0)
        for fa in view["focus_areas"]:
            answer = FocusAnswer(pledge_id=pledge.id or 0, pledge_title=view["title"],
                                 pledge_status=view["status_label"], focus_id=fa["id"], focus_title=fa["title"],
                                 percent=fa["percent"], activities=tuple(fa["activities"]))
            for item in sorted(items.get(fa["id"], set())):
                out[item].append(answer)
    return dict(out)


def _is_area_breakdown(breakdown: report.Breakdown) -> bool:
    return any(group.startswith("a:") for group in breakdown.groups)


def wave_results(session: Session, municipality: Municipality, survey_id: int, lang: str) -> WaveResults:
    """The public results of a closed wave; any other wave is not found (no figures before a wave closes)."""
    survey = session.get(Survey, survey_id)
    if survey is None or survey.municipality_id != municipality.id \
            or str(survey.status) not in published.FINAL_STATUSES:
        raise NotFound(_("Resultaten finns inte, eller så har enkäten inte stängt än."))
    board = dashboard.dashboard(session, municipality, survey_id, None)
    answers = answers_by_item(session, municipality.id or 0, lang)
    table = board.responses
    return WaveResults(
        municipality=municipality, survey_id=survey_id, wave=survey.wave, title=board.title,
        closes_on=survey.closes_on, responses=board.total_responses,
        channels=tuple(Channel(label, count) for label, count in zip(table.channel_labels, table.channel_totals,
                                                                     strict=True)),
        concerns=tuple(ConcernResult(row, tuple(answers.get(row.item_code, ()))) for row in board.concerns),
        previous_wave=board.previous_wave, unsafe=board.unsafe,
        areas=next((b for b in board.breakdowns if _is_area_breakdown(b)), None),
        themes=tuple(Theme(t.label, t.count) for t in board.themes), min_n=board.min_n,
        method=tuple(exports.method_lines(board.min_n)))


def municipality_section(session: Session, municipality: Municipality) -> tuple[str, dict[str, Any]] | None:
    """The results block on the public municipality page: every closed wave, newest first."""
    found = closed_waves(session, municipality.id or 0)
    if not found:
        return None
    return "public/results/_section.html", {"result_waves": found, "municipality": municipality}


def pledge_result_waves(session: Session, pledge: Pledge) -> list[WaveInfo]:
    """The closed waves a pledge's figures were quoted from (by wave number), for "see what residents said"."""
    numbers = {int(f["wave"]) for fa in session.exec(select(PledgeFocusArea).where(
        PledgeFocusArea.pledge_id == pledge.id)).all() for f in fa.figures if str(f.get("wave", "")).isdigit()}
    return [w for w in closed_waves(session, pledge.municipality_id) if w.wave in numbers]
