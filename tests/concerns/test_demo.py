"""The concerns demo data: crime statistics beside the survey, loaded once."""

from __future__ import annotations

from sqlmodel import Session, select

from app.concerns import demo
from app.models.concerns import CrimeStatistic
from tests import factories


def test_demo_crime_statistics_are_idempotent(db: Session) -> None:
    town = factories.municipality(db)
    factories.area(db, town, "Centrum").slug = "centrum"
    db.flush()
    demo.load(db, town)
    first = len(db.exec(select(CrimeStatistic)).all())
    demo.load(db, town)
    assert first == 6  # three categories in Centrum, 2024 and 2025
    assert len(db.exec(select(CrimeStatistic)).all()) == first
