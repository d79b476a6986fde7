"""Pure rules for staff accounts: password policy, throttling, e-mail shape."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from app.i18n import gettext as _

EMAIL_RE = re.compile(r"^[^@\s<>\"']{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,63}$")
MIN_PASSWORD_LENGTH = 12


def normalise_email(value: str) -> str:
    return value.strip().lower()


def email_problem(value: str) -> str | None:
    if not value:
        return _("Ange en e-postadress.")
    if len(value) > 254 or not EMAIL_RE.match(value):
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


def is_throttled(failures: list[datetime], now: datetime, max_failures: int, window: timedelta) -> bool:
    """Too many failed logins inside the window blocks further attempts until the oldest ages out."""
    recent = [at for at in failures if now - at < window]
    return len(recent) >= max_failures
