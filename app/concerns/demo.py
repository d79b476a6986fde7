"""Demo data of the concerns domain (idempotent, deterministic): reported crimes per sub-area of Strandvik for
2024 and 2025, beside the survey's perceived problems, two municipality-specific theme words, and the closed waves'
published sets."""

from __future__ import annotations

from sqlmodel import Session, col, select

from app.concerns import published
from app.db import writing
from app.models import Area, Municipality
from app.models.concerns import CrimeStatistic, ThemeTerm
from app.models.surveys import Survey

# (sub-area slug, category) -> reported crimes in 2024, 2025
CRIMES: dict[tuple[str, str], tuple[int, int]] = {
    ("centrum", "Misshandel utomhus"): (21, 17), ("centrum", "Narkotikabrott"): (34, 29),
    ("centrum", "Skadegörelse"): (40, 31), ("norra-hamnen", "Narkotikabrott"): (27, 22),
    ("norra-hamnen", "Skadegörelse"): (22, 24), ("norra-hamnen", "Rån"): (6, 4),
    ("vastra-strand", "Trafikbrott"): (52, 47), ("vastra-strand", "Skadegörelse"): (9, 8),
    ("ekbacken", "Skadegörelse"): (48, 55), ("ekbacken", "Misshandel utomhus"): (11, 9),
    ("solhojden", "Bostadsinbrott"): (14, 10), ("solhojden", "Trafikbrott"): (19, 21),
}
TERMS = (("gatlykt", "item:dark_places"), ("nattvandr", "item:youth_disorder"))


def load(session: Session, municipality: Municipality) -> None:
    _crime_and_terms(session, municipality)
    # Every closed wave ends with its published set built, so the demo shows results (idempotent: rebuilt only
    # when a wave's responses changed).
    for survey in session.exec(select(Survey).where(col(Survey.municipality_id) == municipality.id)).all():
        published.for_public(session, survey)


def _crime_and_terms(session: Session, municipality: Municipality) -> None:
    if session.exec(select(CrimeStatistic.id).where(col(CrimeStatistic.municipality_id) == municipality.id)
                    ).first() is not None:
        return
    areas = {a.slug: a.id for a in session.exec(select(Area).where(col(Area.municipality_id) == municipality.id))}
    with writing(session):
        for (slug, category), counts in CRIMES.items():
            if slug not in areas:
                continue
            for year, count in zip(("2024", "2025"), counts, strict=True):
                session.add(CrimeStatistic(municipality_id=municipality.id or 0, area_id=areas[slug] or 0,
                                           category=category, period=year, count=count))
        for stem, theme in TERMS:
            session.add(ThemeTerm(municipality_id=municipality.id or 0, stem=stem, theme=theme))
