"""Evidence for the checklist: what the product already holds that shows a "done when" item is done, found
within the cycle's period (a closed survey wave, a dialogue or walk held, priorities chosen, the agreement signed,
a pledge published, follow-up posted). Reads tables only; each finding carries a short text and a link."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

from sqlmodel import Session, col, func, select

from app import clock
from app.cycles import rules
from app.i18n import gettext as _
from app.models import Membership, Party, PartyKind
from app.models.concerns import ConcernPriority
from app.models.cycles import Agreement, Cycle, DocumentKind, DocumentStatus, SituationDocument
from app.models.dialogues import DialogueEvent, EventKind, EventStatus
from app.models.pledges import Pledge, PledgeStatus, PledgeUpdate, UpdateState
from app.models.surveys import Survey, SurveyStatus


@dataclass(frozen=True)
class Finding:
    text: str
    on: date | None = None
    route: str = ""  # a route name for url(), with its parameters
    params: dict[str, object] = field(default_factory=dict)


def _start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _end(day: date) -> datetime:
    return datetime.combine(day, time.max, tzinfo=UTC)


def _parties_named(session: Session, cycle: Cycle) -> Finding | None:
    counts = dict(session.exec(
        select(Party.kind, func.count()).join(Membership, col(Membership.party_id) == Party.id)
        .where(Party.municipality_id == cycle.municipality_id).group_by(Party.kind)).all())
    if counts.get(PartyKind.police, 0) and counts.get(PartyKind.municipality, 0):
        return Finding(_("Konton knutna till polisen och kommunen"), route="admin.parties_page", params={})
    return None


def _closed_waves(session: Session, cycle: Cycle) -> list[Survey]:
    return list(session.exec(select(Survey).where(
        Survey.municipality_id == cycle.municipality_id,
        col(Survey.status).in_([SurveyStatus.closed, SurveyStatus.archived]),
        col(Survey.closes_on) >= cycle.starts_on, col(Survey.closes_on) <= cycle.ends_on)
        .order_by(col(Survey.closes_on))).all())


def _wave(survey: Survey) -> Finding:
    return Finding(_("Enkätomgång %(wave)s stängde %(date)s") % {"wave": survey.wave,
                                                                "date": survey.closes_on.isoformat()
                                                                if survey.closes_on else ""},
                   survey.closes_on, "pledges.results", {"survey_id": survey.id})


def _held(session: Session, cycle: Cycle, kinds: list[EventKind]) -> Finding | None:
    now = clock.now()
    event = session.exec(select(DialogueEvent).where(
        DialogueEvent.municipality_id == cycle.municipality_id, col(DialogueEvent.kind).in_(kinds),
        DialogueEvent.status != EventStatus.cancelled, col(DialogueEvent.starts_at) >= _start(cycle.starts_on),
        col(DialogueEvent.starts_at) <= min(_end(cycle.ends_on), now))
        .order_by(col(DialogueEvent.starts_at))).first()
    if event is None:
        return None
    held = event.starts_at.date()
    return Finding(_("Hölls %(date)s: %(title)s") % {"date": held.isoformat(),
                                                     "title": event.title.get("sv", "")},
                   held, "dialogues.staff_event", {"event_id": event.id})


def _priorities(session: Session, cycle: Cycle) -> Finding | None:
    chosen = session.exec(select(ConcernPriority).where(
        ConcernPriority.municipality_id == cycle.municipality_id,
        col(ConcernPriority.chosen_at) >= _start(cycle.starts_on),
        col(ConcernPriority.chosen_at) <= _end(cycle.ends_on)).order_by(col(ConcernPriority.chosen_at))).all()
    if not chosen:
        return None
    return Finding(_("%(n)s problem valda som prioriteringar") % {"n": len(chosen)}, chosen[0].chosen_at.date())


def _agreement(session: Session, cycle: Cycle) -> Finding | None:
    for agreement in session.exec(select(Agreement).where(Agreement.cycle_id == cycle.id)).all():
        days = [date.fromisoformat(s["signed_on"]) for s in agreement.signatories if s.get("signed_on")]
        if len(days) >= 2:
            return Finding(_("Undertecknad %(date)s: %(title)s") % {"date": max(days).isoformat(),
                                                                    "title": agreement.title},
                           max(days), "cycles.agreement", {"agreement_id": agreement.id})
    return None


def _document(session: Session, cycle: Cycle, kind: DocumentKind, adopted: bool) -> Finding | None:
    query = select(SituationDocument).where(SituationDocument.cycle_id == cycle.id, SituationDocument.kind == kind)
    if adopted:
        query = query.where(SituationDocument.status == DocumentStatus.adopted)
    found = session.exec(query.order_by(col(SituationDocument.version).desc())).first()
    if found is None:
        return None
    text = (_("Antagen %(date)s") % {"date": found.adopted_on.isoformat()} if found.adopted_on
            else _("Utkast, version %(n)s") % {"n": found.version})
    return Finding(f"{found.title}: {text}", found.adopted_on)


def _pledge(session: Session, cycle: Cycle) -> Finding | None:
    found = session.exec(select(Pledge).where(
        Pledge.municipality_id == cycle.municipality_id,
        col(Pledge.status).in_([PledgeStatus.published, PledgeStatus.closed]),
        col(Pledge.published_at) >= _start(cycle.starts_on), col(Pledge.published_at) <= _end(cycle.ends_on))
        .order_by(col(Pledge.published_at))).first()
    if found is None or found.published_at is None:
        return None
    return Finding(_("Publicerat %(date)s: %(title)s") % {"date": found.published_at.date().isoformat(),
                                                          "title": found.title.get("sv", "")},
                   found.published_at.date(), "pledges.staff_pledge", {"pledge_id": found.id})


def _followup(session: Session, cycle: Cycle) -> Finding | None:
    rows = session.exec(select(col(PledgeUpdate.posted_on)).join(Pledge, col(Pledge.id) == PledgeUpdate.pledge_id)
                        .where(Pledge.municipality_id == cycle.municipality_id,
                               PledgeUpdate.state == UpdateState.published,
                               col(PledgeUpdate.posted_on) >= cycle.starts_on,
                               col(PledgeUpdate.posted_on) <= cycle.ends_on)).all()
    if not rows:
        return None
    return Finding(_("%(n)s uppföljningar publicerade, senast %(date)s") % {"n": len(rows),
                                                                           "date": max(rows).isoformat()},
                   max(rows), "pledges.staff_index", {})


def findings(session: Session, cycle: Cycle, slug: str) -> dict[str, Finding]:
    """Evidence key -> what shows it, for the keys that have evidence in this cycle. Links carry every parameter
    of their route (`slug` is the municipality's)."""
    waves = _closed_waves(session, cycle)
    found: dict[str, Finding | None] = {
        rules.PARTIES_NAMED: _parties_named(session, cycle),
        rules.WAVE_CLOSED: _wave(waves[0]) if waves else None,
        rules.SECOND_WAVE_CLOSED: _wave(waves[1]) if len(waves) > 1 else None,
        rules.SITUATION_DRAFTED: _document(session, cycle, DocumentKind.situation, adopted=False),
        rules.DIALOGUE_HELD: _held(session, cycle, [EventKind.meeting, EventKind.focus_group, EventKind.street_stand,
                                                    EventKind.online]),
        rules.WALK_HELD: _held(session, cycle, [EventKind.safety_walk]),
        rules.PRIORITIES_CHOSEN: _priorities(session, cycle),
        rules.AGREEMENT_SIGNED: _agreement(session, cycle),
        rules.ACTION_PLAN_ADOPTED: _document(session, cycle, DocumentKind.action_plan, adopted=True),
        rules.PLEDGE_PUBLISHED: _pledge(session, cycle),
        rules.FOLLOWUP_POSTED: _followup(session, cycle),
    }
    return {key: _with_place(value, slug) for key, value in found.items() if value is not None}


def _with_place(finding: Finding, slug: str) -> Finding:
    if not finding.route:
        return finding
    place = {"slug": slug} if finding.route.startswith("pledges.results") else {"municipality": slug}
    return Finding(finding.text, finding.on, finding.route, {**place, **finding.params})
