"""Staff forms of the cycle pages (new cycle, a step, a checklist item, the agreement): parse, pure problems, the
values the page shows again. What needs the database (a party or pledge of this municipality) the service checks."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from starlette.datastructures import FormData

from app import clock
from app.cycles import rules
from app.i18n import gettext as _
from app.models.cycles import StepStatus
from app.pledges.rules import parse_date
from app.web import form_line, form_str

SIGNATORY_ROWS = 4


def _ids(form: FormData, name: str) -> list[int]:
    return sorted({found for v in form.getlist(name) if isinstance(v, str) and (found := row_id(v)) is not None})[:50]


def row_id(text: str) -> int | None:
    """A row id from a form field, if it looks like one (ASCII digits, short: "²" or 10**20 is no id)."""
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 9 else None


def _named_period(name: str, missing_name: str, starts_on: str, ends_on: str) -> dict[str, str]:
    """The problems of a name and a first/last day, as the cycle and the agreement forms share them."""
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = missing_name
    elif len(name) > 200:
        errors["name"] = _("Namnet får vara högst 200 tecken.")
    for field, value in (("starts_on", starts_on), ("ends_on", ends_on)):
        if problem := _date_problem(value):
            errors[field] = problem
    if not errors and (problem := rules.period_problem(parse_date(starts_on), parse_date(ends_on))):
        errors["ends_on"] = problem
    return errors


def _date_problem(text: str, required: bool = True) -> str | None:
    if not text:
        return _("Ange ett datum.") if required else None
    return None if parse_date(text) else _("Ange datumet som ÅÅÅÅ-MM-DD, till exempel 2026-09-30.")


@dataclass(frozen=True)
class CycleForm:
    name: str
    starts_on: str
    ends_on: str
    public: bool

    @classmethod
    def parse(cls, form: FormData) -> CycleForm:
        return cls(name=form_line(form, "name", 300), starts_on=form_str(form, "starts_on", 20),
                   ends_on=form_str(form, "ends_on", 20), public=form_str(form, "public", 5) == "1")

    def values(self) -> dict[str, Any]:
        return asdict(self)

    def problems(self) -> dict[str, str]:
        return _named_period(self.name, _("Ange ett namn, till exempel ”2026–2027”."), self.starts_on, self.ends_on)


@dataclass(frozen=True)
class StepForm:
    status: str
    owner_party_id: str
    due_on: str
    note: str

    @classmethod
    def parse(cls, form: FormData) -> StepForm:
        return cls(status=form_str(form, "status", 20), owner_party_id=form_str(form, "owner_party_id", 12),
                   due_on=form_str(form, "due_on", 20), note=form_str(form, "note", 4000))

    def values(self) -> dict[str, Any]:
        return asdict(self)

    def owner(self) -> int | None:
        return row_id(self.owner_party_id)

    def problems(self) -> dict[str, str]:
        errors: dict[str, str] = {}
        if self.status not in set(StepStatus):
            errors["status"] = _("Välj en status i listan.")
        if problem := _date_problem(self.due_on, required=False):
            errors["due_on"] = problem
        if self.owner_party_id and self.owner() is None:
            errors["owner_party_id"] = _("Välj en part i listan.")
        return errors


@dataclass(frozen=True)
class CheckForm:
    text: str

    @classmethod
    def parse(cls, form: FormData) -> CheckForm:
        return cls(text=form_line(form, "text", 400))

    def problems(self) -> dict[str, str]:
        if not self.text:
            return {"text": _("Skriv vad som ska vara gjort.")}
        if len(self.text) > 300:
            return {"text": _("Punkten får vara högst 300 tecken.")}
        return {}


@dataclass(frozen=True)
class Signatory:
    name: str
    role: str
    party: str
    signed_on: str


@dataclass(frozen=True)
class AgreementForm:
    title: str
    starts_on: str
    ends_on: str
    focus: str
    cycle_id: str
    party_ids: list[int]
    pledge_ids: list[int]
    signatories: list[Signatory]

    @classmethod
    def parse(cls, form: FormData) -> AgreementForm:
        rows = [Signatory(form_line(form, f"sig_name_{i}", 200), form_line(form, f"sig_role_{i}", 200),
                          form_line(form, f"sig_party_{i}", 200), form_str(form, f"sig_signed_on_{i}", 20))
                for i in range(SIGNATORY_ROWS)]
        return cls(title=form_line(form, "title", 300), starts_on=form_str(form, "starts_on", 20),
                   ends_on=form_str(form, "ends_on", 20), focus=form_str(form, "focus", 8000),
                   cycle_id=form_str(form, "cycle_id", 12), party_ids=_ids(form, "party_ids"),
                   pledge_ids=_ids(form, "pledge_ids"), signatories=rows)

    def values(self) -> dict[str, Any]:
        values: dict[str, Any] = {"title": self.title, "starts_on": self.starts_on, "ends_on": self.ends_on,
                                  "focus": self.focus, "cycle_id": self.cycle_id, "party_ids": self.party_ids,
                                  "pledge_ids": self.pledge_ids}
        for i, row in enumerate(self.signatories):
            values.update({f"sig_name_{i}": row.name, f"sig_role_{i}": row.role, f"sig_party_{i}": row.party,
                           f"sig_signed_on_{i}": row.signed_on})
        return values

    def stored_signatories(self) -> list[dict[str, str]]:
        return [{"name": r.name, "role": r.role, "party": r.party, "signed_on": r.signed_on}
                for r in self.signatories if r.name]

    def cycle(self) -> int | None:
        return row_id(self.cycle_id)

    def problems(self) -> dict[str, str]:
        errors = _named_period(self.title, _("Ange överenskommelsens namn."), self.starts_on, self.ends_on)
        if "name" in errors:
            errors["title"] = errors.pop("name")
        for i, row in enumerate(self.signatories):
            if not row.name and (row.role or row.party or row.signed_on):
                errors[f"sig_name_{i}"] = _("Ange namnet på den som skriver under.")
            elif row.signed_on and (problem := _date_problem(row.signed_on)):
                errors[f"sig_signed_on_{i}"] = problem
            elif row.signed_on and (parse_date(row.signed_on) or date.min) > clock.today():
                errors[f"sig_signed_on_{i}"] = _("Ett datum för underskrift kan inte ligga i framtiden.")
        return errors
