"""Versions of a signed pledge: the refusal of silent changes, the public snapshot and the numbered versions."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import object_session
from sqlmodel import Session, col, select

from app import clock, places
from app.audit import Action
from app.auth import Scope
from app.errors import ValidationFailed
from app.i18n import gettext as _
from app.models.pledges import (
    Pledge,
    PledgeStatus,
    PledgeVersion,
)
from app.pledges import rules
from app.pledges.access import applying, record_audit
from app.pledges.queries import children, party_label, signed_sides
from app.pledges.rules import localized


def refuse_unversioned(found: Pledge, new_version: bool) -> None:
    """A signed pledge changes only through a new version; a closed one not at all."""
    if found.status == PledgeStatus.closed:
        raise ValidationFailed({"new_version": _("Löftet är avslutat och kan inte ändras längre.")})
    own_session = object_session(found)
    if found.status == PledgeStatus.in_review and isinstance(own_session, Session) and signed_sides(own_session, found):
        raise ValidationFailed({"new_version": _(
            "En part har redan signerat löftet. Skicka tillbaka det till utkast för att ändra det; då måste båda "
            "parter signera på nytt.")})
    if found.status == PledgeStatus.published and not new_version:
        raise ValidationFailed({"new_version": _(
            "Löftet är undertecknat och publicerat, så det kan inte ändras i tysthet. Kryssa i ”Gör en ny "
            "version” och skriv vad som ändras: invånarna ser då en ny version och vad som ändrades.")})


def touch(found: Pledge) -> None:
    found.updated_at = clock.now()


class ProposalNeeded(Exception):
    """A versioned change of a published pledge reached the point of publishing: `change` rolls it back and stores
    it as a proposal for the other side (four eyes), so no one alone changes what residents see."""


def maybe_new_version(session: Session, scope: Scope, found: Pledge, note: str) -> None:
    if found.status == PledgeStatus.published:
        if not applying(session):
            raise ProposalNeeded
        session.flush()
        publish_version(session, scope, found, note)


def public_snapshot(session: Session, found: Pledge) -> dict[str, Any]:
    focus, acts = children(session, found)
    names = {p.id or 0: p.name for p in places.parties(session, found.municipality_id)}
    items = []
    for fa in focus:
        items.append({"key": f"fa:{fa.id}", "text": _("Fokusområde: %(title)s – %(problem)s") % {
            "title": localized(fa.title, "sv"), "problem": localized(fa.problem, "sv")}})
        for act in (a for a in acts if a.focus_area_id == fa.id):
            target = (f"{act.target_number} {localized(act.target_unit, 'sv')}".strip()
                      if act.target_number is not None else localized(act.target_text, "sv"))
            items.append({"key": f"act:{act.id}", "text": _("Aktivitet: %(title)s (%(party)s; mål: %(target)s; "
                                                            "%(start)s–%(end)s)") % {
                "title": localized(act.title, "sv"), "party": party_label(act, names), "target": target or "–",
                "start": act.starts_on or "", "end": act.ends_on or ""}})
    return {"title": localized(found.title, "sv"), "intro": localized(found.intro, "sv"),
            "period": f"{found.starts_on} – {found.ends_on}", "items": items}


def publish_version(session: Session, scope: Scope, found: Pledge, note: str) -> PledgeVersion:
    previous = session.exec(select(PledgeVersion).where(PledgeVersion.pledge_id == found.id)
                            .order_by(col(PledgeVersion.number).desc())).first()
    snap = public_snapshot(session, found)
    changes = rules.snapshot_changes(previous.snapshot, snap) if previous else []
    found.version = (previous.number if previous else 0) + 1
    session.add(found)
    row = PledgeVersion(pledge_id=found.id or 0, number=found.version, snapshot=snap, changes=changes,
                        note=note[:2000], actor_id=scope.user.id)
    session.add(row)
    session.flush()
    record_audit(session, scope, Action.PLEDGE_VERSION_CREATE, "pledge_version", row.id,
                 after={"number": row.number, "changes": changes, "note": row.note})
    return row
