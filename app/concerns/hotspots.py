"""The hotspot map: area polygons (from Area.geojson) and hotspot points projected into an SVG view box.

Pure. No tile server and no third-party request: the map is the municipality's own polygons, drawn by
concerns-map.js from the data this module prepares (shown only where JavaScript runs; the table is always there).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

WIDTH = 600.0
PAD = 12.0


@dataclass(frozen=True)
class MapPoint:
    label: str
    lat: float
    lon: float
    count: int


def rings(geojson: str | None) -> list[list[tuple[float, float]]]:
    """Outer and inner rings of a Polygon/MultiPolygon as (lon, lat) lists; [] when missing or unreadable."""
    if not geojson:
        return []
    try:
        data = json.loads(geojson)
        kind, coordinates = data["type"], data["coordinates"]
        polygons = [coordinates] if kind == "Polygon" else coordinates if kind == "MultiPolygon" else []
        return [[(float(p[0]), float(p[1])) for p in ring] for polygon in polygons for ring in polygon]
    except (ValueError, KeyError, TypeError, IndexError):
        return []


def map_data(areas: Iterable[tuple[str, str | None]], points: Sequence[MapPoint]) -> dict[str, Any] | None:
    """View box, one SVG path per area and projected points; None when there is nothing to place."""
    shapes = [(name, rings(geojson)) for name, geojson in areas]
    coords = [p for _, rs in shapes for ring in rs for p in ring] + [(p.lon, p.lat) for p in points]
    if not coords:
        return None
    lons = [c[0] for c in coords]
    lats = [c[1] for c in coords]
    mid_lat = (min(lats) + max(lats)) / 2
    x_scale = math.cos(math.radians(mid_lat))  # equirectangular: shrink longitude by cos(latitude)
    span_x = max((max(lons) - min(lons)) * x_scale, 1e-6)
    span_y = max(max(lats) - min(lats), 1e-6)
    scale = (WIDTH - 2 * PAD) / max(span_x, span_y)
    height = span_y * scale + 2 * PAD
    width = span_x * scale + 2 * PAD

    def project(lon: float, lat: float) -> tuple[float, float]:
        return (round(PAD + (lon - min(lons)) * x_scale * scale, 1), round(PAD + (max(lats) - lat) * scale, 1))

    paths = []
    for name, rs in shapes:
        if not rs:
            continue
        d = " ".join("M" + " L".join(f"{x},{y}" for x, y in (project(*p) for p in ring)) + " Z" for ring in rs)
        paths.append({"name": name, "d": d})
    biggest = max((p.count for p in points), default=1) or 1
    projected = []
    for p in points:
        x, y = project(p.lon, p.lat)
        projected.append({"label": p.label, "x": x, "y": y, "count": p.count,
                          "r": round(4 + 10 * math.sqrt(p.count / biggest), 1)})
    return {"width": round(width, 1), "height": round(height, 1), "areas": paths, "points": projected}
