"""Pure rules for staff forms (events and walk observations), local times, and the calendar file."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from starlette.datastructures import FormData

from app.i18n import gettext as _
from app.models.dialogues import EventKind, ObservationCategory, ObservationStatus
from app.web import form_str

LOCAL_TZ = ZoneInfo("Europe/Stockholm")
MAX_CAPACITY = 10_000
DEFAULT_PEOPLE_PER_SIGNUP = 2  # one sign-up: a resident and a companion, unless staff allow more for the event
MAX_PEOPLE_PER_SIGNUP = 10


def to_local_input(value: datetime | None) -> str:
    """UTC -> the value of an <input type="datetime-local"> in Swedish time."""
    return value.astimezone(LOCAL_TZ).strftime("%Y-%m-%dT%H:%M") if value else ""


def parse_local(value: str) -> datetime | None:
    """A datetime-local value in Swedish time -> aware UTC; None when empty or malformed."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=LOCAL_TZ)
    return parsed.astimezone(UTC).replace(second=0, microsecond=0)


def format_when(value: datetime | None) -> str:
    return value.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M") if value else ""


def _float(value: str, low: float, high: float) -> tuple[float | None, bool]:
    if not value:
        return None, True
    try:
        number = float(value.replace(",", "."))
    except ValueError:
        return None, False
    return (number, True) if low <= number <= high else (None, False)


def event_form_values(form: FormData, languages: list[str]) -> dict[str, Any]:
    values: dict[str, Any] = {name: form_str(form, name, size) for name, size in (
        ("kind", 20), ("place", 300), ("latitude", 30), ("longitude", 30), ("area_id", 12), ("starts_at", 30),
        ("ends_at", 30), ("capacity", 8), ("max_people_per_signup", 4), ("signup_deadline", 30),
        ("accessibility", 4000),
        ("related_url", 500))}
    for code in languages:
        values[f"title_{code}"] = form_str(form, f"title_{code}", 200)
        values[f"description_{code}"] = form_str(form, f"description_{code}", 8000)
    values["interpretation_languages"] = [v for v in form.getlist("interpretation_languages") if isinstance(v, str)]
    return values


def parse_event(values: dict[str, Any], languages: list[str], area_ids: set[int],
                offered_languages: set[str]) -> tuple[dict[str, Any], dict[str, str]]:
    """Form values -> fields of a DialogueEvent, or errors keyed by field id."""
    errors: dict[str, str] = {}
    out: dict[str, Any] = {}
    if values.get("kind") not in {k.value for k in EventKind}:
        errors["kind"] = _("Välj en typ av träff.")
    else:
        out["kind"] = EventKind(values["kind"])
    titles = {code: values.get(f"title_{code}", "") for code in languages if values.get(f"title_{code}")}
    if not titles.get(languages[0] if languages else "sv"):
        errors[f"title_{languages[0] if languages else 'sv'}"] = _("Skriv en rubrik.")
    out["title"] = titles
    out["description"] = {code: values.get(f"description_{code}", "") for code in languages
                          if values.get(f"description_{code}")}
    out["place"] = values.get("place", "")
    if not out["place"]:
        errors["place"] = _("Skriv var träffen är (adress, eller \"på nätet\").")
    latitude, ok_lat = _float(values.get("latitude", ""), -90, 90)
    longitude, ok_lon = _float(values.get("longitude", ""), -180, 180)
    if not ok_lat:
        errors["latitude"] = _("Latitud är ett tal mellan -90 och 90, till exempel 59.37.")
    if not ok_lon:
        errors["longitude"] = _("Longitud är ett tal mellan -180 och 180, till exempel 16.54.")
    if (latitude is None) != (longitude is None) and ok_lat and ok_lon:
        errors["latitude"] = _("Ange både latitud och longitud, eller ingen av dem.")
    out["latitude"], out["longitude"] = latitude, longitude
    area_text = values.get("area_id", "")
    out["area_id"] = None
    if area_text:
        if area_text.isdecimal() and int(area_text) in area_ids:
            out["area_id"] = int(area_text)
        else:
            errors["area_id"] = _("Välj ett område i listan.")
    starts = parse_local(values.get("starts_at", ""))
    ends = parse_local(values.get("ends_at", ""))
    if starts is None:
        errors["starts_at"] = _("Ange när träffen börjar.")
    if ends is None:
        errors["ends_at"] = _("Ange när träffen slutar.")
    elif starts is not None and ends <= starts:
        errors["ends_at"] = _("Slutet måste vara efter starten.")
    out["starts_at"], out["ends_at"] = starts, ends
    capacity = values.get("capacity", "")
    if not capacity.isdecimal() or not 1 <= int(capacity) <= MAX_CAPACITY:
        errors["capacity"] = _("Ange antal platser, från 1 till 10000.")
    else:
        out["capacity"] = int(capacity)
    most = values.get("max_people_per_signup", "") or str(DEFAULT_PEOPLE_PER_SIGNUP)
    if not most.isdecimal() or not 1 <= int(most) <= MAX_PEOPLE_PER_SIGNUP:
        errors["max_people_per_signup"] = _("Ange hur många personer en anmälan får gälla, från 1 till "
                                            "%(max)s.") % {"max": MAX_PEOPLE_PER_SIGNUP}
    else:
        out["max_people_per_signup"] = int(most)
    deadline_text = values.get("signup_deadline", "")
    deadline = parse_local(deadline_text) if deadline_text else None
    if deadline_text and deadline is None:
        errors["signup_deadline"] = _("Ange sista anmälningsdag som datum och tid.")
    elif deadline is not None and starts is not None and deadline > starts:
        errors["signup_deadline"] = _("Sista anmälningsdag kan inte vara efter starten.")
    out["signup_deadline"] = deadline
    interpretation = [code for code in values.get("interpretation_languages", []) if code in offered_languages]
    out["interpretation_languages"] = interpretation
    out["accessibility"] = values.get("accessibility", "")
    url = values.get("related_url", "")
    if url and not (url.startswith(("https://", "http://")) or (url.startswith("/") and not url.startswith("//"))):
        errors["related_url"] = _("Länken ska börja med https:// eller /.")
    out["related_url"] = url
    return out, errors


