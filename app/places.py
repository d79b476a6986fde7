"""Where things are: municipalities, their areas and their parties. Every domain reads them from here, in one
sort order each, so a list of areas looks the same on every page."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from sqlmodel import Session, col, select

from app.db import get_session
from app.errors import NotFound
from app.models import Area, Municipality, Party


def municipalities(session: Session) -> list[Municipality]:
    return list(session.exec(select(Municipality).order_by(Municipality.name)).all())


def municipality_by_slug(session: Session, slug: str) -> Municipality:
    found = session.exec(select(Municipality).where(Municipality.slug == slug)).first()
    if found is None:
        raise NotFound
    return found


def areas(session: Session, municipality_id: int) -> list[Area]:
    """Top-level areas first, then sub-areas; each by name."""
    return list(session.exec(select(Area).where(Area.municipality_id == municipality_id)
                             .order_by(col(Area.parent_id).is_not(None), Area.name, col(Area.id))).all())


def area(session: Session, municipality_id: int, area_id: int) -> Area:
    found = session.get(Area, area_id)
    if found is None or found.municipality_id != municipality_id:
        raise NotFound
    return found


def area_by_slug(session: Session, municipality_id: int, slug: str) -> Area | None:
    return session.exec(select(Area).where(Area.municipality_id == municipality_id, Area.slug == slug)).first()


def parties(session: Session, municipality_id: int) -> list[Party]:
    """By kind (police, municipality, partner), then name."""
    return list(session.exec(select(Party).where(Party.municipality_id == municipality_id)
                             .order_by(Party.kind, Party.name, col(Party.id))).all())


def party(session: Session, municipality_id: int, party_id: int) -> Party:
    found = session.get(Party, party_id)
    if found is None or found.municipality_id != municipality_id:
        raise NotFound
    return found


def public_municipality(slug: str, session: Session = Depends(get_session)) -> Municipality:
    """Dependency for public pages under /m/{slug}: the municipality, or 404."""
    return municipality_by_slug(session, slug)


PublicMunicipality = Annotated[Municipality, Depends(public_municipality)]
