"""The JSON API: read-only open data, documented in OpenAPI."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from pydantic import BaseModel
from sqlmodel import Session

from app import places
from app.config import get_settings
from app.db import get_session

router = APIRouter(prefix="/api/v1", tags=["open data"])


class MunicipalityOut(BaseModel):
    slug: str
    name: str
    languages: list[str]
    url: str


@router.get("/municipalities", response_model=list[MunicipalityOut])
def list_municipalities(session: Session = Depends(get_session)) -> list[MunicipalityOut]:
    """Every municipality on this installation, with the languages it offers residents."""
    base = get_settings().base_url
    return [MunicipalityOut(slug=m.slug, name=m.name, languages=m.languages, url=f"{base}/m/{m.slug}")
            for m in places.municipalities(session)]
