"""The lägesbild and the åtgärdsplan (law 2023:196): generated from what the product holds and completed by staff.

A draft reads its figures live: survey results from the concerns measuring layer (the published set, the same
suppression as everywhere), crime statistics, dialogues held, safety-walk observations; the åtgärdsplan lists the
published pledges' activities beside staff's other measures. Adopting freezes all of it into `snapshot`, so the
adopted document (page and PDF) never changes when more answers arrive; a new version starts as a copy."""

from __future__ import annotations

import secrets
from collections import Counter
from datetime import UTC, date, datetime, time
from typing import Any

from sqlmodel import Session, col, select

from app import audit, clock, places
from app.audit import Action
from app.auth import Scope
from app.concerns import dashboard, exports
from app.concerns.crime_figures import crime_rows
from app.db import writing
from app.dialogues import walks
from app.errors import NotFound, ValidationFailed
from app.i18n import gettext as _
from app.models import Municipality
from app.models.cycles import Cycle, DocumentKind, DocumentStatus, SituationDocument
from app.models.dialogues import DialogueEvent, EventStatus, WalkObservation
from app.models.pledges import Pledge, PledgeActivity, PledgeStatus
from app.pledges import results
from app.pledges.rules import localized, parse_date

SECTIONS = {DocumentKind.situation: ("summary", "analysis", "conclusions"),
            DocumentKind.action_plan: ("summary", "follow_up")}
MEASURE_ROWS = 5  # the åtgärdsplan form's rows for other measures


def kind_labels() -> dict[str, str]:
    return {DocumentKind.situation: _("Lägesbild"), DocumentKind.action_plan: _("Åtgärdsplan")}


def section_titles() -> dict[str, str]:
    return {"summary": _("Sammanfattning"), "analysis": _("Analys"), "conclusions": _("Slutsatser"),
            "follow_up": _("Så följer vi upp")}


def documents(session: Session, municipality_id: int) -> list[SituationDocument]:
    return list(session.exec(select(SituationDocument).where(SituationDocument.municipality_id == municipality_id)
                             .order_by(col(SituationDocument.kind), col(SituationDocument.series),
                                       col(SituationDocument.version).desc())).all())


def create(session: Session, scope: Scope, kind: str, title: str, cycle_id: int | None,
           survey_id: int | None) -> SituationDocument:
    with writing(session):
        errors: dict[str, str] = {}
        if kind not in set(DocumentKind):
            errors["kind"] = _("Välj lägesbild eller åtgärdsplan.")
        if not title or len(title) > 200:
            errors["title"] = _("Ange ett namn på högst 200 tecken.")
        if cycle_id is not None and session.exec(select(Cycle.id).where(
                Cycle.id == cycle_id, Cycle.municipality_id == scope.municipality_id)).first() is None:
            errors["cycle_id"] = _("Välj en arbetscykel i listan.")
        closed = {w.id for w in results.closed_waves(session, scope.municipality_id)}
        if survey_id is not None and survey_id not in closed:
            errors["survey_id"] = _("Välj en stängd enkätomgång i listan.")
        if errors:
            raise ValidationFailed(errors)
        row = SituationDocument(municipality_id=scope.municipality_id, cycle_id=cycle_id, kind=DocumentKind(kind),
                                series=secrets.token_hex(8), title=title, survey_id=survey_id)
        session.add(row)
        session.flush()
        audit.record(session, scope.user, Action.SITUATION_DOCUMENT_SAVE, "situation_document", row.id,
                     municipality_id=scope.municipality_id, after=audit.snapshot(row))
    return row


