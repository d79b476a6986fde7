"""Reported-crime statistics: the rows shown per area and the all-or-nothing CSV import."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import delete, insert, select
from sqlmodel import Session, col

from app import audit, clock
from app.audit import Action
from app.auth import Scope
from app.concerns.crime import parse_crime_csv
from app.concerns.queries import (
    areas,
)
from app.db import writing
from app.errors import ValidationFailed
from app.models.concerns import CrimeStatistic


@dataclass
class CrimeRow:
    area: str
    category: str
    period: str
    count: int



def crime_rows(session: Session, municipality_id: int, area_ids: list[int] | None,
               area_labels: Mapping[str, str]) -> list[CrimeRow]:
    stmt = select(col(CrimeStatistic.area_id), col(CrimeStatistic.category), col(CrimeStatistic.period),
                  col(CrimeStatistic.count)).where(col(CrimeStatistic.municipality_id) == municipality_id)
    if area_ids is not None:
        stmt = stmt.where(col(CrimeStatistic.area_id).in_(area_ids or [-1]))
    rows = [CrimeRow(area=area_labels.get(str(a), str(a)), category=str(c), period=str(p), count=int(n))
            for a, c, p, n in session.execute(stmt).all()]
    return sorted(rows, key=lambda r: (r.area, r.category, r.period))


def import_crime_csv(session: Session, scope: Scope, data: bytes) -> int:
    """All or nothing: every row valid, or nothing imported and every bad row named."""

    by_key = {}
    for a in areas(session, scope.municipality_id):
        by_key[a.slug.lower()] = a.id or 0
        by_key[a.name.lower()] = a.id or 0
    rows, errors = parse_crime_csv(data, by_key)
    if errors:
        raise ValidationFailed({"file": "; ".join(errors[:20]) + (" …" if len(errors) > 20 else "")})
    mid = scope.municipality_id
    keys = {(r.area_id, r.category, r.period) for r in rows}
    existing = {(int(a), str(c), str(p)): int(i) for i, a, c, p in session.execute(
        select(col(CrimeStatistic.id), col(CrimeStatistic.area_id), col(CrimeStatistic.category),
               col(CrimeStatistic.period)).where(col(CrimeStatistic.municipality_id) == mid)).all()}
    with writing(session):
        replace_ids = [existing[k] for k in keys if k in existing]
        if replace_ids:
            session.execute(delete(CrimeStatistic).where(col(CrimeStatistic.id).in_(replace_ids)))
        now = clock.now()
        session.execute(insert(CrimeStatistic), [
            {"municipality_id": mid, "area_id": r.area_id, "category": r.category, "period": r.period,
             "count": r.count, "uploaded_by": scope.user.id, "uploaded_at": now} for r in rows])
        audit.record(session, scope.user, Action.CRIME_STATISTIC_IMPORT, "crime_statistic", None, municipality_id=mid,
                     after={"rows": len(rows), "replaced": len(replace_ids)})
    return len(rows)


