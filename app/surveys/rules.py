"""Pure rules of the surveys domain: which questions show, how a page of answers is read and checked, how
answers become rows, where a point lies, and staff-side checks. No I/O; tested with literals.

Draft answers (JSON) per question code:
single / labelled scale / subarea -> "code"; numeric scale -> int; multiple -> ["code", ...];
matrix -> {"item": "code"}; ranking -> ["first", "second", "third"]; text -> "..."; place ->
{"code": "landmark or area:<slug>", "lat": float, "lon": float, "time": "evening"}.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from app.i18n import gettext as _

MAX_TEXT = 2000
TIMES_OF_DAY = ("morning", "day", "evening", "night")
SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$")
AREA_PREFIX = "area:"
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class OptionDef:
    code: str
    label: Mapping[str, str]


@dataclass(frozen=True)
class QuestionDef:
    id: int
    code: str
    type: str
    page: int = 1
    required: bool = False
    role: str | None = None
    text: Mapping[str, str] = field(default_factory=dict)
    help: Mapping[str, str] = field(default_factory=dict)
    options: tuple[OptionDef, ...] = ()
    items: tuple[OptionDef, ...] = ()
    settings: Mapping[str, Any] = field(default_factory=dict)
    condition: tuple[str, str] | None = None

    @property
    def option_codes(self) -> set[str]:
        return {option.code for option in self.options}

    @property
    def numeric(self) -> bool:
        return self.type == "scale" and not self.options

    @property
    def scale_range(self) -> tuple[int, int]:
        return int(self.settings.get("scale_min", 0)), int(self.settings.get("scale_max", 10))

    @property
    def choice_range(self) -> tuple[int, int]:
        low = int(self.settings.get("min_choices", 0))
        high = int(self.settings.get("max_choices", len(self.options) or 1))
        return low, high

    @property
    def rank_count(self) -> int:
        return max(1, min(int(self.settings.get("rank_count", 3)), len(self.options) or 1))


def localized(texts: Mapping[str, str], lang: str) -> str:
    """The text in `lang`, falling back to Swedish (the source language), then to any text there is."""
    return texts.get(lang) or texts.get("sv") or next(iter(texts.values()), "")


def field_name(question: QuestionDef, part: str = "") -> str:
    return f"q-{question.code}" + (f"-{part}" if part else "")


# --- which questions show -------------------------------------------------------------------------------------


def is_visible(question: QuestionDef, answers: Mapping[str, Any]) -> bool:
    """Shown unless its condition names an earlier answer that does not hold the given value."""
    if question.condition is None:
        return True
    source, wanted = question.condition
    given = answers.get(source)
    if isinstance(given, list):
        return wanted in given
    return given == wanted


def visible_pages(questions: Sequence[QuestionDef], answers: Mapping[str, Any]) -> list[int]:
    return sorted({q.page for q in questions if is_visible(q, answers)})


def page_questions(questions: Sequence[QuestionDef], page: int, answers: Mapping[str, Any]) -> list[QuestionDef]:
    return [q for q in questions if q.page == page and is_visible(q, answers)]


def prune_hidden(questions: Sequence[QuestionDef], answers: Mapping[str, Any]) -> dict[str, Any]:
    """Drops answers to questions that a changed earlier answer has hidden (they must not be stored)."""
    kept = dict(answers)
    changed = True
    while changed:
        changed = False
        for question in questions:
            if question.code in kept and not is_visible(question, kept):
                del kept[question.code]
                changed = True
    known = {q.code for q in questions}
    return {code: value for code, value in kept.items() if code in known}


# --- reading and checking a page ------------------------------------------------------------------------------


class FormValues:
    """The submitted form as name -> list of values (what Starlette's FormData.getlist gives)."""

    def __init__(self, data: Mapping[str, Sequence[str]]) -> None:
        self._data = data

    def all(self, name: str) -> list[str]:
        return [v for v in self._data.get(name, ()) if isinstance(v, str)]

    def one(self, name: str) -> str:
        values = self.all(name)
        return values[0].strip() if values else ""


@dataclass(frozen=True)
class Bounds:
    """The polygons (lon, lat rings) a place answer must fall inside; no polygons means any valid coordinate."""

    polygons: tuple[tuple[tuple[float, float], ...], ...] = ()

    @property
    def box(self) -> tuple[float, float, float, float] | None:
        points = [p for ring in self.polygons for p in ring]
        if not points:
            return None
        return (min(p[0] for p in points), min(p[1] for p in points),
                max(p[0] for p in points), max(p[1] for p in points))

    def contains(self, lon: float, lat: float) -> bool:
        if not self.polygons:
            return True
        box = self.box
        assert box is not None
        if not (box[0] <= lon <= box[2] and box[1] <= lat <= box[3]):
            return False
        return any(point_in_polygon(lon, lat, ring) for ring in self.polygons)


def point_in_polygon(x: float, y: float, ring: Sequence[tuple[float, float]]) -> bool:
    """Ray casting; points on an edge count as inside."""
    inside = False
    n = len(ring)
    for i in range(n):
        x1, y1 = ring[i]
        x2, y2 = ring[(i + 1) % n]
        if (x1, y1) == (x2, y2):
            continue
        # On the edge: collinear and within the segment's box.
        cross = (x - x1) * (y2 - y1) - (y - y1) * (x2 - x1)
        if abs(cross) < 1e-12 and min(x1, x2) <= x <= max(x1, x2) and min(y1, y2) <= y <= max(y1, y2):
            return True
        if (y1 > y) != (y2 > y):
            at = x1 + (y - y1) * (x2 - x1) / (y2 - y1)
            if x < at:
                inside = not inside
    return inside


def bounds_from_geojson(documents: Iterable[str | None]) -> Bounds:
    """Outer rings of every Polygon/MultiPolygon in the areas' GeoJSON; unreadable documents are skipped."""
    rings: list[tuple[tuple[float, float], ...]] = []
    for document in documents:
        if not document:
            continue
        try:
            data = json.loads(document)
        except ValueError:
            continue
        geometry = data.get("geometry", data) if isinstance(data, dict) else {}
        kind = geometry.get("type") if isinstance(geometry, dict) else None
        coordinates = geometry.get("coordinates") if isinstance(geometry, dict) else None
        polygons: Any = [coordinates] if kind == "Polygon" else coordinates if kind == "MultiPolygon" else []
        for polygon in polygons if isinstance(polygons, list) else []:
            if not isinstance(polygon, list) or not polygon:
                continue
            try:
                rings.append(tuple((float(p[0]), float(p[1])) for p in polygon[0]))
            except (TypeError, ValueError, IndexError):
                continue
    return Bounds(tuple(rings))


def _number(raw: str) -> float | None:
    try:
        value = float(raw)
    except ValueError:
        return None
    return value if value == value and abs(value) != float("inf") else None  # NaN and inf are not numbers


def read_page(questions: Sequence[QuestionDef], form: FormValues, *, area_codes: set[str],
              bounds: Bounds) -> tuple[dict[str, Any], dict[str, str]]:
    """Reads the answers to `questions` from the form. Returns (answers by code, errors by field id).

    Errors are in the current language. An unanswered optional question is simply absent from the answers.
    """
    answers: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for question in questions:
        value, error = _read_one(question, form, area_codes, bounds)
        if error:
            errors[error[0]] = error[1]
        elif value is None or value == [] or value == {}:
            if question.required:
                errors[field_name(question)] = _required_message(question)
        else:
            answers[question.code] = value
    return answers, errors


def _required_message(question: QuestionDef) -> str:
    if question.type in ("text",):
        return _("Skriv ett svar på frågan.")
    if question.type == "matrix":
        return _("Svara på varje rad i frågan.")
    if question.type == "place":
        return _("Välj en plats.")
    return _("Välj ett svar på frågan.")


Problem = tuple[str, str]  # (field id, message)


def _read_one(question: QuestionDef, form: FormValues, area_codes: set[str],
              bounds: Bounds) -> tuple[Any, Problem | None]:
    name = field_name(question)
    kind = question.type
    if kind in ("single", "subarea") or (kind == "scale" and question.options):
        raw = form.one(name)
        if not raw:
            return None, None
        allowed = area_codes if kind == "subarea" else question.option_codes
        if raw not in allowed:
            return None, (name, _("Välj ett av alternativen i listan."))
        return raw, None
    if kind == "scale":
        raw = form.one(name)
        if not raw:
            return None, None
        low, high = question.scale_range
        if not re.fullmatch(r"-?\d{1,3}", raw) or not low <= int(raw) <= high:
            return None, (name, _("Välj ett värde från %(low)s till %(high)s.") % {"low": low, "high": high})
        return int(raw), None
    if kind == "multiple":
        chosen = [v.strip() for v in form.all(name) if v.strip()]
        if any(v not in question.option_codes for v in chosen) or len(set(chosen)) != len(chosen):
            return None, (name, _("Välj bland alternativen i listan."))
        low, high = question.choice_range
        if len(chosen) > high:
            return None, (name, _("Välj högst %(n)s alternativ.") % {"n": high})
        if chosen and len(chosen) < low:
            return None, (name, _("Välj minst %(n)s alternativ.") % {"n": low})
        return chosen, None
    if kind == "matrix":
        rows: dict[str, str] = {}
        for item in question.items:
            raw = form.one(field_name(question, item.code))
            if not raw:
                continue
            if raw not in question.option_codes:
                return None, (name, _("Välj ett av alternativen i listan."))
            rows[item.code] = raw
        if question.required and rows and len(rows) < len(question.items):
            return None, (name, _("Svara på varje rad i frågan."))
        return rows, None
    if kind == "ranking":
        picked = [form.one(field_name(question, str(rank))) for rank in range(1, question.rank_count + 1)]
        extra = form.one(field_name(question, str(question.rank_count + 1)))
        if extra:
            return None, (name, _("Välj högst %(n)s alternativ.") % {"n": question.rank_count})
        if any(p and p not in question.option_codes for p in picked):
            return None, (name, _("Välj bland alternativen i listan."))
        if "" in picked and any(picked[picked.index(""):]):
            return None, (name, _("Fyll i rangordningen uppifrån utan luckor."))
        chosen = [p for p in picked if p]
        if len(set(chosen)) != len(chosen):
            return None, (name, _("Välj olika alternativ på varje plats i rangordningen."))
        return chosen, None
    if kind == "text":
        values = form.all(name)
        raw = CONTROL_RE.sub("", values[0]).strip() if values else ""  # PostgreSQL text refuses NUL
        if len(raw) > MAX_TEXT:
            return None, (name, _("Svaret får vara högst %(n)s tecken långt.") % {"n": MAX_TEXT})
        return raw or None, None
    if kind == "place":
        return _read_place(question, form, area_codes, bounds)
    return None, (name, _("Frågan kunde inte läsas."))


def _read_place(question: QuestionDef, form: FormValues, area_codes: set[str],
                bounds: Bounds) -> tuple[Any, Problem | None]:
    name = field_name(question)
    spot = form.one(field_name(question, "spot"))
    raw_lat, raw_lon = form.one(field_name(question, "lat")), form.one(field_name(question, "lon"))
    time = form.one(field_name(question, "time"))
    place: dict[str, Any] = {}
    if spot:
        if spot not in question.option_codes and spot not in area_codes:
            return None, (name, _("Välj ett av alternativen i listan."))
        place["code"] = spot
    if raw_lat or raw_lon:
        lat, lon = _number(raw_lat), _number(raw_lon)
        if lat is None or lon is None or not -90 <= lat <= 90 or not -180 <= lon <= 180:
            return None, (name, _("Platsen kunde inte läsas. Välj platsen igen."))
        if not bounds.contains(lon, lat):
            return None, (name, _("Platsen ligger utanför kommunen. Välj en plats i kommunen."))
        place["lat"], place["lon"] = round(lat, 6), round(lon, 6)
    if time:
        if time not in TIMES_OF_DAY:
            return None, (field_name(question, "time"), _("Välj ett av alternativen i listan."))
        if not place:
            return None, (name, _("Välj en plats för tiden du angav."))
        place["time"] = time
    return place or None, None


def missing_required(questions: Sequence[QuestionDef], answers: Mapping[str, Any]) -> list[QuestionDef]:
    """Visible required questions without an answer: checked once more before anything is stored."""
    return [q for q in questions if q.required and is_visible(q, answers) and not answers.get(q.code)]


def answers_valid(questions: Sequence[QuestionDef], answers: Mapping[str, Any], *, area_codes: set[str],
                  bounds: Bounds) -> bool:
    """Re-checks stored draft answers against the questionnaire (the draft may predate an edit)."""
    by_code = {q.code: q for q in questions}
    for code, value in answers.items():
        question = by_code.get(code)
        if question is None:
            return False
        form = FormValues(as_form(question, value))
        parsed, errors = read_page([question], form, area_codes=area_codes, bounds=bounds)
        if errors or parsed.get(code) != value:
            return False
    return True


@dataclass(frozen=True)
class PageResult:
    """What one posted page does to a draft: `answers` is the draft with the page merged in (hidden answers
    dropped); `next_page` is the next visible page, or None when this page ends the survey. `problem` names what
    stops it: "page" (not a visible page now), "invalid" (errors on this page), "missing" (a required answer
    is missing, maybe on another page) or "changed" (earlier answers no longer fit the questionnaire)."""

    answers: dict[str, Any]
    errors: dict[str, str] = field(default_factory=dict)
    next_page: int | None = None
    problem: str = ""


def apply_page(questions: Sequence[QuestionDef], draft: Mapping[str, Any], page: int, form: FormValues, *,
               area_codes: set[str], bounds: Bounds) -> PageResult:
    """Reads `page` from the form into the draft answers; on the last page, checks the whole set once more."""
    if page not in visible_pages(questions, draft):
        return PageResult(dict(draft), problem="page")
    on_page = page_questions(questions, page, draft)
    answers, errors = read_page(on_page, form, area_codes=area_codes, bounds=bounds)
    if errors:
        return PageResult(dict(draft), errors, problem="invalid")
    codes = {q.code for q in on_page}
    merged = prune_hidden(questions, {**{k: v for k, v in draft.items() if k not in codes}, **answers})
    later = [p for p in visible_pages(questions, merged) if p > page]
    if later:
        return PageResult(merged, next_page=later[0])
    missing = missing_required(questions, merged)
    if missing:
        return PageResult(merged, {field_name(missing[0]): _("Svara på alla obligatoriska frågor.")},
                          problem="missing")
    earlier = {k: v for k, v in merged.items() if k not in codes}  # this page was just read: check the rest
    if not answers_valid(questions, earlier, area_codes=area_codes, bounds=bounds):
        return PageResult(merged, {"answers": _("Enkäten har ändrats medan du svarade. Gå igenom svaren igen.")},
                          problem="changed")
    return PageResult(merged)


def as_form(question: QuestionDef, value: Any) -> dict[str, list[str]]:
    """The form fields that would produce `value`: used to show saved answers and to re-check drafts."""
    name = field_name(question)
    if value is None:
        return {}
    if question.type == "multiple":
        return {name: [str(v) for v in value]}
    if question.type == "matrix":
        return {field_name(question, item): [str(code)] for item, code in dict(value).items()}
    if question.type == "ranking":
        return {field_name(question, str(rank)): [str(code)] for rank, code in enumerate(value, start=1)}
    if question.type == "place":
        place = dict(value)
        fields = {field_name(question, "spot"): [str(place.get("code", ""))],
                  field_name(question, "time"): [str(place.get("time", ""))]}
        if "lat" in place:
            fields[field_name(question, "lat")] = [str(place["lat"])]
            fields[field_name(question, "lon")] = [str(place["lon"])]
        return fields
    return {name: [str(value)]}


# --- answers -> rows ------------------------------------------------------------------------------------------


def answer_rows(questions: Sequence[QuestionDef], answers: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One dict per answer row (without response_id/survey_id), in question order."""
    rows: list[dict[str, Any]] = []

    def row(question: QuestionDef, **values: Any) -> None:
        base: dict[str, Any] = {"question_id": question.id, "item_code": "", "value_code": None,
                                "value_number": None, "value_text": None, "lat": None, "lon": None,
                                "time_of_day": None}
        base.update(values)
        rows.append(base)

    for question in questions:
        value = answers.get(question.code)
        if value is None or value == [] or value == {}:
            continue
        kind = question.type
        if kind == "scale" and question.numeric:
            row(question, value_code=str(value), value_number=int(value))
        elif kind == "scale":
            number = int(value) if str(value).isdecimal() and len(str(value)) < 10 else None  # "²" is a digit, no int
            row(question, value_code=value, value_number=number)
        elif kind in ("single", "subarea"):
            row(question, value_code=value)
        elif kind == "multiple":
            for code in value:
                row(question, value_code=code)
        elif kind == "matrix":
            for item in question.items:  # item order, not dict order, so rows are stable
                if item.code in value:
                    row(question, item_code=item.code, value_code=value[item.code])
        elif kind == "ranking":
            for rank, code in enumerate(value, start=1):
                row(question, value_code=code, value_number=rank)
        elif kind == "text":
            row(question, value_text=value)
        elif kind == "place":
            row(question, value_code=value.get("code"), lat=value.get("lat"), lon=value.get("lon"),
                time_of_day=value.get("time"))
    return rows


def response_area_code(questions: Sequence[QuestionDef], answers: Mapping[str, Any]) -> str | None:
    """The sub-area the resident named (the answer to the sub-area background question), as `area:<slug>`."""
    for question in questions:
        if question.type == "subarea" and isinstance(answers.get(question.code), str):
            return str(answers[question.code])
    return None


# --- staff-side checks -----------------------------------------------------------------------------------------


def slug_problem(slug: str) -> str | None:
    if not SLUG_RE.fullmatch(slug):
        return _("Adressen får bara innehålla små bokstäver a–z, siffror och bindestreck (högst 40 tecken).")
    return None


def parse_option_lines(raw: str) -> tuple[list[tuple[str, str]], str | None]:
    """Staff option lists: one `code = label` per line (a bare label gets a code made from it)."""
    result: list[tuple[str, str]] = []
    seen: set[str] = set()
    for line in raw.splitlines():
        line = line.strip()
        if not line:
            continue
        if "=" in line:
            code, label = (part.strip() for part in line.split("=", 1))
        else:
            label = line
            code = re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_")[:40] or f"o{len(result) + 1}"
        if not re.fullmatch(r"[A-Za-z0-9_+\-.]{1,40}", code):
            return [], _("Koden ”%(code)s” får bara innehålla bokstäver a–z, siffror, _ + - och punkt.") % {
                "code": code[:40]}
        if code in seen:
            return [], _("Koden ”%(code)s” finns två gånger.") % {"code": code}
        if not label or len(label) > 300:
            return [], _("Varje alternativ behöver en text på högst 300 tecken.")
        seen.add(code)
        result.append((code, label))
    return result, None
