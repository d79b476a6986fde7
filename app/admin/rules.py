"""Pure rules for staff accounts: password policy, e-mail shape."""

from __future__ import annotations

from app.i18n import gettext as _
from app.mail import valid_email

MIN_PASSWORD_LENGTH = 12


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