def save_sections(session: Session, scope: Scope, doc: SituationDocument, texts: dict[str, str],
                  measures: list[dict[str, str]]) -> None:
    with writing(session):
        if doc.status == DocumentStatus.adopted:
            raise ValidationFailed({"summary": _("Ett antaget dokument ändras inte. Gör en ny version.")})
        before = audit.snapshot(doc)
        doc.sections = {**{key: texts.get(key, "")[:20000] for key in SECTIONS[doc.kind]},
                        "measures": [m for m in measures if m.get("measure")]}
        doc.updated_at = clock.now()
        session.add(doc)
        audit.record(session, scope.user, Action.SITUATION_DOCUMENT_SAVE, "situation_document", doc.id,
                     municipality_id=scope.municipality_id, before=before, after=audit.snapshot(doc))


def adopt(session: Session, scope: Scope, doc: SituationDocument, adopted_on: str, decision_body: str) -> None:
    """Adopted by a decision body on a date: the figures are read one last time and frozen with the text."""
    with writing(session):
        errors: dict[str, str] = {}
        day = parse_date(adopted_on)
        if doc.status == DocumentStatus.adopted:
            errors["adopted_on"] = _("Dokumentet är redan antaget.")
        elif day is None:
            errors["adopted_on"] = _("Ange datumet som ÅÅÅÅ-MM-DD, till exempel 2026-09-30.")
        elif day > clock.today():
            errors["adopted_on"] = _("Ett beslut kan inte ligga i framtiden.")
        if not decision_body or len(decision_body) > 200:
            errors["decision_body"] = _("Ange vem som beslutade, till exempel kommunstyrelsen.")
        if errors:
            raise ValidationFailed(errors)
        municipality = session.get(Municipality, doc.municipality_id)
        assert municipality is not None
        doc.snapshot = live_content(session, municipality, doc)
        doc.status, doc.adopted_on, doc.decision_body = DocumentStatus.adopted, day, decision_body
        session.add(doc)
        audit.record(session, scope.user, Action.SITUATION_DOCUMENT_ADOPT, "situation_document", doc.id,
                     municipality_id=scope.municipality_id, after={"adopted_on": adopted_on,
                                                                   "decision_body": decision_body})


def new_version(session: Session, scope: Scope, doc: SituationDocument) -> SituationDocument:
    with writing(session):
        latest = session.exec(select(SituationDocument).where(SituationDocument.municipality_id == doc.municipality_id,
                                                              SituationDocument.series == doc.series)
                              .order_by(col(SituationDocument.version).desc())).first()
        assert latest is not None
        if latest.status != DocumentStatus.adopted:
            raise ValidationFailed({"version": _("Det finns redan ett utkast av dokumentet.")})
        row = SituationDocument(municipality_id=doc.municipality_id, cycle_id=doc.cycle_id, kind=doc.kind,
                                series=doc.series, version=latest.version + 1, title=doc.title,
                                survey_id=doc.survey_id, sections=dict(latest.sections))
        session.add(row)
        session.flush()
        audit.record(session, scope.user, Action.SITUATION_DOCUMENT_SAVE, "situation_document", row.id,
                     municipality_id=scope.municipality_id, after=audit.snapshot(row))
    return row


def set_public(session: Session, scope: Scope, doc: SituationDocument, public: bool) -> None:
    with writing(session):
        if public and doc.status != DocumentStatus.adopted:
            raise ValidationFailed({"public": _("Bara ett antaget dokument kan visas för invånarna.")})
        doc.public = public
        session.add(doc)
        audit.record(session, scope.user, Action.SITUATION_DOCUMENT_SAVE, "situation_document", doc.id,
                     municipality_id=scope.municipality_id, after={"public": public})


def content(session: Session, doc: SituationDocument) -> dict[str, Any]:
    """What the document shows: the frozen snapshot once adopted, else the live figures."""
    if doc.snapshot is not None:
        return doc.snapshot
    municipality = session.get(Municipality, doc.municipality_id)
    if municipality is None:
        raise NotFound
    return live_content(session, municipality, doc)


def _period(session: Session, doc: SituationDocument) -> tuple[date, date]:
    cycle = session.get(Cycle, doc.cycle_id) if doc.cycle_id else None
    today = clock.today()
    return (cycle.starts_on, cycle.ends_on) if cycle else (date(today.year - 1, 1, 1), today)


