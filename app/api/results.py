"""JSON API: "Det här sa ni" as open data: a closed wave's results and the pledge focus areas that answer each
concern, from the same published set as the results page (hidden figures are null with `suppressed: true`)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel
from sqlmodel import Session

from app import i18n, places
from app.db import get_session
from app.pledges import results

router = APIRouter(prefix="/api/v1", tags=["open data"])


class ActivityOut(BaseModel):
    title: str
    status: str
    target: int | None
    achieved: int
    unit: str
    percent: int | None


class AnswerOut(BaseModel):
    pledge_id: int
    pledge: str
    focus_area: str
    percent: int | None
    activities: list[ActivityOut]


class ResultConcernOut(BaseModel):
    item_code: str
    label: str
    rank: int | None
    suppressed: bool
    share: float | None
    low: float | None
    high: float | None
    change: float | None
    change_significant: bool | None
    answered_by: list[AnswerOut]


class AreaShareOut(BaseModel):
    item_code: str
    share: float | None
    suppressed: bool


class AreaOut(BaseModel):
    area: str
    concerns: list[AreaShareOut]


class ChannelOut(BaseModel):
    channel: str
    responses: int | None


class ThemeOut(BaseModel):
    theme: str
    answers: int | None


class ResultsOut(BaseModel):
    municipality: str
    wave: int
    title: str
    responses: int | None
    suppression_min_n: int
    channels: list[ChannelOut]
    concerns: list[ResultConcernOut]
    areas: list[AreaOut]
    themes: list[ThemeOut]
    method: list[str]


@router.get("/results", response_model=ResultsOut, name="api.results")
def wave_results(municipality: str = Query(max_length=80), wave: int = Query(ge=1),
                 lang: str = Query(default="sv", max_length=10),
                 session: Session = Depends(get_session)) -> ResultsOut:
    """What residents said in a closed wave and what is done about it: ranked concerns with 95 % Wilson intervals
    and the change since the previous wave, responses per channel, free-text themes as counts, and for each concern
    the public pledge focus areas that answer it with their activities' progress; the share per area where the
    disclosure rules allow it. A wave that is not closed is
    404: no figures are published before a wave closes."""
    found = places.municipality_by_slug(session, municipality)
    code = lang if lang in i18n.LANGUAGES else "sv"
    i18n.set_language(code)
    r = results.wave_results(session, found, wave, code)
    return ResultsOut(
        municipality=found.slug, wave=r.survey_id, title=r.title, responses=r.responses, suppression_min_n=r.min_n,
        channels=[ChannelOut(channel=c.label, responses=c.count) for c in r.channels],
        concerns=[ResultConcernOut(
            item_code=c.row.item_code, label=c.row.label, rank=c.row.rank, suppressed=c.row.cell.hidden,
            share=c.row.cell.share, low=c.row.cell.low, high=c.row.cell.high,
            change=None if c.row.change is None or c.row.cell.hidden else c.row.change.difference,
            change_significant=None if c.row.change is None or c.row.cell.hidden else c.row.change.significant,
            answered_by=[AnswerOut(pledge_id=a.pledge_id, pledge=a.pledge_title, focus_area=a.focus_title,
                                   percent=a.percent,
                                   activities=[ActivityOut(title=act["title"], status=str(act["status"]),
                                                           target=act["target_number"], achieved=act["achieved"],
                                                           unit=str(act["unit"]), percent=act["percent"])
                                               for act in a.activities])
                         for a in c.answers])
            for c in r.concerns],
        areas=[AreaOut(area=label, concerns=[AreaShareOut(item_code=row.item_code, share=row.cells[i].share,
                                                          suppressed=row.cells[i].hidden) for row in r.areas.rows])
               for i, label in enumerate(r.areas.group_labels)] if r.areas else [],
        themes=[ThemeOut(theme=t.label, answers=t.count) for t in r.themes], method=list(r.method))
