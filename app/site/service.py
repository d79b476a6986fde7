"""Reads for the public site frame."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from app.dialogues import service as dialogues_service
from app.errors import NotFound
from app.models import Area, Municipality
from app.pledges import service as pledges_service
from app.surveys import service as surveys_service


def municipalities(session: Session) -> list[Municipality]:
    return list(session.exec(select(Municipality).order_by(Municipality.name)).all())


def municipality(session: Session, slug: str) -> Municipality:
    found = session.exec(select(Municipality).where(Municipality.slug == slug)).first()
    if found is None:
        raise NotFound
    return found


def areas(session: Session, municipality_id: int) -> list[Area]:
    return list(session.exec(select(Area).where(Area.municipality_id == municipality_id)
                             .order_by(col(Area.parent_id).is_not(None), Area.name)).all())


def municipality_sections(session: Session, municipality: Municipality) -> list[tuple[str, dict[str, Any]]]:
    """Each domain's block on the public municipality page, in page order: (template, context)."""
    candidates = (surveys_service.municipality_section(session, municipality),
                  dialogues_service.municipality_section(session, municipality),
                  pledges_service.municipality_section(session, municipality))
    return [section for section in candidates if section is not None]
