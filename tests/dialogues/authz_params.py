"""Path parameters for the authorization matrix: a real object of this domain in the given municipality."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from app.models import Municipality
from app.models.dialogues import EventKind
from tests.dialogues import factories


def params(db: Session, municipality: Municipality) -> dict[str, Any]:
    event = factories.event(db, municipality, kind=EventKind.safety_walk)
    signup = factories.signup(db, event)
    observation = factories.observation(db, event)
    photo = factories.photo(db, observation)
    return {"event_id": event.id, "signup_id": signup.id, "observation_id": observation.id, "photo_id": photo.id}
