"""The resident's sign-up form: pure parsing and validation, messages in the resident's language."""

from __future__ import annotations

import re
from dataclasses import dataclass

from starlette.datastructures import FormData

from app.i18n import gettext as _
from app.mail import mailbox, valid_email
from app.web import form_str, single_line

MAX_PEOPLE = 10
PHONE_RE = re.compile(r"^\+?[0-9]{7,15}$")


@dataclass(frozen=True)
class SignupInput:
    name: str
    email: str
    phone: str
    people: int
    interpretation_language: str
    needs: str
    language: str

    @property
    def contact_key(self) -> str:
        """What makes two sign-ups "the same person" for one event: the mailbox (a "+tag" is the same person), else
        the phone number."""
        return f"e:{mailbox(self.email)}" if self.email else f"p:{self.phone}"


def normalise_phone(value: str) -> str:
    digits = re.sub(r"[\s\-()./]", "", value)
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    if digits.startswith("0") and not digits.startswith("00"):
        digits = "+46" + digits[1:]
    return digits


def form_values(form: FormData) -> dict[str, str]:
    names = {"name": 200, "email": 254, "phone": 40, "people": 4, "interpretation_language": 20, "needs": 1000,
             "consent": 10, "waitlist": 10}
    values = {name: form_str(form, name, size) for name, size in names.items()}
    for one_line in ("name", "email", "phone"):  # they end up in mail headers and spreadsheets
        values[one_line] = single_line(values[one_line])
    return values


def parse_signup(values: dict[str, str], interpretation_languages: list[str], language: str,
                 max_people: int = MAX_PEOPLE) -> tuple[SignupInput | None, dict[str, str]]:
    """`max_people`: the event's limit per sign-up (DialogueEvent.max_people_per_signup)."""
    errors: dict[str, str] = {}
    name = values.get("name", "")
    email = values.get("email", "").lower()
    phone_raw = values.get("phone", "")
    phone = normalise_phone(phone_raw) if phone_raw else ""
    if not name:
        errors["name"] = _("Skriv ditt namn.")
    if not email and not phone:
        errors["email"] = _("Ange en e-postadress eller ett mobilnummer så att vi kan nå dig.")
    if email and not valid_email(email):
        errors["email"] = _("Ange en e-postadress i rätt format, till exempel namn@exempel.se.")
    if phone and not PHONE_RE.match(phone):
        errors["phone"] = _("Ange ett mobilnummer med bara siffror, till exempel 070 123 45 67.")
    people_text = values.get("people", "") or "1"
    people = int(people_text) if people_text.isdecimal() else 0
    if not 1 <= people <= min(max_people, MAX_PEOPLE):
        errors["people"] = _("Ange hur många ni är, från 1 till %(max)s.") % {"max": min(max_people, MAX_PEOPLE)}
    interpretation = values.get("interpretation_language", "")
    if interpretation and interpretation not in interpretation_languages:
        errors["interpretation_language"] = _("Välj ett av språken i listan.")
    if values.get("consent") != "yes":
        errors["consent"] = _("Du behöver godkänna att vi sparar dina uppgifter för att kunna anmäla dig.")
    if errors:
        return None, errors
    return SignupInput(name=name, email=email, phone=phone, people=people, interpretation_language=interpretation,
                       needs=values.get("needs", ""), language=language), {}
