"""Versioned changes of a pledge: applied at once on a draft, proposed and approved by the other side once published."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlmodel import Session, select

from app import audit
from app.audit import Action
from app.auth import Scope
from app.db import writing
from app.errors import ValidationFailed
from app.i18n import gettext as _
from app.models.pledges import (
    Pledge,
    PledgeProposal,
    PledgeStatus,
)
from app.pledges import rules
from app.pledges.access import APPLYING, actor, record_audit
from app.pledges.authoring import (
    delete_focus_area,
    edit_pledge,
    extend_pledge,
    save_activity,
    save_focus_area,
    save_translations,
)
from app.pledges.figures import Figure
from app.pledges.queries import activity, focus_area
from app.pledges.versions import ProposalNeeded, refuse_unversioned


def _figures_of(values: dict[str, Any]) -> list[Figure]:
    return [Figure(**f) for f in values.get("figures", [])]


CHANGES: dict[str, Callable[[Session, Scope, Pledge, int | None, dict[str, Any], str], object]] = {
    "pledge.edit": lambda s, sc, f, t, v, n: edit_pledge(s, sc, f, v, new_version=True, note=n),
    "focus_area.save": lambda s, sc, f, t, v, n: save_focus_area(
        s, sc, f, focus_area(s, f, t) if t else None, v, _figures_of(v), new_version=True, note=n),
    "focus_area.delete": lambda s, sc, f, t, v, n: delete_focus_area(
        s, sc, f, focus_area(s, f, t or 0), new_version=True, note=n),
    "activity.save": lambda s, sc, f, t, v, n: save_activity(
        s, sc, f, activity(s, f, t) if t else None, v, new_version=True, note=n),
    "pledge.extend": lambda s, sc, f, t, v, n: extend_pledge(s, sc, f, v["ends_on"]),
    "pledge.translate": lambda s, sc, f, t, v, n: save_translations(s, sc, f, str(v["lang"]), v),
}


def change(session: Session, scope: Scope, found: Pledge, kind: str, target_id: int | None,
           values: dict[str, Any], *, new_version: bool, note: str) -> PledgeProposal | None:
    """Every versioned change of a pledge. A draft is changed at once; on a published pledge the change is fully
    validated by its service function, then rolled back and stored as a proposal that the other side approves
    (four eyes). Returns the proposal, or None when the change was applied."""
    with writing(session):
        refuse_unversioned(found, new_version)
        pledge_id = found.id
        try:
            CHANGES[kind](session, scope, found, target_id, values, note)
            return None
        except ProposalNeeded:
            pass  # the change's own writing() rolled it back: nothing of it is kept, only the proposal
        row = PledgeProposal(pledge_id=pledge_id or 0, kind=kind, target_id=target_id, values=values, note=note[:2000],
                             proposed_by=scope.user.id, side=actor(session, scope).side or "")
        session.add(row)
        session.flush()
        record_audit(session, scope, Action.PLEDGE_PROPOSAL_CREATE, "pledge_proposal", row.id,
                     after=audit.snapshot(row))
        return row


def decide_proposal(session: Session, scope: Scope, found: Pledge, row: PledgeProposal, approve: bool) -> None:
    """The other side's decision on a proposal. Approving applies it through the same service function as an
    unpublished change and publishes the new version with the proposer's note; rejecting changes nothing."""
    with writing(session):
        session.exec(select(Pledge.id).where(Pledge.id == found.id).with_for_update()).first()  # one decision at a time
        errors = rules.proposal_problems(actor(session, scope), row.proposed_by, row.side, row.state)
        if approve and not errors and found.status != PledgeStatus.published:
            errors = {"proposal": _("Löftet är inte längre publicerat, så ändringen kan inte godkännas.")}
        if errors:
            raise ValidationFailed(errors)
        before = audit.snapshot(row)
        row.state, row.decided_by = ("applied" if approve else "rejected"), scope.user.id
        session.add(row)
        record_audit(session, scope, Action.PLEDGE_PROPOSAL_APPROVE if approve else Action.PLEDGE_PROPOSAL_REJECT,
                     "pledge_proposal", row.id, before, audit.snapshot(row))
        if not approve:
            return
        session.info[APPLYING] = True
        try:
            CHANGES[row.kind](session, scope, found, row.target_id, dict(row.values), row.note)  # commits with the row
        finally:
            session.info.pop(APPLYING, None)
