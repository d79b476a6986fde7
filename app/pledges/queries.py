"""Loads of the pledges domain: a municipality's pledges and a pledge's own rows, each scoped or NotFound."""

from __future__ import annotations

from sqlmodel import Session, col, select

from app import places
from app.auth import Scope
from app.deps import get_owned
from app.errors import NotFound
from app.i18n import gettext as _
from app.models import Area, StaffUser
from app.models.pledges import (
    Pledge,
    PledgeActivity,
    PledgeAttachment,
    PledgeFocusArea,
    PledgeProposal,
    PledgeSettings,
    PledgeSignature,
    PledgeUpdate,
    UpdateState,
)
from app.pledges import forms, progress


def pledges(session: Session, municipality_id: int) -> list[Pledge]:
    return list(session.exec(select(Pledge).where(Pledge.municipality_id == municipality_id)
                             .order_by(col(Pledge.starts_on).desc(), col(Pledge.id).desc())).all())


def pledge(session: Session, municipality_id: int, pledge_id: int) -> Pledge:
    return get_owned(session, Pledge, pledge_id, municipality_id=municipality_id)


def focus_area(session: Session, found: Pledge, focus_area_id: int) -> PledgeFocusArea:
    return get_owned(session, PledgeFocusArea, focus_area_id, pledge_id=found.id)


def activity(session: Session, found: Pledge, activity_id: int) -> PledgeActivity:
    return get_owned(session, PledgeActivity, activity_id, pledge_id=found.id)


def attachment(session: Session, found: Pledge, attachment_id: int) -> PledgeAttachment:
    row = session.get(PledgeAttachment, attachment_id)
    update = session.get(PledgeUpdate, row.update_id) if row else None
    if row is None or update is None or update.pledge_id != found.id:
        raise NotFound
    return row


def party_options(session: Session, municipality_id: int) -> list[tuple[str, str]]:
    labels = forms.party_kind_labels()
    options = [("", _("Välj part")), ("joint", labels["joint"])]
    options += [(str(p.id), f"{p.name} ({labels.get(p.kind, p.kind)})")
                for p in places.parties(session, municipality_id)]
    return options


def party_label(row: PledgeActivity, party_names: dict[int, str]) -> str:
    if row.joint:
        return forms.party_kind_labels()["joint"]
    return party_names.get(row.party_id or 0, "")


def children(session: Session, found: Pledge) -> tuple[list[PledgeFocusArea], list[PledgeActivity]]:
    focus = list(session.exec(select(PledgeFocusArea).where(PledgeFocusArea.pledge_id == found.id)
                              .order_by(col(PledgeFocusArea.position), col(PledgeFocusArea.id))).all())
    acts = list(session.exec(select(PledgeActivity).where(PledgeActivity.pledge_id == found.id)
                             .order_by(col(PledgeActivity.position), col(PledgeActivity.id))).all())
    return focus, acts


def facts(row: PledgeActivity) -> progress.ActivityFacts:
    return progress.ActivityFacts(status=row.status, target_number=row.target_number, achieved=row.achieved,
                                  ends_on=row.ends_on, last_update_on=row.last_update_on,
                                  starts_on=row.starts_on)


def row_id(raw: str) -> int | None:
    """A row id typed into a form: ASCII digits that fit the database's integer ("²" or 10**20 are no id)."""
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 9 else None


def own_area(session: Session, scope: Scope, raw: str, errors: dict[str, str], field: str) -> int | None:
    if not raw:
        return None
    area = session.get(Area, row_id(raw)) if row_id(raw) else None
    if area is None or area.municipality_id != scope.municipality_id:
        errors[field] = _("Välj ett område i kommunen.")
        return None
    return area.id


def own_observation(session: Session, scope: Scope, raw: str, errors: dict[str, str]) -> int | None:
    if not raw:
        return None
    from app.models.dialogues import WalkObservation

    row = session.get(WalkObservation, row_id(raw)) if row_id(raw) else None
    if row is None or row.municipality_id != scope.municipality_id:
        errors["act_observation_id"] = _("Välj en observation från en trygghetsvandring i kommunen.")
        return None
    return row.id


def observation_options(session: Session, municipality_id: int) -> list[tuple[str, str]]:
    from app.models.dialogues import WalkObservation

    rows = session.exec(select(WalkObservation).where(WalkObservation.municipality_id == municipality_id)
                        .order_by(col(WalkObservation.id).desc()).limit(200)).all()
    return [("", _("Ingen"))] + [(str(r.id), f"#{r.id} {r.landmark or ''} – {r.problem[:60]}") for r in rows]


def signatures(session: Session, found: Pledge, round_: int | None = None) -> list[PledgeSignature]:
    """The signatures of a round (default: the one under way, which publishes version + 1)."""
    wanted = found.version + 1 if round_ is None else round_
    return list(session.exec(select(PledgeSignature).where(PledgeSignature.pledge_id == found.id,
                                                           PledgeSignature.round == wanted)
                             .order_by(col(PledgeSignature.id))).all())


def signed_sides(session: Session, found: Pledge) -> dict[str, int | None]:
    return {row.side: row.user_id for row in signatures(session, found)}


def proposals(session: Session, found: Pledge) -> list[PledgeProposal]:
    return list(session.exec(select(PledgeProposal).where(PledgeProposal.pledge_id == found.id,
                                                          PledgeProposal.state == "pending")
                             .order_by(col(PledgeProposal.id))).all())


def proposers(session: Session, found: Pledge) -> dict[int, str]:
    ids = {p.proposed_by for p in proposals(session, found) if p.proposed_by}
    return {u.id or 0: u.name for u in session.exec(select(StaffUser).where(col(StaffUser.id).in_(ids))).all()}


def pledge_settings(session: Session, municipality_id: int) -> PledgeSettings:
    return session.get(PledgeSettings, municipality_id) or PledgeSettings(municipality_id=municipality_id)


def pending_updates(session: Session, found: Pledge) -> list[PledgeUpdate]:
    return list(session.exec(select(PledgeUpdate).where(PledgeUpdate.pledge_id == found.id,
                                                        PledgeUpdate.state == UpdateState.pending)
                             .order_by(col(PledgeUpdate.id))).all())
