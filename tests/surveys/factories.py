"""Factories for the surveys domain: an open standard survey in a municipality with two sub-areas."""

from __future__ import annotations

import json

from sqlmodel import Session

from app.auth import Scope
from app.models import Area, Municipality, Role
from app.models.surveys import Survey, SurveyMode, SurveyStatus
from app.surveys import authoring
from tests import factories


def square(x: float, y: float, size: float = 0.01) -> str:
    ring = [[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]
    return json.dumps({"type": "Polygon", "coordinates": [ring]})


def sub_areas(session: Session, municipality: Municipality) -> list[Area]:
    parent = factories.area(session, municipality, name="Tätorten")
    first = Area(municipality_id=municipality.id or 0, parent_id=parent.id, slug=f"norr-{municipality.id}",
                 name="Norr", geojson=square(16.54, 59.37))
    second = Area(municipality_id=municipality.id or 0, parent_id=parent.id, slug=f"soder-{municipality.id}",
                  name="Söder", geojson=square(16.54, 59.36))
    session.add_all([first, second])
    session.flush()
    return [first, second]


def scope_for(session: Session, municipality: Municipality) -> Scope:
    user = factories.staff(session, municipality, Role.coordinator)
    return Scope(user=user, municipality=municipality, role=Role.coordinator)


def standard_survey(session: Session, municipality: Municipality | None = None, *, status: SurveyStatus =
                    SurveyStatus.open, modes: list[str] | None = None) -> Survey:
    """The standard survey from the bank, open, in a municipality with sub-areas Norr and Söder."""
    municipality = municipality or factories.municipality(session)
    sub_areas(session, municipality)
    scope = scope_for(session, municipality)
    survey = authoring.create_survey(session, scope, title="", from_bank=True)
    survey.status = status
    survey.modes = modes or [SurveyMode.open_link.value, SurveyMode.assisted.value]
    session.add(survey)
    session.commit()
    return survey