def observation_form_values(form: FormData) -> dict[str, str]:
    return {name: form_str(form, name, size) for name, size in (
        ("area_id", 12), ("landmark", 300), ("latitude", 30), ("longitude", 30), ("category", 20),
        ("problem", 4000), ("measure", 4000), ("party_id", 12), ("deadline", 12), ("status", 20),
        ("rejection_reason", 1000))}


def parse_observation(values: dict[str, str], area_ids: set[int],
                      party_ids: set[int]) -> tuple[dict[str, Any], dict[str, str]]:
    errors: dict[str, str] = {}
    out: dict[str, Any] = {"landmark": values.get("landmark", ""), "problem": values.get("problem", ""),
                           "measure": values.get("measure", ""),
                           "rejection_reason": values.get("rejection_reason", "")}
    latitude, ok_lat = _float(values.get("latitude", ""), -90, 90)
    longitude, ok_lon = _float(values.get("longitude", ""), -180, 180)
    if not ok_lat:
        errors["latitude"] = _("Latitud är ett tal mellan -90 och 90, till exempel 59.37.")
    if not ok_lon:
        errors["longitude"] = _("Longitud är ett tal mellan -180 och 180, till exempel 16.54.")
    if (latitude is None) != (longitude is None) and ok_lat and ok_lon:
        errors["latitude"] = _("Ange både latitud och longitud, eller ingen av dem.")
    out["latitude"], out["longitude"] = latitude, longitude
    out["area_id"] = None
    area_text = values.get("area_id", "")
    if area_text:
        if area_text.isdecimal() and int(area_text) in area_ids:
            out["area_id"] = int(area_text)
        else:
            errors["area_id"] = _("Välj ett område i listan.")
    if latitude is None and out["area_id"] is None and not out["landmark"]:
        errors["landmark"] = _("Ange var: en plats eller ett kännemärke, ett delområde eller en kartpunkt.")
    if values.get("category") not in {c.value for c in ObservationCategory}:
        errors["category"] = _("Välj en kategori.")
    else:
        out["category"] = ObservationCategory(values["category"])
    if not out["problem"]:
        errors["problem"] = _("Beskriv vad som är fel.")
    out["party_id"] = None
    party_text = values.get("party_id", "")
    if party_text:
        if party_text.isdecimal() and int(party_text) in party_ids:
            out["party_id"] = int(party_text)
        else:
            errors["party_id"] = _("Välj en ansvarig part i listan.")
    out["deadline"] = None
    if values.get("deadline"):
        try:
            out["deadline"] = date.fromisoformat(values["deadline"])
        except ValueError:
            errors["deadline"] = _("Ange datumet som ÅÅÅÅ-MM-DD.")
    status = values.get("status") or ObservationStatus.open.value
    if status not in {s.value for s in ObservationStatus}:
        errors["status"] = _("Välj en status.")
    else:
        out["status"] = ObservationStatus(status)
    if status == ObservationStatus.rejected.value and not out["rejection_reason"]:
        errors["rejection_reason"] = _("Skriv varför åtgärden avslås.")
    return out, errors


def ics_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def ics_fold(line: str) -> str:
    """RFC 5545: lines longer than 75 octets are folded with CRLF + space."""
    raw = line.encode()
    if len(raw) <= 75:
        return line
    parts: list[str] = []
    current = ""
    for char in line:
        if len((current + char).encode()) > (75 if not parts else 74):
            parts.append(current)
            current = char
        else:
            current += char
    parts.append(current)
    return "\r\n ".join(parts)


def ics_calendar(uid: str, start: datetime, end: datetime, summary: str, location: str, description: str,
                 url: str, stamp: datetime, cancelled: bool = False) -> str:
    fmt = "%Y%m%dT%H%M%SZ"
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Trygghetsdialog//Dialoger//SV", "CALSCALE:GREGORIAN",
             "METHOD:PUBLISH", "BEGIN:VEVENT", f"UID:{uid}", f"DTSTAMP:{stamp.astimezone(UTC).strftime(fmt)}",
             f"DTSTART:{start.astimezone(UTC).strftime(fmt)}", f"DTEND:{end.astimezone(UTC).strftime(fmt)}",
             f"SUMMARY:{ics_escape(summary)}", f"LOCATION:{ics_escape(location)}",
             f"DESCRIPTION:{ics_escape(description)}", f"URL:{url}",
             f"STATUS:{'CANCELLED' if cancelled else 'CONFIRMED'}", "END:VEVENT", "END:VCALENDAR"]
    return "\r\n".join(ics_fold(line) for line in lines) + "\r\n"
