"""Demo data of the dialogues domain (idempotent)."""

from __future__ import annotations

from sqlmodel import Session

from app.models import Municipality


def load(session: Session, municipality: Municipality) -> None:
    """Adds this domain's demo rows for the demo municipality; does nothing when they exist."""
