"""Staff forms of the dialogues pages (event, walk observation, message): parse, pure problems, stored values."""
# Not forms.py: every forms.py is resident-facing (English and Arabic, tests/test_translations.py); these are staff's.

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.datastructures import FormData

from app.dialogues.rules import (
    DEFAULT_PEOPLE_PER_SIGNUP,
    MAX_CAPACITY,
    MAX_PEOPLE_PER_SIGNUP,
    coordinate_problems,
    count_in,
    decimal_in,
    link_allowed,
    listed_id,
    parse_local,
    valid_date,
)
from app.i18n import gettext as _
from app.models.dialogues import EventKind, ObservationCategory, ObservationStatus
from app.web import form_str

# ---------------------------------------------------------------------------------------------- staff: events


@dataclass(frozen=True)
class EventForm:
    """A staff member's event as typed; titles and descriptions per content language."""

    kind: str
    titles: dict[str, str]
    descriptions: dict[str, str]
    place: str
    latitude: str
    longitude: str
    area_id: str
    starts_at: str
    ends_at: str
    capacity: str
    max_people_per_signup: str
    signup_deadline: str
    interpretation_languages: list[str]
    accessibility: str
    related_url: str

    @classmethod
    def parse(cls, form: FormData, languages: list[str]) -> EventForm:
        return cls(
            kind=form_str(form, "kind", 20), place=form_str(form, "place", 300),
            latitude=form_str(form, "latitude", 30), longitude=form_str(form, "longitude", 30),
            area_id=form_str(form, "area_id", 12), starts_at=form_str(form, "starts_at", 30),
            ends_at=form_str(form, "ends_at", 30), capacity=form_str(form, "capacity", 8),
            max_people_per_signup=form_str(form, "max_people_per_signup", 4),
            signup_deadline=form_str(form, "signup_deadline", 30), accessibility=form_str(form, "accessibility", 4000),
            related_url=form_str(form, "related_url", 500),
            titles={code: form_str(form, f"title_{code}", 200) for code in languages},
            descriptions={code: form_str(form, f"description_{code}", 8000) for code in languages},
            interpretation_languages=[v for v in form.getlist("interpretation_languages") if isinstance(v, str)])

    def values(self) -> dict[str, Any]:
        """What the page shows again when the form comes back with problems."""
        values: dict[str, Any] = {
            "kind": self.kind, "place": self.place, "latitude": self.latitude, "longitude": self.longitude,
            "area_id": self.area_id, "starts_at": self.starts_at, "ends_at": self.ends_at, "capacity": self.capacity,
            "max_people_per_signup": self.max_people_per_signup, "signup_deadline": self.signup_deadline,
            "accessibility": self.accessibility, "related_url": self.related_url,
            "interpretation_languages": self.interpretation_languages}
        for code, title in self.titles.items():
            values[f"title_{code}"] = title
        for code, description in self.descriptions.items():
            values[f"description_{code}"] = description
        return values

    def _most(self) -> str:
        return self.max_people_per_signup or str(DEFAULT_PEOPLE_PER_SIGNUP)

    def problems(self, languages: list[str], area_ids: set[int]) -> dict[str, str]:
        """Errors keyed by field id; `languages`: the municipality's content languages, the first one required."""
        errors: dict[str, str] = {}
        if self.kind not in {k.value for k in EventKind}:
            errors["kind"] = _("Välj en typ av träff.")
        first = languages[0] if languages else "sv"
        if not self.titles.get(first):
            errors[f"title_{first}"] = _("Skriv en rubrik.")
        if not self.place:
            errors["place"] = _("Skriv var träffen är (adress, eller \"på nätet\").")
        errors.update(coordinate_problems(self.latitude, self.longitude))
        if self.area_id and listed_id(self.area_id, area_ids) is None:
            errors["area_id"] = _("Välj ett område i listan.")
        starts, ends = parse_local(self.starts_at), parse_local(self.ends_at)
        if starts is None:
            errors["starts_at"] = _("Ange när träffen börjar.")
        if ends is None:
            errors["ends_at"] = _("Ange när träffen slutar.")
        elif starts is not None and ends <= starts:
            errors["ends_at"] = _("Slutet måste vara efter starten.")
        if count_in(self.capacity, 1, MAX_CAPACITY) is None:
            errors["capacity"] = _("Ange antal platser, från 1 till 10000.")
        if count_in(self._most(), 1, MAX_PEOPLE_PER_SIGNUP) is None:
            errors["max_people_per_signup"] = _("Ange hur många personer en anmälan får gälla, från 1 till "
                                                "%(max)s.") % {"max": MAX_PEOPLE_PER_SIGNUP}
        deadline = parse_local(self.signup_deadline) if self.signup_deadline else None
        if self.signup_deadline and deadline is None:
            errors["signup_deadline"] = _("Ange sista anmälningsdag som datum och tid.")
        elif deadline is not None and starts is not None and deadline > starts:
            errors["signup_deadline"] = _("Sista anmälningsdag kan inte vara efter starten.")
        if self.related_url and not link_allowed(self.related_url):
            errors["related_url"] = _("Länken ska börja med https:// eller /.")
        return errors

    def fields(self, area_ids: set[int], offered_languages: set[str]) -> dict[str, Any]:
        """The columns of a DialogueEvent (call only when `problems` found none); interpretation languages not
        offered are dropped."""
        return {
            "kind": EventKind(self.kind),
            "title": {code: text for code, text in self.titles.items() if text},
            "description": {code: text for code, text in self.descriptions.items() if text},
            "place": self.place,
            "latitude": decimal_in(self.latitude, -90, 90) if self.latitude else None,
            "longitude": decimal_in(self.longitude, -180, 180) if self.longitude else None,
            "area_id": listed_id(self.area_id, area_ids) if self.area_id else None,
            "starts_at": parse_local(self.starts_at), "ends_at": parse_local(self.ends_at),
            "capacity": int(self.capacity), "max_people_per_signup": int(self._most()),
            "signup_deadline": parse_local(self.signup_deadline) if self.signup_deadline else None,
            "interpretation_languages": [code for code in self.interpretation_languages if code in offered_languages],
            "accessibility": self.accessibility, "related_url": self.related_url,
        }


