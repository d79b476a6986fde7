"""Pure rules for accounts and municipality set-up: password policy, e-mail shape, names, population,
languages, party kinds, what changed between two audit snapshots, audit paging."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from app.i18n import LANGUAGES
from app.i18n import gettext as _
from app.mail import valid_email
from app.models import PartyKind

MIN_PASSWORD_LENGTH = 12
AUDIT_PAGE_SIZE = 50
MAX_POPULATION = 10_000_000
NAME_MAX = 200


def normalise_email(value: str) -> str:
    return value.strip().lower()


def email_problem(value: str) -> str | None:
    if not value:
        return _("Ange en e-postadress.")
    if not valid_email(value):
        return _("Ange en e-postadress i rätt format, till exempel namn@kommun.se.")
    return None


def password_problem(password: str, confirm: str) -> str | None:
    if len(password) < MIN_PASSWORD_LENGTH:
        return _("Lösenordet måste vara minst 12 tecken långt.")
    if len(password) > 256:
        return _("Lösenordet får vara högst 256 tecken långt.")
    if password != confirm:
        return _("Lösenorden stämmer inte överens.")
    return None


def name_problem(name: str, missing: str) -> str | None:
    if not name:
        return missing
    if len(name) > NAME_MAX:
        return _("Namnet får vara högst 200 tecken.")
    return None


def parse_population(text: str) -> tuple[int | None, str | None]:
    """'6 200' -> 6200; empty -> None (unknown). Returns (value, problem)."""
    cleaned = text.replace(" ", "").replace("\u00a0", "")
    if not cleaned:
        return None, None
    if not cleaned.isdigit() or not cleaned.isascii():
        return None, _("Ange antalet invånare som ett heltal, till exempel 4100.")
    value = int(cleaned)
    if value > MAX_POPULATION:
        return None, _("Antalet invånare kan inte vara större än 10 000 000.")
    return value, None


def parse_languages(codes: list[str]) -> tuple[list[str], str | None]:
    """The languages offered to residents, in the interface's order; Swedish is always included."""
    unknown = [code for code in codes if code not in LANGUAGES]
    if unknown:
        return [], _("Välj språk i listan.")
    wanted = set(codes) | {"sv"}
    return [code for code in LANGUAGES if code in wanted], None


def parse_kind(value: str) -> PartyKind | None:
    try:
        return PartyKind(value)
    except ValueError:
        return None


@dataclass(frozen=True)
class FieldChange:
    field: str
    before: Any
    after: Any


def changed_fields(before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[FieldChange]:
    """The fields whose value differs between two audit snapshots, in a stable order."""
    old, new = before or {}, after or {}
    keys = list(dict.fromkeys([*old.keys(), *new.keys()]))
    return [FieldChange(key, old.get(key), new.get(key)) for key in keys if old.get(key) != new.get(key)]


def page_count(total: int, size: int = AUDIT_PAGE_SIZE) -> int:
    return max(1, math.ceil(total / size))


def parse_page(value: str | None) -> int:
    """?page= from the address bar: anything odd means the first page, never an error."""
    try:
        page = int(value or "1")
    except ValueError:
        return 1
    return min(max(page, 1), 1_000_000)


def local_time(at: datetime) -> str:
    """Swedish local time for people reading the log; stored times are UTC."""
    aware = at if at.tzinfo else at.replace(tzinfo=UTC)
    try:
        return aware.astimezone(ZoneInfo("Europe/Stockholm")).strftime("%Y-%m-%d %H:%M")
    except ZoneInfoNotFoundError:  # a minimal image without time zone data
        return aware.strftime("%Y-%m-%d %H:%M UTC")
