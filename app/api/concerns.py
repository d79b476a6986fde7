"""JSON API: the ranked concerns of one closed survey wave (open data), read from the wave's published set."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel
from sqlmodel import Session, col, select

from app.concerns import dashboard, exports, published, queries
from app.db import get_session
from app.errors import Conflict, NotFound
from app.i18n import gettext as _
from app.models import Municipality

router = APIRouter(prefix="/api/v1", tags=["open data"])


class ConcernOut(BaseModel):
    item_code: str
    label: str
    rank: int | None
    suppressed: bool
    n: int | None
    share: float | None
    low: float | None
    high: float | None
    mean_score: float | None
    change: float | None
    change_significant: bool | None


class ConcernsOut(BaseModel):
    municipality: str
    wave: int
    series: str
    wave_number: int
    area: str | None
    responses: int | None
    suppression_min_n: int
    method: list[str]
    concerns: list[ConcernOut]


OPEN_WAVE = {409: {"description": "The wave is still open: results are published when it closes",
                   "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}}


@router.get("/concerns", response_model=ConcernsOut, responses=OPEN_WAVE)  # type: ignore[arg-type]
def concerns(municipality: str = Query(max_length=80), wave: int = Query(ge=1),
             area: int | None = Query(default=None, ge=1),
             session: Session = Depends(get_session)) -> ConcernsOut:
    """Local problems of one survey wave ranked by the share answering "very or fairly big problem" (don't know
    excluded), with 95 % Wilson intervals. Figures resting on fewer than `suppression_min_n` answers, and the
    figures hidden so that those cannot be worked out by subtraction, are null with `suppressed: true`. An open
    wave publishes no figures: 409 until it closes."""
    found = session.exec(select(Municipality).where(col(Municipality.slug) == municipality)).first()
    if found is None:
        raise NotFound("Unknown municipality")
    survey = queries.get_wave(session, found.id or 0, wave)
    if survey.status == "draft":
        raise NotFound("Unknown wave")
    if str(survey.status) not in published.FINAL_STATUSES:
        raise Conflict(_("Resultaten publiceras när mätomgången har stängts."))
    board = dashboard.dashboard(session, found, wave, area)
    limit = board.min_n
    return ConcernsOut(
        municipality=found.slug, wave=wave, series=survey.series_id, wave_number=survey.wave,
        area=board.area.slug if board.area else None,
        responses=board.total_responses, suppression_min_n=limit,
        method=exports.method_lines(limit),
        concerns=[ConcernOut(item_code=r.item_code, label=r.label, rank=r.rank, suppressed=r.cell.hidden,
                             n=r.cell.n, share=r.cell.share, low=r.cell.low, high=r.cell.high,
                             mean_score=None if r.cell.hidden else r.mean,
                             change=r.change.difference if r.change else None,
                             change_significant=r.change.significant if r.change else None)
                  for r in board.concerns])
