"""Resident figures a pledge quotes: concern priorities, survey items, indicators and their remeasuring."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from app import audit, clock, places
from app.audit import Action
from app.auth import Scope
from app.concerns import published
from app.db import writing
from app.errors import ValidationFailed
from app.i18n import gettext as _
from app.models import Area
from app.models.pledges import (
    Pledge,
    PledgeIndicator,
    PledgeStatus,
)
from app.models.surveys import OptionKind, Question, QuestionOption, Survey
from app.pledges import rules
from app.pledges.access import record_audit
from app.pledges.queries import own_area, row_id
from app.pledges.rules import localized


@dataclass(frozen=True)
class Figure:
    """A resident figure quoted by a pledge: a cell of the wave's published set. share and n are None when the
    set hides the cell ("too few answers")."""

    item: str
    label: str
    area: str
    wave: int
    share: float | None
    n: int | None

    def as_dict(self) -> dict[str, Any]:
        return {"item": self.item, "label": self.label, "area": self.area, "wave": self.wave,
                "share": None if self.share is None else round(self.share, 4), "n": self.n}


def concern_priorities(session: Session, municipality_id: int) -> list[Figure]:
    """The priorities chosen on the concerns dashboard (`concern_priority`), with their snapshotted figures.
    Suppressed figures (share None) are left out: a pledge cannot quote a number that was not published."""
    from app.models.concerns import ConcernPriority

    rows = session.exec(select(ConcernPriority).where(ConcernPriority.municipality_id == municipality_id,
                                                      ConcernPriority.status == "chosen")
                        .order_by(col(ConcernPriority.wave).desc(), col(ConcernPriority.position))).all()
    names = {a.id: a.name for a in places.areas(session, municipality_id)}
    return [Figure(item=row.item_code, label=row.item_label or row.item_code,
                   area=names.get(row.area_id, "") if row.area_id else _("hela kommunen"), wave=row.wave,
                   share=row.share, n=row.n) for row in rows if row.share is not None]


def survey_items(session: Session, municipality_id: int) -> list[tuple[str, str]]:
    """Problem-battery items of the municipality's surveys: ("survey_id:question_code:item_code", label)."""
    rows = session.execute(
        sa_select(Survey.id, Survey.wave, Question.code, QuestionOption.code, QuestionOption.label)  # type: ignore[call-overload]
        .join(Question, col(Question.survey_id) == Survey.id)
        .join(QuestionOption, col(QuestionOption.question_id) == Question.id)
        .where(Survey.municipality_id == municipality_id, QuestionOption.kind == OptionKind.item)
        .order_by(col(Survey.id).desc(), QuestionOption.position)
    ).all()
    return [(f"{sid}:{qcode}:{icode}", f"{localized(label, 'sv')} – {_('mätomgång')} {wave} (#{sid})")
            for sid, wave, qcode, icode, label in rows]


Measured = tuple[float | None, int | None]  # (share, n); (None, None) = hidden by the published set


def measure(session: Session, survey_id: int, question_code: str, item_code: str,
            area_id: int | None) -> Measured | None:
    """(share answering very/fairly big problem, n), "don't know" left out, as the wave's published set has it
    (pledges ask concerns; they never count answers). None when the wave publishes nothing for it (an open
    wave, an unknown item, no answers)."""
    survey = session.get(Survey, survey_id)
    question_id = session.exec(select(Question.id).where(Question.survey_id == survey_id,
                                                         Question.code == question_code)).first()
    if survey is None or question_id is None:
        return None
    found = published.for_public(session, survey)
    node = published.node_key(area_id) if area_id is not None else published.ALL
    if found is None or not found.published(item_code, node):
        return None
    cell = found.cell(item_code, node)
    if cell is None:
        return (None, None)
    if not cell[0]:
        return None
    return int(cell[1]) / int(cell[0]), int(cell[0])