def live_content(session: Session, municipality: Municipality, doc: SituationDocument) -> dict[str, Any]:
    """Every figure of the document as plain JSON (what adoption freezes)."""
    out: dict[str, Any] = {"kind": str(doc.kind), "title": doc.title, "municipality": municipality.name,
                           "built_at": clock.now().isoformat(timespec="minutes"),
                           "sections": {k: doc.sections.get(k, "") for k in SECTIONS[doc.kind]}}
    if doc.kind == DocumentKind.situation:
        out |= _situation(session, municipality, doc)
    else:
        out["measures"] = _pledge_measures(session, municipality.id or 0) + [
            {**m, "source": "other"} for m in doc.sections.get("measures", [])]
    return out


def _situation(session: Session, municipality: Municipality, doc: SituationDocument) -> dict[str, Any]:
    mid = municipality.id or 0
    out: dict[str, Any] = {"survey": None}
    if doc.survey_id is not None:
        board = dashboard.dashboard(session, municipality, doc.survey_id, None)
        out["survey"] = {
            "title": board.title, "responses": board.total_responses, "min_n": board.min_n,
            "concerns": [{"label": r.label, "hidden": r.cell.hidden, "n": r.cell.n,
                          "share": None if r.cell.share is None else round(100 * r.cell.share),
                          "low": None if r.cell.low is None else round(100 * r.cell.low),
                          "high": None if r.cell.high is None else round(100 * r.cell.high)} for r in board.concerns],
            "method": exports.method_lines(board.min_n)}
    labels = {str(a.id): a.name for a in places.areas(session, mid)}
    out["crime"] = [{"area": r.area, "category": r.category, "period": r.period, "count": r.count}
                    for r in crime_rows(session, mid, None, labels)]
    starts, ends = _period(session, doc)
    events = session.exec(select(DialogueEvent).where(
        DialogueEvent.municipality_id == mid, DialogueEvent.status != EventStatus.cancelled,
        col(DialogueEvent.starts_at) >= datetime.combine(starts, time.min, tzinfo=UTC),
        col(DialogueEvent.starts_at) <= min(datetime.combine(ends, time.max, tzinfo=UTC), clock.now()))
        .order_by(col(DialogueEvent.starts_at))).all()
    out["dialogues"] = [{"date": e.starts_at.date().isoformat(), "kind": str(e.kind), "title": e.title.get("sv", "")}
                        for e in events]
    counts = Counter(str(o.category) for o in session.exec(select(WalkObservation).where(
        WalkObservation.municipality_id == mid, col(WalkObservation.event_id).in_([e.id for e in events] or [-1])))
        .all())
    names = walks.category_labels()
    out["walks"] = [{"category": names.get(k, k), "count": n} for k, n in sorted(counts.items())]
    out["incidents"] = None  # partner incident reports (EST) are not in the product yet
    return out


def _pledge_measures(session: Session, municipality_id: int) -> list[dict[str, str]]:
    names = {p.id: p.name for p in places.parties(session, municipality_id)}
    rows = session.exec(select(PledgeActivity, Pledge).join(Pledge, col(Pledge.id) == PledgeActivity.pledge_id)
                        .where(Pledge.municipality_id == municipality_id, Pledge.status == PledgeStatus.published)
                        .order_by(col(Pledge.id), col(PledgeActivity.position), col(PledgeActivity.id))).all()
    return [{"measure": localized(a.title, "sv"), "party": _("Polis och kommun tillsammans") if a.joint
             else names.get(a.party_id, ""),
             "when": f"{a.starts_on or p.starts_on} – {a.ends_on or p.ends_on}",
             "indicator": (f"{a.target_number} {localized(a.target_unit, 'sv')}" if a.target_number is not None
                           else localized(a.target_text, "sv")), "source": "pledge"} for a, p in rows]
