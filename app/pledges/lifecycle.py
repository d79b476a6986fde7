"""A pledge's way from draft to published and closed: review, four-eyes signatures, closing and reopening."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, select

from app import audit, clock
from app.audit import Action
from app.auth import Scope
from app.db import writing
from app.errors import ValidationFailed
from app.i18n import gettext as _
from app.models.pledges import (
    Pledge,
    PledgeSignatory,
    PledgeSignature,
    PledgeStatus,
)
from app.pledges import rules
from app.pledges.access import actor, record_audit
from app.pledges.queries import children, signatures, signed_sides
from app.pledges.rules import localized
from app.pledges.versions import publish_version, touch


def publish_facts(session: Session, found: Pledge) -> rules.PublishFacts:
    focus, acts = children(session, found)
    signatories = session.exec(select(func.count()).select_from(PledgeSignatory)
                               .where(PledgeSignatory.pledge_id == found.id)).one()
    return rules.PublishFacts(
        focus_areas=len(focus),
        activities_per_focus=[sum(1 for a in acts if a.focus_area_id == f.id) for f in focus],
        activities_without_party=[localized(a.title, "sv") for a in acts if not a.joint and a.party_id is None],
        signatories=int(signatories))


def submit_for_review(session: Session, scope: Scope, found: Pledge) -> None:
    with writing(session):
        if found.status != PledgeStatus.draft:
            raise ValidationFailed({"status": _("Bara ett utkast kan skickas på granskning.")})
        errors = rules.publish_problems(publish_facts(session, found), signing=False)
        if errors:
            raise ValidationFailed(errors)
        found.status = PledgeStatus.in_review
        found.submitted_by = scope.user.id  # four eyes: this account may not sign this round
        touch(found)
        session.add(found)
        record_audit(session, scope, Action.PLEDGE_SUBMIT, "pledge", found.id, after={"status": found.status})


def return_to_draft(session: Session, scope: Scope, found: Pledge) -> None:
    """Back to draft (or a reopening called off): the round's signatures are void, both sides sign anew."""
    with writing(session):
        reopening = found.status == PledgeStatus.closed and found.reopen_requested_at is not None
        if found.status != PledgeStatus.in_review and not reopening:
            raise ValidationFailed({"status": _("Bara ett löfte som granskas kan skickas tillbaka till utkast.")})
        voided = clear_signatures(session, found)
        if reopening:
            found.reopen_requested_at = None
        else:
            found.status = PledgeStatus.draft
        found.submitted_by = None
        session.add(found)
        record_audit(session, scope, Action.PLEDGE_RETURN, "pledge", found.id,
                     after={"status": found.status, "signatures_voided": voided})


def clear_signatures(session: Session, found: Pledge) -> int:
    rows = signatures(session, found)
    for row in rows:
        session.delete(row)
    return len(rows)


def signing_open(found: Pledge) -> bool:
    return found.status == PledgeStatus.in_review or (
        found.status == PledgeStatus.closed and found.reopen_requested_at is not None)


def sign(session: Session, scope: Scope, found: Pledge, signed_on: str) -> bool:
    """One side's signature (four eyes). Returns whether it was the second one, which publishes (or reopens)."""
    # Serialise signatures of one pledge (PostgreSQL), so two sides signing at once cannot both miss the other.
    with writing(session):
        session.exec(select(Pledge.id).where(Pledge.id == found.id).with_for_update()).first()
        if not signing_open(found):
            raise ValidationFailed({"status": _("Löftet måste granskas innan det signeras och publiceras.")})
        reopening = found.status == PledgeStatus.closed
        errors = {} if reopening else rules.publish_problems(publish_facts(session, found), signing=True)
        day = rules.parse_date(signed_on) if signed_on else clock.today()
        if day is None:
            errors["signed_on"] = _("Ange datum som ÅÅÅÅ-MM-DD.")
        who = actor(session, scope)
        signed = signed_sides(session, found)
        errors.update(rules.signing_problems(who, found.submitted_by, signed))
        if errors:
            raise ValidationFailed(errors)
        assert who.side is not None
        row = PledgeSignature(pledge_id=found.id or 0, round=found.version + 1, side=who.side, party_id=who.party_id,
                              user_id=scope.user.id, signer_name=scope.user.name[:200])
        session.add(row)
        session.flush()
        record_audit(session, scope, Action.PLEDGE_SIGNATURE_SIGN, "pledge_signature", row.id,
                     after=audit.snapshot(row))
        signed[who.side] = scope.user.id
        if not rules.fully_signed(signed):
            return False
        if reopening:
            found.status = PledgeStatus.published
            found.closed_at = None
            found.reopen_requested_at = None
            note = _("Återöppnat och undertecknat på nytt av polisen och kommunen.")
        else:
            for sig in session.exec(select(PledgeSignatory).where(PledgeSignatory.pledge_id == found.id)).all():
                sig.signed_on = sig.signed_on or day
                session.add(sig)
            found.status = PledgeStatus.published
            found.published_at = clock.now()
            note = _("Undertecknat och publicerat.")
        found.submitted_by = None
        touch(found)
        session.add(found)
        record_audit(session, scope, Action.PLEDGE_REOPEN if reopening else Action.PLEDGE_SIGN_PUBLISH, "pledge",
                     found.id,
                     after={"status": found.status, "signatures": signed})
        session.flush()
        publish_version(session, scope, found, note)
        return True


def close_pledge(session: Session, scope: Scope, found: Pledge, confirmed: bool) -> None:
    with writing(session):
        if found.status != PledgeStatus.published:
            raise ValidationFailed({"status": _("Bara ett publicerat löfte kan avslutas.")})
        if not confirmed:
            raise ValidationFailed({"confirm_close": _(
                "Kryssa i att du vill avsluta löftet. Ett avslutat löfte flyttas till arkivet och kan bara öppnas "
                "igen som en ny version.")})
        before = audit.snapshot(found)
        found.status = PledgeStatus.closed
        found.closed_at = clock.now()
        session.add(found)
        record_audit(session, scope, Action.PLEDGE_CLOSE, "pledge", found.id, before, audit.snapshot(found))


def request_reopen(session: Session, scope: Scope, found: Pledge) -> None:
    """Reopening a closed pledge is a new version, published again by both sides' signatures (four eyes); the
    pledge stays in the public archive until then."""
    with writing(session):
        if found.status != PledgeStatus.closed or found.reopen_requested_at is not None:
            raise ValidationFailed({"status": _("Bara ett avslutat löfte kan öppnas igen.")})
        clear_signatures(session, found)
        found.reopen_requested_at = clock.now()
        found.submitted_by = scope.user.id
        session.add(found)
        record_audit(session, scope, Action.PLEDGE_REOPEN_REQUEST, "pledge", found.id, after={"status": found.status})
