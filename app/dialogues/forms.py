"""The resident's sign-up form: `parse` reads it, a pure `problems` names what is wrong, `to_input` what is stored."""

from __future__ import annotations

import re
from dataclasses import dataclass

from starlette.datastructures import FormData

from app.i18n import gettext as _
from app.mail import mailbox, valid_email
from app.web import form_str, single_line

MAX_PEOPLE = 10
PHONE_RE = re.compile(r"^\+?[0-9]{7,15}$")


# ------------------------------------------------------------------------------------------------- sign-up


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


@dataclass(frozen=True)
class SignupForm:
    """A resident's sign-up as typed."""

    name: str
    email: str
    phone: str
    people: str
    interpretation_language: str
    needs: str
    consent: str
    waitlist: str

    @classmethod
    def parse(cls, form: FormData) -> SignupForm:
        def line(name: str, size: int) -> str:  # they end up in mail headers and spreadsheets
            return single_line(form_str(form, name, size))

        return cls(name=line("name", 200), email=line("email", 254), phone=line("phone", 40),
                   people=form_str(form, "people", 4),
                   interpretation_language=form_str(form, "interpretation_language", 20),
                   needs=form_str(form, "needs", 1000), consent=form_str(form, "consent", 10),
                   waitlist=form_str(form, "waitlist", 10))

    def values(self) -> dict[str, str]:
        """What the page shows again when the form comes back with problems."""
        return {"name": self.name, "email": self.email, "phone": self.phone, "people": self.people,
                "interpretation_language": self.interpretation_language, "needs": self.needs,
                "consent": self.consent, "waitlist": self.waitlist}

    @property
    def wants_waitlist(self) -> bool:
        return self.waitlist == "yes"

    def _email(self) -> str:
        return self.email.lower()

    def _phone(self) -> str:
        return normalise_phone(self.phone) if self.phone else ""

    def _people(self) -> int:
        text = self.people or "1"
        return int(text) if text.isdecimal() else 0

    def problems(self, interpretation_languages: list[str], max_people: int = MAX_PEOPLE) -> dict[str, str]:
        """`max_people`: the event's limit per sign-up (DialogueEvent.max_people_per_signup)."""
        errors: dict[str, str] = {}
        email, phone = self._email(), self._phone()
        if not self.name:
            errors["name"] = _("Skriv ditt namn.")
        if not email and not phone:
            errors["email"] = _("Ange en e-postadress eller ett mobilnummer så att vi kan nå dig.")
        if email and not valid_email(email):
            errors["email"] = _("Ange en e-postadress i rätt format, till exempel namn@exempel.se.")
        if phone and not PHONE_RE.match(phone):
            errors["phone"] = _("Ange ett mobilnummer med bara siffror, till exempel 070 123 45 67.")
        most = min(max_people, MAX_PEOPLE)
        if not 1 <= self._people() <= most:
            errors["people"] = _("Ange hur många ni är, från 1 till %(max)s.") % {"max": most}
        if self.interpretation_language and self.interpretation_language not in interpretation_languages:
            errors["interpretation_language"] = _("Välj ett av språken i listan.")
        if self.consent != "yes":
            errors["consent"] = _("Du behöver godkänna att vi sparar dina uppgifter för att kunna anmäla dig.")
        return errors

    def to_input(self, language: str) -> SignupInput:
        """The sign-up the service stores (call only when `problems` found none)."""
        return SignupInput(name=self.name, email=self._email(), phone=self._phone(), people=self._people(),
                           interpretation_language=self.interpretation_language, needs=self.needs, language=language)
