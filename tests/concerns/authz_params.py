"""Path parameters for the authorization matrix: a real object of this domain in the given municipality."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from app.models import Municipality


def params(db: Session, municipality: Municipality) -> dict[str, Any]:
    return {}
