"""Open data on pledges: JSON and CSV under /api/v1, documented in OpenAPI. Published and closed pledges only."""

from __future__ import annotations

from datetime import date
from typing import Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from pydantic import BaseModel
from sqlmodel import Session

from app import places, spreadsheets
from app.config import get_settings
from app.db import get_session
from app.pledges import public_view, subscribers

router = APIRouter(prefix="/api/v1", tags=["open data"])


class ActivityOut(BaseModel):
    id: int
    title: str
    party: str
    status: str
    cancel_reason: str
    target_number: int | None
    target_unit: str
    target_text: str
    achieved: int
    progress_percent: int | None
    starts_on: date | None
    ends_on: date | None


class FocusAreaOut(BaseModel):
    id: int
    title: str
    problem: str
    cause: str
    resident_figures: list[str]
    progress_percent: int | None
    activities: list[ActivityOut]


class UpdateOut(BaseModel):
    id: int
    activity_id: int
    posted_on: date
    text: str
    achieved: int | None
    party: str = ""  # the party that posted it
    corrected_on: date | None = None


class IndicatorOut(BaseModel):
    label: str
    area: str
    baseline_wave: int
    baseline_percent: int | None  # null: too few answers (the wave's published set hides the figure)
    baseline_n: int | None
    target_percent: int
    latest_wave: int | None
    latest_percent: int | None
    latest_n: int | None


class PledgeOut(BaseModel):
    id: int
    title: str
    intro: str
    status: str
    version: int
    starts_on: date
    ends_on: date
    area: str | None
    progress_percent: int | None
    url: str
    focus_areas: list[FocusAreaOut]
    updates: list[UpdateOut]
    indicators: list[IndicatorOut]


def _pledges(session: Session, municipality: str, lang: str) -> list[PledgeOut]:
    found = places.municipality_by_slug(session, municipality)
    current, archive = public_view.public_pledges(session, found.id or 0)
    base = get_settings().base_url
    result = []
    for row in [*current, *archive]:
        view = public_view.pledge_view(session, row, lang, updates_limit=1000)
        result.append(PledgeOut(
            id=view["id"], title=view["title"], intro=view["intro"], status=view["status"], version=view["version"],
            starts_on=view["starts_on"], ends_on=view["ends_on"], area=view["area"],
            progress_percent=view["percent"], url=f"{base}/m/{found.slug}/pledges/{row.id}",
            focus_areas=[FocusAreaOut(
                id=fa["id"], title=fa["title"], problem=fa["problem"], cause=fa["cause"],
                resident_figures=fa["figures"], progress_percent=fa["percent"],
                activities=[ActivityOut(id=a["id"], title=a["title"], party=a["party"], status=a["status"],
                                        cancel_reason=a["cancel_reason"], target_number=a["target_number"],
                                        target_unit=a["unit"], target_text=a["target_text"], achieved=a["achieved"],
                                        progress_percent=a["percent"], starts_on=a["starts_on"],
                                        ends_on=a["ends_on"]) for a in fa["activities"]])
                for fa in view["focus_areas"]],
            updates=[UpdateOut(id=u["id"], activity_id=u["activity_id"], posted_on=u["posted_on"], text=u["text"],
                               achieved=u["achieved"], party=u["party"], corrected_on=u["corrected_on"])
                     for u in view["updates"] if u["state"] == "published"],
            indicators=[IndicatorOut(label=i["label"], area=i["area"], baseline_wave=i["baseline_wave"],
                                     baseline_percent=i["baseline"], baseline_n=i["baseline_n"],
                                     target_percent=i["target"], latest_wave=i["latest_wave"],
                                     latest_percent=i["latest"], latest_n=i["latest_n"]) for i in view["indicators"]]))
    return result


@router.get("/pledges", response_model=list[PledgeOut])
def list_pledges(municipality: str = Query(description="The municipality's slug, e.g. strandvik"),
                 lang: str = Query("sv", description="Language of the texts (Swedish where not translated)"),
                 session: Session = Depends(get_session)) -> list[PledgeOut]:
    """Published and closed citizen pledges of a municipality with focus areas, activities, follow-up updates
    and indicators. Progress rule: done = 100 %, cancelled left out, a number target counts achieved/target,
    otherwise planned 0 % and in progress 50 %; focus areas and the pledge are means."""
    return _pledges(session, municipality, lang)


@router.get("/pledges.csv", response_class=Response,
            responses={200: {"content": {"text/csv": {}}, "description": "CSV with a header row"}})
def pledges_csv(municipality: str = Query(description="The municipality's slug"),
                table: Literal["activities", "updates", "indicators"] = Query(
                    "activities", description="Which table: one row per activity, update or indicator"),
                session: Session = Depends(get_session)) -> Response:
    """The same open data as CSV (UTF-8), one table at a time."""
    pledges = _pledges(session, municipality, "sv")
    header: list[str]
    rows: list[list[object]]
    if table == "activities":
        header = ["pledge_id", "pledge", "focus_area", "activity_id", "activity", "party", "status", "target_number",
                  "target_unit", "target_text", "achieved", "progress_percent", "starts_on", "ends_on"]
        rows = [[p.id, p.title, fa.title, a.id, a.title, a.party, a.status, a.target_number, a.target_unit,
                 a.target_text, a.achieved, a.progress_percent, a.starts_on, a.ends_on]
                for p in pledges for fa in p.focus_areas for a in fa.activities]
    elif table == "updates":
        header = ["pledge_id", "update_id", "activity_id", "posted_on", "text", "achieved"]
        rows = [[p.id, u.id, u.activity_id, u.posted_on, u.text, u.achieved] for p in pledges for u in p.updates]
    else:
        header = ["pledge_id", "indicator", "area", "baseline_wave", "baseline_percent", "baseline_n",
                  "target_percent", "latest_wave", "latest_percent", "latest_n"]
        rows = [[p.id, i.label, i.area, i.baseline_wave, i.baseline_percent, i.baseline_n, i.target_percent,
                 i.latest_wave, i.latest_percent, i.latest_n] for p in pledges for i in p.indicators]
    body = spreadsheets.csv_bytes(header, rows, bom=False)  # open data: text a resident or partner typed
    filename = f"pledges-{municipality}-{table}.csv"
    return Response(body, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@router.post("/pledges/unsubscribe/{token}", status_code=204, response_class=Response)
def one_click_unsubscribe(token: str, session: Session = Depends(get_session)) -> Response:
    """RFC 8058 one-click unsubscribe (the List-Unsubscribe-Post header in update mails): deletes the address."""
    subscribers.unsubscribe(session, token)
    return Response(status_code=204)
