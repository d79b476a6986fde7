"""Reads for the public site frame."""

from __future__ import annotations

from sqlmodel import Session, col, select

from app.errors import NotFound
from app.models import Area, Municipality


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
