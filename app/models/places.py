"""Municipalities, local police areas, areas and sub-areas, and the parties that make pledges."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Column, String, Text, UniqueConstraint

from app.models.base import Field, SQLModel, created_at_field


class PoliceArea(SQLModel, table=True):
    """A local police area (lokalpolisområde, LPO)."""

    __tablename__ = "police_area"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, unique=True)
    region: str = Field(default="", max_length=200)


class Municipality(SQLModel, table=True):
    __tablename__ = "municipality"
    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=80, unique=True, index=True)
    name: str = Field(max_length=200)
    police_area_id: int | None = Field(default=None, foreign_key="police_area.id", ondelete="SET NULL")
    languages: list[str] = Field(default_factory=lambda: ["sv", "en"], sa_column=Column(JSON, nullable=False))
    contact_email: str = Field(default="", max_length=254)
    require_two_factor: bool = False  # staff must use two-factor sign-in here (always for system administrators)
    created_at: datetime = created_at_field()


class Area(SQLModel, table=True):
    """An area (område) or, with a parent, a sub-area (delområde)."""

    __tablename__ = "area"
    __table_args__ = (UniqueConstraint("municipality_id", "slug"),)
    id: int | None = Field(default=None, primary_key=True)
    municipality_id: int = Field(foreign_key="municipality.id", index=True, ondelete="CASCADE")
    parent_id: int | None = Field(default=None, foreign_key="area.id", ondelete="CASCADE")
    slug: str = Field(max_length=80)
    name: str = Field(max_length=200)
    population: int | None = Field(default=None, ge=0)
    geojson: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class PartyKind(StrEnum):
    police = "police"
    municipality = "municipality"
    partner = "partner"


class Party(SQLModel, table=True):
    """Who does things in a pledge: the police, the municipality, or a partner such as a housing company."""

    __tablename__ = "party"
    __table_args__ = (UniqueConstraint("municipality_id", "name"),)
    id: int | None = Field(default=None, primary_key=True)
    municipality_id: int = Field(foreign_key="municipality.id", index=True, ondelete="CASCADE")
    kind: PartyKind = Field(sa_type=String(20))
    name: str = Field(max_length=200)
