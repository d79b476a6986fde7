"""What residents see of pledges: the published pledge pages, the feed and the municipality page's section."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from app import places
from app.config import get_settings
from app.errors import NotFound
from app.models import Municipality
from app.models.cycles import Agreement
from app.models.pledges import (
    Pledge,
    PledgeActivity,
    PledgeAttachment,
    PledgeIndicator,
    PledgeSignatory,
    PledgeStatus,
    PledgeUpdate,
    PledgeVersion,
    UpdateState,
)
from app.pledges import forms, progress
from app.pledges.queries import children, facts, party_label, pledge
from app.pledges.rules import localized


def public_pledges(session: Session, municipality_id: int, area_id: int | None = None) -> tuple[
        list[Pledge], list[Pledge]]:
    """(current published pledges, archive of closed ones), optionally for one area."""
    query = select(Pledge).where(Pledge.municipality_id == municipality_id,
                                 col(Pledge.status).in_([PledgeStatus.published, PledgeStatus.closed]))
    if area_id is not None:
        query = query.where(Pledge.area_id == area_id)
    rows = session.exec(query.order_by(col(Pledge.starts_on).desc())).all()
    return ([p for p in rows if p.status == PledgeStatus.published],
            [p for p in rows if p.status == PledgeStatus.closed])


def public_pledge(session: Session, municipality_id: int, pledge_id: int) -> Pledge:
    found = pledge(session, municipality_id, pledge_id)
    if found.status not in (PledgeStatus.published, PledgeStatus.closed):
        raise NotFound
    return found


PUBLIC_UPDATE_STATES = (UpdateState.published, UpdateState.withdrawn)  # withdrawn: a short "återkallad" line


def _shown(share: Any, n: Any) -> float | None:
    """A stored figure as published: hidden when the published set hid it or (older rows) its n is under the
    threshold, so "100 % av 2 invånare" is never printed."""
    if share is None or n is None or int(n) < get_settings().suppression_min_n:
        return None
    return float(share)


def _percent(share: float | None, n: int | None) -> int | None:
    shown = _shown(share, n)
    return None if shown is None else round(shown * 100)


def pledge_view(session: Session, found: Pledge, lang: str, *, updates_limit: int = 30,
                staff: bool = False) -> dict[str, Any]:
    """Everything a public pledge page shows, in `lang` (Swedish where a text is not translated). `staff` adds
    the updates residents never see (waiting for approval, rejected)."""
    focus, acts = children(session, found)
    names = {p.id or 0: p.name for p in places.parties(session, found.municipality_id)}
    alabels, slabels = forms.activity_status_labels(), forms.status_labels()
    states = list(UpdateState) if staff else list(PUBLIC_UPDATE_STATES)
    updates = session.exec(select(PledgeUpdate).where(PledgeUpdate.pledge_id == found.id,
                                                      col(PledgeUpdate.state).in_(states))
                           .order_by(col(PledgeUpdate.posted_on).desc(), col(PledgeUpdate.id).desc())
                           .limit(updates_limit)).all()
    files: dict[int, list[PledgeAttachment]] = {}
    if updates:
        for att in session.exec(select(PledgeAttachment).where(
                col(PledgeAttachment.update_id).in_([u.id for u in updates]))).all():
            files.setdefault(att.update_id, []).append(att)
    observations: dict[int, Any] = {}
    obs_ids = [a.observation_id for a in acts if a.observation_id]
    if obs_ids:
        from app.models.dialogues import WalkObservation

        observations = {o.id or 0: o for o in session.exec(select(WalkObservation).where(
            col(WalkObservation.id).in_(obs_ids))).all()}
    act_titles = {a.id: localized(a.title, lang) for a in acts}
    focus_views = []
    for fa in focus:
        mine = [a for a in acts if a.focus_area_id == fa.id]
        activity_views = []
        for act in mine:
            obs = observations.get(act.observation_id or 0)
            activity_views.append({
                "id": act.id, "title": localized(act.title, lang), "party": party_label(act, names),
                "status": act.status, "status_label": alabels[act.status], "cancel_reason": act.cancel_reason,
                "target_number": act.target_number, "unit": localized(act.target_unit, lang),
                "target_text": localized(act.target_text, lang), "achieved": act.achieved,
                "starts_on": act.starts_on, "ends_on": act.ends_on,
                "percent": progress.percent(progress.activity_progress(facts(act))),
                "observation": ({"landmark": obs.landmark, "problem": obs.problem, "measure": obs.measure,
                                 "status": obs.status} if obs else None)})
        focus_views.append({
            "id": fa.id, "title": localized(fa.title, lang), "problem": localized(fa.problem, lang),
            "cause": localized(fa.cause, lang),
            "figures": [forms.figure_sentence(_shown(f.get("share"), f.get("n")), f.get("n"), str(f["area"]),
                                              str(f["label"])) for f in fa.figures],
            "percent": progress.percent(progress.focus_progress([facts(a) for a in mine])),
            "activities": activity_views})
    indicators = session.exec(select(PledgeIndicator).where(PledgeIndicator.pledge_id == found.id)
                              .order_by(col(PledgeIndicator.id))).all()
    area_names = {a.id: a.name for a in places.areas(session, found.municipality_id)}
    versions = session.exec(select(PledgeVersion).where(PledgeVersion.pledge_id == found.id)
                            .order_by(col(PledgeVersion.number).desc())).all()
    signatories = session.exec(select(PledgeSignatory).where(PledgeSignatory.pledge_id == found.id)
                               .order_by(col(PledgeSignatory.id))).all()
    return {
        "id": found.id, "title": localized(found.title, lang), "intro": localized(found.intro, lang),
        "starts_on": found.starts_on, "ends_on": found.ends_on, "status": found.status,
        "status_label": slabels[found.status], "version": found.version,
        "area": area_names.get(found.area_id) if found.area_id else None,
        "percent": progress.percent(progress.pledge_progress(
            [[facts(a) for a in acts if a.focus_area_id == fa.id] for fa in focus])),
        "focus_areas": focus_views,
        "updates": [_update_view(u, act_titles, names, files) for u in updates],
        "indicators": [{"label": localized(i.label, lang), "area": area_names.get(i.area_id, ""),
                        "baseline_wave": i.baseline_wave, "target": round(i.target_share * 100),
                        "baseline": _percent(i.baseline_share, i.baseline_n),
                        "baseline_n": i.baseline_n if _percent(i.baseline_share, i.baseline_n) is not None else None,
                        "latest_wave": i.latest_wave, "latest": _percent(i.latest_share, i.latest_n),
                        "latest_n": i.latest_n if _percent(i.latest_share, i.latest_n) is not None else None}
                       for i in indicators],
        "versions": [{"number": v.number, "date": v.created_at.date(), "changes": v.changes, "note": v.note}
                     for v in versions],
        "signatories": [{"name": s.name, "role": s.role, "signed_on": s.signed_on} for s in signatories],
    }


def agreements_for(session: Session, found: Pledge) -> list[Agreement]:
    """The collaboration agreements this pledge belongs to (the communicative part of which it is)."""
    rows = session.exec(select(Agreement).where(Agreement.municipality_id == found.municipality_id)
                        .order_by(col(Agreement.starts_on).desc())).all()
    return [a for a in rows if found.id in a.pledge_ids]


def _update_view(u: PledgeUpdate, act_titles: dict[int | None, str], names: dict[int, str],
                 files: dict[int, list[PledgeAttachment]]) -> dict[str, Any]:
    withdrawn = u.state == UpdateState.withdrawn  # residents see that something was withdrawn, not what
    return {"id": u.id, "activity_id": u.activity_id, "posted_on": u.posted_on, "state": str(u.state),
            "text": "" if withdrawn else u.text, "achieved": None if withdrawn else u.achieved,
            "party": names.get(u.party_id or 0, ""), "corrected_on": u.corrected_at.date() if u.corrected_at else None,
            "withdrawn_on": u.withdrawn_at.date() if u.withdrawn_at else None,
            "activity": act_titles.get(u.activity_id, ""), "files": [] if withdrawn else files.get(u.id or 0, [])}


def feed_entries(session: Session, municipality_id: int, limit: int = 50) -> list[dict[str, Any]]:
    rows = session.exec(
        select(PledgeUpdate, PledgeActivity, Pledge)
        .join(PledgeActivity, col(PledgeActivity.id) == PledgeUpdate.activity_id)
        .join(Pledge, col(Pledge.id) == PledgeUpdate.pledge_id)
        .where(Pledge.municipality_id == municipality_id, PledgeUpdate.state == UpdateState.published,
               col(Pledge.status).in_([PledgeStatus.published, PledgeStatus.closed]))
        .order_by(col(PledgeUpdate.created_at).desc(), col(PledgeUpdate.id).desc()).limit(limit)).all()
    names = {p.id or 0: p.name for p in places.parties(session, municipality_id)}
    return [{"id": u.id, "pledge_id": p.id, "pledge": localized(p.title, "sv"), "activity": localized(a.title, "sv"),
             "text": u.text, "achieved": u.achieved, "posted_on": u.posted_on, "party": names.get(u.party_id or 0, ""),
             "updated": u.corrected_at or u.created_at} for u, a, p in rows]


def municipality_section(session: Session, municipality: Municipality) -> tuple[str, dict[str, Any]] | None:
    """This domain's block on the public municipality page: (template, context), or None for nothing."""
    current, archive = public_pledges(session, municipality.id or 0)
    if not current and not archive:
        return None
    from app.i18n import current_language

    lang = current_language()
    return "public/pledges/_section.html", {
        "pledge_rows": [{"id": p.id, "title": localized(p.title, lang), "starts_on": p.starts_on,
                         "ends_on": p.ends_on} for p in current],
        "archive_count": len(archive), "municipality": municipality}
