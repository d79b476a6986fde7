"""Shared model base: constraint naming convention (so migrations name things the same on every database)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import MetaData
from sqlmodel import Field, SQLModel

from app import clock

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

SQLModel.metadata = MetaData(naming_convention=NAMING_CONVENTION)
metadata = SQLModel.metadata


def created_at_field() -> Any:
    return Field(default_factory=clock.now, nullable=False)


__all__ = ["NAMING_CONVENTION", "Field", "SQLModel", "created_at_field", "metadata"]