# ---------------------------------------------------------------------------------------- staff: observations


@dataclass(frozen=True)
class ObservationForm:
    """A safety-walk observation as typed."""

    area_id: str
    landmark: str
    latitude: str
    longitude: str
    category: str
    problem: str
    measure: str
    party_id: str
    deadline: str
    status: str
    rejection_reason: str

    @classmethod
    def parse(cls, form: FormData) -> ObservationForm:
        return cls(area_id=form_str(form, "area_id", 12), landmark=form_str(form, "landmark", 300),
                   latitude=form_str(form, "latitude", 30), longitude=form_str(form, "longitude", 30),
                   category=form_str(form, "category", 20), problem=form_str(form, "problem", 4000),
                   measure=form_str(form, "measure", 4000), party_id=form_str(form, "party_id", 12),
                   deadline=form_str(form, "deadline", 12), status=form_str(form, "status", 20),
                   rejection_reason=form_str(form, "rejection_reason", 1000))

    def values(self) -> dict[str, str]:
        """What the page shows again when the form comes back with problems."""
        return {"area_id": self.area_id, "landmark": self.landmark, "latitude": self.latitude,
                "longitude": self.longitude, "category": self.category, "problem": self.problem,
                "measure": self.measure, "party_id": self.party_id, "deadline": self.deadline, "status": self.status,
                "rejection_reason": self.rejection_reason}

    def _status(self) -> str:
        return self.status or ObservationStatus.open.value

    def problems(self, area_ids: set[int], party_ids: set[int]) -> dict[str, str]:
        errors = coordinate_problems(self.latitude, self.longitude)
        area_id = listed_id(self.area_id, area_ids) if self.area_id else None
        if self.area_id and area_id is None:
            errors["area_id"] = _("Välj ett område i listan.")
        has_point = bool(self.latitude) and decimal_in(self.latitude, -90, 90) is not None
        if not has_point and area_id is None and not self.landmark:
            errors["landmark"] = _("Ange var: en plats eller ett kännemärke, ett delområde eller en kartpunkt.")
        if self.category not in {c.value for c in ObservationCategory}:
            errors["category"] = _("Välj en kategori.")
        if not self.problem:
            errors["problem"] = _("Beskriv vad som är fel.")
        if self.party_id and listed_id(self.party_id, party_ids) is None:
            errors["party_id"] = _("Välj en ansvarig part i listan.")
        if self.deadline and valid_date(self.deadline) is None:
            errors["deadline"] = _("Ange datumet som ÅÅÅÅ-MM-DD.")
        if self._status() not in {s.value for s in ObservationStatus}:
            errors["status"] = _("Välj en status.")
        if self._status() == ObservationStatus.rejected.value and not self.rejection_reason:
            errors["rejection_reason"] = _("Skriv varför åtgärden avslås.")
        return errors

    def fields(self, area_ids: set[int], party_ids: set[int]) -> dict[str, Any]:
        """The columns of a WalkObservation (call only when `problems` found none)."""
        return {"landmark": self.landmark, "problem": self.problem, "measure": self.measure,
                "rejection_reason": self.rejection_reason,
                "latitude": decimal_in(self.latitude, -90, 90) if self.latitude else None,
                "longitude": decimal_in(self.longitude, -180, 180) if self.longitude else None,
                "area_id": listed_id(self.area_id, area_ids) if self.area_id else None,
                "category": ObservationCategory(self.category),
                "party_id": listed_id(self.party_id, party_ids) if self.party_id else None,
                "deadline": valid_date(self.deadline) if self.deadline else None,
                "status": ObservationStatus(self._status())}


# ------------------------------------------------------------------------------------------- staff: messages


@dataclass(frozen=True)
class MessageForm:
    """A message from staff to everyone signed up for an event."""

    subject: str
    body: str

    @classmethod
    def parse(cls, form: FormData) -> MessageForm:
        return cls(subject=form_str(form, "subject", 200), body=form_str(form, "body", 5000))

    def values(self) -> dict[str, str]:
        return {"subject": self.subject, "body": self.body}

    def problems(self) -> dict[str, str]:
        errors: dict[str, str] = {}
        if not self.subject:
            errors["subject"] = _("Skriv en ämnesrad.")
        if not self.body:
            errors["body"] = _("Skriv ett meddelande.")
        return errors
