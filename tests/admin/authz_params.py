"""Path parameters for the authorization matrix: a real object of the admin domain in the given municipality."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from app.models import Municipality, PartyKind
from tests import factories


def params(db: Session, municipality: Municipality) -> dict[str, Any]:
    area = factories.area(db, municipality, name="Matrisområdet")
    party = factories.party(db, municipality, PartyKind.partner, name="Matrisparten")
    return {"area_id": area.id, "party_id": party.id}
