"""Who may act on a pledge: the party an account acts for, the activity guard, the editor check, the audit."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from app import audit
from app.audit import Action
from app.auth import Scope
from app.errors import Forbidden
from app.models import Party
from app.models.pledges import (
    PledgeActivity,
)
from app.pledges import rules


def record_audit(session: Session, scope: Scope, action: Action, entity: str, entity_id: int | None,
                 before: dict[str, Any] | None = None, after: dict[str, Any] | None = None) -> None:
    audit.record(session, scope.user, action, entity, entity_id, municipality_id=scope.municipality_id,
                 before=before, after=after)


def acting_party(session: Session, scope: Scope) -> Party | None:
    """The party an account acts for in this municipality.

    Partners: their membership's party, or none (then they can do nothing party-bound). Police: their membership's
    party if it is a police party, else the municipality's (first) police party. Coordinators, admins and system
    administrators: their membership's municipality party, else the municipality's (first) municipality party.
    """
    own = session.get(Party, scope.party_id) if scope.party_id else None
    if own is not None and own.municipality_id != scope.municipality_id:
        own = None
    if scope.role is not None and scope.role.value == "partner":
        return own
    side = rules.ROLE_SIDES.get(scope.role.value if scope.role else "", None)
    if side is None and scope.user.is_superadmin:
        side = "municipality"
    if side is None:
        return None
    if own is not None and own.kind == side:
        return own
    return session.exec(select(Party).where(Party.municipality_id == scope.municipality_id, Party.kind == side)
                        .order_by(col(Party.id))).first()


def actor(session: Session, scope: Scope) -> rules.Actor:
    party = acting_party(session, scope)
    return rules.Actor(user_id=scope.user.id or 0, role=scope.role.value if scope.role else None,
                       superadmin=scope.user.is_superadmin, party_id=party.id if party else None)


def guard_activity(session: Session, scope: Scope, row: PledgeActivity) -> int | None:
    """The one check every activity mutation passes: 403 unless the account may act on this activity (its own
    party's, or any as an editor). Returns the id of the party the account acts for, which the change records."""
    who = actor(session, scope)
    # An approved proposal was checked against its proposer when proposed; the approver applies it as it was.
    if not applying(session) and not rules.may_act_on_activity(who, row.party_id, row.joint):
        raise Forbidden
    return who.party_id


def require_editor(session: Session, scope: Scope) -> None:
    """Approving partner updates and the municipality's pledge settings are the coordinators' (and admins')."""
    if not actor(session, scope).editor:
        raise Forbidden


APPLYING = "pledge_proposal_applying"  # session.info flag: an approved proposal is being applied


def applying(session: Session) -> bool:
    return bool(session.info.get(APPLYING))
