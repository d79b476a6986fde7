"""Reads and writes of the surveys domain."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from app.models import Municipality


def municipality_section(session: Session, municipality: Municipality) -> tuple[str, dict[str, Any]] | None:
    """This domain's block on the public municipality page: (template, context), or None for nothing."""
    return None