def figure_from_survey(session: Session, municipality_id: int, pick: str, area_id: int | None) -> Figure:
    parts = pick.split(":")
    errors = {"fig_item": _("Välj en fråga ur en enkät.")}
    if len(parts) != 3 or row_id(parts[0]) is None:
        raise ValidationFailed(errors)
    survey = session.get(Survey, row_id(parts[0]))
    if survey is None or survey.municipality_id != municipality_id:
        raise ValidationFailed(errors)
    area = session.get(Area, area_id) if area_id else None
    if area is not None and area.municipality_id != municipality_id:
        raise ValidationFailed({"fig_area": _("Välj ett område i kommunen.")})
    if str(survey.status) not in published.FINAL_STATUSES:
        raise ValidationFailed({"fig_item": _("Resultaten publiceras när mätomgången har stängts.")})
    result = measure(session, survey.id or 0, parts[1], parts[2], area.id if area else None)
    if result is None:
        raise ValidationFailed({"fig_item": _("Det finns inga svar på den frågan i det området.")})
    label = session.exec(select(QuestionOption.label).join(Question, col(Question.id) == QuestionOption.question_id)
                         .where(Question.survey_id == survey.id, Question.code == parts[1],
                                QuestionOption.kind == OptionKind.item, QuestionOption.code == parts[2])).first()
    return Figure(item=parts[2], label=localized(dict(label or {}), "sv") or parts[2],
                  area=area.name if area else _("hela kommunen"), wave=survey.wave, share=result[0], n=result[1])


def add_indicator(session: Session, scope: Scope, found: Pledge, pick: str, area_raw: str, target: str,
                  label: str) -> PledgeIndicator:
    if found.status == PledgeStatus.closed:
        raise ValidationFailed({"ind_item": _("Löftet är avslutat och kan inte ändras längre.")})
    errors: dict[str, str] = {}
    share, ok = rules.parse_share(target)
    if share is None or not ok:
        errors["ind_target"] = _("Ange målet i procent, 0–100.")
    area_id = own_area(session, scope, area_raw, errors, "ind_area")
    if errors:
        raise ValidationFailed(errors)
    try:
        figure = figure_from_survey(session, scope.municipality_id, pick, area_id)
    except ValidationFailed as exc:
        raise ValidationFailed({"ind_item" if k == "fig_item" else "ind_area": v for k, v in exc.errors.items()}) \
            from None
    if figure.share is None or figure.n is None:
        raise ValidationFailed({"ind_item": _("Siffran bygger på för få svar och kan inte vara ett utgångsläge.")})
    sid, qcode, icode = pick.split(":")
    survey = session.get(Survey, int(sid))
    assert survey is not None
    with writing(session):  # checked above without writing: a refusal leaves the session as it was
        row = PledgeIndicator(pledge_id=found.id or 0, label={"sv": label or figure.label}, series_id=survey.series_id,
                              question_code=qcode, item_code=icode, area_id=area_id, baseline_wave=survey.wave,
                              baseline_share=figure.share, baseline_n=figure.n, target_share=share or 0.0)
        session.add(row)
        session.flush()
        record_audit(session, scope, Action.PLEDGE_INDICATOR_ADD, "pledge_indicator", row.id, after=audit.snapshot(row))
        return row


def remeasure_indicators(session: Session, survey_id: int) -> int:
    """Call when a survey wave closes: every indicator of the same series with an earlier baseline gets this
    wave's figure (unless a later wave is already measured). Returns how many indicators were updated."""
    with writing(session):
        survey = session.get(Survey, survey_id)
        if survey is None:
            return 0
        rows = session.exec(select(PledgeIndicator).join(Pledge, col(Pledge.id) == PledgeIndicator.pledge_id).where(
            PledgeIndicator.series_id == survey.series_id, Pledge.municipality_id == survey.municipality_id,
            col(PledgeIndicator.baseline_wave) < survey.wave)).all()
        updated = 0
        for row in rows:
            if row.latest_wave is not None and row.latest_wave > survey.wave:
                continue
            result = measure(session, survey_id, row.question_code, row.item_code, row.area_id)
            if result is None:
                continue
            row.latest_wave, row.latest_share, row.latest_n = survey.wave, result[0], result[1]
            row.measured_on = clock.today()
            session.add(row)
            audit.record(session, None, Action.PLEDGE_INDICATOR_REMEASURE, "pledge_indicator", row.id,
                         municipality_id=survey.municipality_id, after=audit.snapshot(row))
            updated += 1
        return updated
