"""Places residents named and safety-walk observations, grouped in SQL into the hotspot table."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import func, select
from sqlmodel import Session

from app.concerns import hotspots, report
from app.concerns.published import A, R
from app.concerns.queries import (
    TIMES,
    WaveQuestions,
)
from app.i18n import gettext as _
from app.models import Area
from app.models.dialogues import WalkObservation

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


