"""Pure rules the dialogue forms apply to plain values (numbers, coordinates, links), local times, the calendar file."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from app.i18n import gettext as _

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


def decimal_in(text: str, low: float, high: float) -> float | None:
    """A decimal number typed with "." or "," within [low, high]; None when empty, malformed or outside."""
    try:
        number = float(text.replace(",", "."))
    except ValueError:
        return None
    return number if low <= number <= high else None


def coordinate_problems(latitude: str, longitude: str) -> dict[str, str]:
    """A map point is both coordinates, each a number in range, or neither."""
    problems: dict[str, str] = {}
    lat_ok = not latitude or decimal_in(latitude, -90, 90) is not None
    lon_ok = not longitude or decimal_in(longitude, -180, 180) is not None
    if not lat_ok:
        problems["latitude"] = _("Latitud är ett tal mellan -90 och 90, till exempel 59.37.")
    if not lon_ok:
        problems["longitude"] = _("Longitud är ett tal mellan -180 och 180, till exempel 16.54.")
    if lat_ok and lon_ok and bool(latitude) != bool(longitude):
        problems["latitude"] = _("Ange både latitud och longitud, eller ingen av dem.")
    return problems


def listed_id(text: str, allowed: set[int]) -> int | None:
    """The id a select sent, when it is one of the listed ones."""
    return int(text) if text.isdecimal() and int(text) in allowed else None


def count_in(text: str, low: int, high: int) -> int | None:
    """A whole number typed as digits within [low, high]."""
    return int(text) if text.isdecimal() and low <= int(text) <= high else None


def link_allowed(url: str) -> bool:
    """A related link: an absolute http(s) address or a path on this site (never protocol-relative)."""
    return url.startswith(("https://", "http://")) or (url.startswith("/") and not url.startswith("//"))


def valid_date(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


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
