"""The 2-4 concerns staff choose to act on for a wave, with their published figures snapshotted."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlmodel import Session, col

from app import audit
from app.audit import Action
from app.auth import Scope
from app.concerns import published
from app.concerns.dashboard import dashboard
from app.db import writing
from app.errors import ValidationFailed
from app.i18n import gettext as _
from app.models import Area
from app.models.concerns import ConcernPriority
from app.models.surveys import (
    Survey,
)

MIN_PRIORITIES, MAX_PRIORITIES = 2, 4


def priorities(session: Session, municipality_id: int, survey_id: int) -> list[ConcernPriority]:
    return list(session.scalars(select(ConcernPriority).where(col(ConcernPriority.municipality_id) == municipality_id,
                                                              col(ConcernPriority.survey_id) == survey_id)
                                .order_by(col(ConcernPriority.position))).all())


def choose_priorities(session: Session, scope: Scope, survey: Survey, area: Area | None,
                      chosen: list[str]) -> list[ConcernPriority]:
    """Replace the wave's priorities with 2-4 chosen items, snapshotting their published numbers."""
    unique = list(dict.fromkeys(chosen))
    if str(survey.status) not in published.FINAL_STATUSES:
        # A pledge quotes its priorities publicly: an open wave's snapshot must not reach the public that way.
        raise ValidationFailed({"items": _("Resultaten publiceras när mätomgången har stängts.")})
    if not MIN_PRIORITIES <= len(unique) <= MAX_PRIORITIES:
        raise ValidationFailed({"items": _("Välj mellan %(min)s och %(max)s problem.")
                                % {"min": MIN_PRIORITIES, "max": MAX_PRIORITIES}})
    board = dashboard(session, scope.municipality, survey.id or 0, area.id if area else None)
    rows = {r.item_code: r for r in board.concerns}
    unknown = [c for c in unique if c not in rows]
    if unknown:
        raise ValidationFailed({"items": _("Välj bland problemen i listan.")})
    before = [p.item_code for p in priorities(session, scope.municipality_id, survey.id or 0)]
    with writing(session):
        session.execute(delete(ConcernPriority).where(col(ConcernPriority.survey_id) == survey.id,
                                                      col(ConcernPriority.municipality_id) == scope.municipality_id))
        saved = []
        for position, code in enumerate(unique, start=1):
            row = rows[code]
            priority = ConcernPriority(municipality_id=scope.municipality_id, survey_id=survey.id or 0,
                                       series_id=survey.series_id, wave=survey.wave, area_id=area.id if area else None,
                                       item_code=code, item_label=row.label[:200], position=position,
                                       share=row.cell.share, n=row.cell.n or 0, low=row.cell.low, high=row.cell.high,
                                       chosen_by=scope.user.id)
            session.add(priority)
            saved.append(priority)
        session.flush()
        audit.record(session, scope.user, Action.CONCERN_PRIORITY_SAVE, "concern_priority", survey.id,
                     municipality_id=scope.municipality_id, before={"items": before},
                     after={"items": unique, "area_id": area.id if area else None,
                            "figures": {p.item_code: {"share": p.share, "n": p.n, "low": p.low, "high": p.high}
                                        for p in saved}})
    return saved


