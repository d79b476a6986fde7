"""Pure rules for places: slugs from Swedish names, and validation of an area's GeoJSON polygon."""

from __future__ import annotations

import hashlib
import json
import math
import re
import unicodedata
from collections.abc import Iterable
from typing import Any

from app.i18n import gettext as _

MAX_GEOJSON_BYTES = 512 * 1024
MAX_POINTS = 5000
# Sweden's rough bounding box (longitude, latitude), with a margin for border areas and islands.
SWEDEN_LON = (10.0, 24.5)
SWEDEN_LAT = (55.0, 69.5)
SLUG_MAX = 80
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class GeoJSONError(ValueError):
    """The polygon cannot be used; the message is written for the administrator, in their language."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --- slugs ---------------------------------------------------------------------------------------

def slugify(name: str, max_length: int = SLUG_MAX) -> str:
    """'Västra Strand' -> 'vastra-strand': Swedish letters lose their dots and rings (å/ä -> a, ö -> o)."""
    decomposed = unicodedata.normalize("NFKD", name.replace("ß", "ss").replace("æ", "ae").replace("Æ", "ae")
                                       .replace("ø", "o").replace("Ø", "o"))
    ascii_only = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_only).strip("-")
    return slug[:max_length].rstrip("-")


def unique_slug(base: str, taken: Iterable[str], max_length: int = SLUG_MAX) -> str:
    """The base slug, or base-2, base-3 ... whichever is free."""
    used = set(taken)
    base = base or "omrade"
    if base not in used:
        return base
    n = 2
    while True:
        suffix = f"-{n}"
        candidate = base[: max_length - len(suffix)].rstrip("-") + suffix
        if candidate not in used:
            return candidate
        n += 1


def slug_problem(slug: str) -> str | None:
    if not slug:
        return _("Ange en kortadress.")
    if len(slug) > SLUG_MAX or not SLUG_RE.match(slug):
        return _("Kortadressen får bara innehålla a–z, siffror och bindestreck (högst 80 tecken), "
                 "till exempel norra-hamnen.")
    return None


# --- GeoJSON -------------------------------------------------------------------------------------

def _reject_constant(value: str) -> Any:
    raise GeoJSONError(_("Filen innehåller ett ogiltigt tal (%(value)s).") % {"value": value})


# A coordinate needs no more: a 5,000-digit number made int() raise past Python's digit limit (a 500).
MAX_NUMBER_CHARS = 40


def _too_long(value: str) -> GeoJSONError:
    return GeoJSONError(_("Filen innehåller ett tal med för många siffror (%(value)s…). En koordinat är grader "
                          "i WGS 84, till exempel 18.0686.") % {"value": value[:20]})


def _parse_int(value: str) -> int:
    if len(value) > MAX_NUMBER_CHARS:
        raise _too_long(value)
    return int(value)


def _parse_float(value: str) -> float:
    if len(value) > MAX_NUMBER_CHARS:
        raise _too_long(value)
    return float(value)


def _geometry(data: Any) -> dict[str, Any]:
    """The geometry inside a bare geometry, a Feature, or a FeatureCollection with exactly one feature."""
    if not isinstance(data, dict):
        raise GeoJSONError(_("GeoJSON måste vara ett objekt med typen Polygon eller MultiPolygon."))
    kind = data.get("type")
    if kind == "FeatureCollection":
        features = data.get("features")
        if not isinstance(features, list) or len(features) != 1:
            raise GeoJSONError(_("En FeatureCollection måste innehålla exakt en Feature med områdets polygon."))
        return _geometry(features[0])
    if kind == "Feature":
        return _geometry(data.get("geometry"))
    if kind not in ("Polygon", "MultiPolygon"):
        raise GeoJSONError(_("Geometrin måste vara av typen Polygon eller MultiPolygon, inte %(kind)s.")
                           % {"kind": str(kind)[:40]})
    return data


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _ring(ring: Any, counter: list[int]) -> list[list[float]]:
    if not isinstance(ring, list) or len(ring) < 4:
        raise GeoJSONError(_("Varje ring i polygonen måste ha minst fyra punkter (den sista lika med den första)."))
    points: list[list[float]] = []
    for position in ring:
        if (not isinstance(position, list) or len(position) not in (2, 3)
                or not all(_is_number(v) for v in position)):
            raise GeoJSONError(_("Varje punkt måste vara [longitud, latitud] med två tal."))
        lon, lat = float(position[0]), float(position[1])
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise GeoJSONError(_("Koordinaten [%(lon)s, %(lat)s] ligger utanför tillåtna värden. Ange longitud "
                                 "före latitud i WGS 84 (grader).") % {"lon": f"{lon:g}", "lat": f"{lat:g}"})
        if not (SWEDEN_LON[0] <= lon <= SWEDEN_LON[1] and SWEDEN_LAT[0] <= lat <= SWEDEN_LAT[1]):
            raise GeoJSONError(_("Koordinaten [%(lon)s, %(lat)s] ligger utanför Sverige. Kontrollera att "
                                 "longitud står före latitud och att koordinaterna är i WGS 84 (grader).")
                               % {"lon": f"{lon:g}", "lat": f"{lat:g}"})
        points.append([round(lon, 7), round(lat, 7)])
    counter[0] += len(points)
    if counter[0] > MAX_POINTS:
        raise GeoJSONError(_("Polygonen har fler än %(max)s punkter. Förenkla den och försök igen.")
                           % {"max": MAX_POINTS})
    if points[0] != points[-1]:
        raise GeoJSONError(_("Polygonen är inte sluten: varje rings sista punkt måste vara samma som den första."))
    return points


def _polygon(rings: Any, counter: list[int]) -> list[list[list[float]]]:
    if not isinstance(rings, list) or not rings:
        raise GeoJSONError(_("Polygonen saknar koordinater."))
    return [_ring(ring, counter) for ring in rings]


def normalise_geojson(text: str) -> str:
    """Validate an area's polygon and return it as compact GeoJSON geometry; raises GeoJSONError.

    Accepts a Polygon or MultiPolygon, bare or in a Feature / a FeatureCollection with one feature. Properties
    and a third coordinate (height) are dropped; coordinates are rounded to 7 decimals (about 1 cm).
    """
    if len(text.encode("utf-8")) > MAX_GEOJSON_BYTES:
        raise GeoJSONError(_("GeoJSON får vara högst 512 kB. Förenkla polygonen och försök igen."))
    try:
        data = json.loads(text, parse_constant=_reject_constant, parse_int=_parse_int, parse_float=_parse_float)
    except (json.JSONDecodeError, RecursionError):
        raise GeoJSONError(_("Texten är inte giltig JSON. Kontrollera att du klistrat in hela filen.")) from None
    geometry = _geometry(data)
    counter = [0]
    coordinates = geometry.get("coordinates")
    normalised: Any
    if geometry["type"] == "Polygon":
        normalised = _polygon(coordinates, counter)
    else:
        if not isinstance(coordinates, list) or not coordinates:
            raise GeoJSONError(_("Polygonen saknar koordinater."))
        normalised = [_polygon(polygon, counter) for polygon in coordinates]
    return json.dumps({"type": geometry["type"], "coordinates": normalised}, separators=(",", ":"))


def decode_upload(raw: bytes) -> str:
    """The text of an uploaded .geojson file (UTF-8, with or without a byte order mark)."""
    if len(raw) > MAX_GEOJSON_BYTES:
        raise GeoJSONError(_("GeoJSON får vara högst 512 kB. Förenkla polygonen och försök igen."))
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise GeoJSONError(_("Filen är inte en textfil i UTF-8. Välj en .geojson-fil.")) from None


def summary(geojson: str | None) -> str | None:
    """A short, stable stand-in for a polygon in the audit log: the type, point count and a fingerprint."""
    if not geojson:
        return None
    try:
        data = json.loads(geojson)
        kind = str(data.get("type"))
        coordinates = data.get("coordinates") or []
        polygons = coordinates if kind == "MultiPolygon" else [coordinates]
        points = sum(len(ring) for polygon in polygons for ring in polygon)
    except (ValueError, TypeError, AttributeError):
        kind, points = "?", 0
    digest = hashlib.sha256(geojson.encode("utf-8")).hexdigest()[:12]
    return f"{kind}, {points} p, sha256:{digest}"
