"""Four eyes on a pledge: the submitter cannot sign, one signature does not publish, the police and the
municipality sign with two different accounts; closing needs confirmation and a closed pledge is reopened as a new
version through the same rule."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import Session, col, select

from app.audit import Action
from app.models import AuditLog, Membership, Party, PartyKind, Role
from app.models.pledges import PledgeActivity, PledgeProposal, PledgeSignature, PledgeStatus, PledgeVersion
from tests import factories
from tests.conftest import CheckedClient
from tests.pledges import factories as pf


@pytest.fixture
def town(db: Session) -> dict[str, Any]:
    m = factories.municipality(db)
    found, _acts = pf.complete_pledge(db, m, PledgeStatus.draft)
    police_party = db.exec(select(Party).where(Party.municipality_id == m.id, Party.kind == PartyKind.police)).one()
    users = {"submitter": factories.staff(db, m, Role.coordinator), "coordinator": factories.staff(db, m, Role.admin),
             "police": factories.staff(db, m, Role.police, party=police_party),
             "partner": factories.staff(db, m, Role.partner)}
    db.commit()
    return {"m": m, "pledge": found, "users": users, "base": f"/staff/m/{m.slug}/pledges/{found.id}",
            "public": f"/m/{m.slug}/pledges/{found.id}"}


def _as(client: CheckedClient, town: dict[str, Any], who: str, path: str, data: dict[str, str] | None = None) -> Any:
    client.login(town["users"][who])
    return client.post_form(f"{town['base']}{path}", data or {})


def _submitted(client: CheckedClient, db: Session, town: dict[str, Any]) -> None:
    assert _as(client, town, "submitter", "/submit").status_code == 303
    db.refresh(town["pledge"])
    assert town["pledge"].status == PledgeStatus.in_review


def test_the_submitter_cannot_sign_and_one_signature_does_not_publish(client: CheckedClient, db: Session,
                                                                     town: dict[str, Any]) -> None:
    _submitted(client, db, town)
    response = _as(client, town, "submitter", "/publish")
    assert response.status_code == 400 and "kan därför inte signera" in response.text
    assert db.exec(select(PledgeSignature)).first() is None
    assert _as(client, town, "police", "/publish").status_code == 303
    db.refresh(town["pledge"])
    assert town["pledge"].status == PledgeStatus.in_review and town["pledge"].version == 0
    assert client.get(town["public"]).status_code == 404
    # The police's side is signed: a second police signature (another account or the same) adds nothing.
    response = _as(client, town, "police", "/publish")
    assert response.status_code == 400 and "redan signerat" in response.text
    # Partners never sign (they lack the edit permission altogether).
    assert _as(client, town, "partner", "/publish").status_code == 403


def test_the_same_account_cannot_sign_for_both_parties(client: CheckedClient, db: Session,
                                                       town: dict[str, Any]) -> None:
    """A police account signs, is then made a coordinator (an admin changes its role), and signs again: refused."""
    _submitted(client, db, town)
    assert _as(client, town, "police", "/publish").status_code == 303
    membership = db.exec(select(Membership).where(Membership.user_id == town["users"]["police"].id)).one()
    membership.role = Role.coordinator
    db.add(membership)
    db.commit()
    response = _as(client, town, "police", "/publish")
    assert response.status_code == 400 and "Du har redan signerat" in response.text
    db.refresh(town["pledge"])
    assert town["pledge"].status == PledgeStatus.in_review


def test_police_and_municipality_by_two_accounts_publish(client: CheckedClient, db: Session,
                                                         town: dict[str, Any]) -> None:
    _submitted(client, db, town)
    assert _as(client, town, "coordinator", "/publish", {"signed_on": "2025-01-20"}).status_code == 303
    page = client.get(town["base"])
    assert "signerat av" in page.text and "inte signerat än" in page.text
    assert _as(client, town, "police", "/publish").status_code == 303
    db.refresh(town["pledge"])
    assert town["pledge"].status == PledgeStatus.published and town["pledge"].version == 1
    rows = db.exec(select(PledgeSignature).order_by(col(PledgeSignature.id))).all()
    assert [(r.side, r.user_id, r.round) for r in rows] == [
        ("municipality", town["users"]["coordinator"].id, 1), ("police", town["users"]["police"].id, 1)]
    assert rows[1].party_id is not None and rows[0].signed_at is not None
    assert client.get(town["public"]).status_code == 200
    actions = [a for a in db.exec(select(AuditLog.action).where(AuditLog.municipality_id == town["m"].id)).all()]
    assert actions.count(Action.PLEDGE_SIGNATURE_SIGN) == 2 and Action.PLEDGE_SIGN_PUBLISH in actions


def test_a_signed_side_freezes_the_text_until_returned_to_draft(client: CheckedClient, db: Session,
                                                                town: dict[str, Any]) -> None:
    _submitted(client, db, town)
    assert _as(client, town, "police", "/publish").status_code == 303
    edit = {"title": "Något annat än det signerade", "intro": "", "starts_on": "2025-01-01",
            "ends_on": "2026-12-31"}
    response = _as(client, town, "coordinator", "/edit", edit)
    assert response.status_code == 400 and "redan signerat" in response.text
    assert _as(client, town, "coordinator", "/return").status_code == 303
    assert db.exec(select(PledgeSignature)).first() is None  # the signature no longer counts
    assert _as(client, town, "coordinator", "/edit", edit).status_code == 303


def test_closing_needs_confirmation_and_reopening_is_a_new_four_eyes_version(client: CheckedClient, db: Session,
                                                                             town: dict[str, Any]) -> None:
    _submitted(client, db, town)
    assert _as(client, town, "coordinator", "/publish").status_code == 303
    assert _as(client, town, "police", "/publish").status_code == 303
    response = _as(client, town, "coordinator", "/close")
    assert response.status_code == 400 and "Kryssa i att du vill avsluta" in response.text
    db.refresh(town["pledge"])
    assert town["pledge"].status == PledgeStatus.published
    assert _as(client, town, "coordinator", "/close", {"confirm_close": "yes"}).status_code == 303
    db.refresh(town["pledge"])
    assert town["pledge"].status == PledgeStatus.closed

    assert _as(client, town, "coordinator", "/reopen").status_code == 303
    db.refresh(town["pledge"])
    assert town["pledge"].status == PledgeStatus.closed  # still in the public archive until both have signed
    assert _as(client, town, "coordinator", "/publish").status_code == 400  # who asked to reopen may not sign
    assert _as(client, town, "police", "/publish").status_code == 303
    db.refresh(town["pledge"])
    assert town["pledge"].status == PledgeStatus.closed
    assert _as(client, town, "submitter", "/publish").status_code == 303
    db.refresh(town["pledge"])
    assert town["pledge"].status == PledgeStatus.published and town["pledge"].closed_at is None
    versions = db.exec(select(PledgeVersion).order_by(col(PledgeVersion.number))).all()
    assert [v.number for v in versions] == [1, 2] and "Återöppnat" in versions[1].note
    assert "Återöppnat" in client.get(town["public"]).text
    logged = {row.action: row for row in db.exec(select(AuditLog).where(AuditLog.entity == "pledge")).all()}
    assert {Action.PLEDGE_CLOSE, Action.PLEDGE_REOPEN_REQUEST, Action.PLEDGE_REOPEN} <= logged.keys()
    close = logged[Action.PLEDGE_CLOSE]
    assert close.before and close.after and (close.before["status"], close.after["status"]) == ("published",
                                                                                                 "closed")


# ------------------------------------------------------------------------------------------------ changes


def _published(client: CheckedClient, db: Session, town: dict[str, Any]) -> PledgeActivity:
    _submitted(client, db, town)
    assert _as(client, town, "coordinator", "/publish").status_code == 303
    assert _as(client, town, "police", "/publish").status_code == 303
    db.refresh(town["pledge"])
    assert town["pledge"].status == PledgeStatus.published and town["pledge"].version == 1
    return db.exec(select(PledgeActivity).where(PledgeActivity.target_number == 10)).one()


def _new_target(act: PledgeActivity, target: str) -> dict[str, str]:
    return {"act_title": act.title["sv"], "act_party": str(act.party_id), "act_target_number": target,
            "act_target_unit": "", "act_target_text": "", "act_starts_on": "", "act_ends_on": "",
            "act_focus_area_id": str(act.focus_area_id), "act_observation_id": "",
            "new_version": "yes", "version_note": "Målet höjs"}


def _public_targets(client: CheckedClient, town: dict[str, Any]) -> list[Any]:
    data = client.get(f"/api/v1/pledges?municipality={town['m'].slug}").json()
    return sorted(a["target_number"] for p in data for fa in p["focus_areas"] for a in fa["activities"])


def test_one_coordinator_alone_cannot_change_a_published_pledge(client: CheckedClient, db: Session,
                                                                town: dict[str, Any]) -> None:
    """The attack: a coordinator edits a published activity's target with "new version" and nobody else."""
    act = _published(client, db, town)
    before = _public_targets(client, town)
    response = _as(client, town, "coordinator", f"/activities/{act.id}/edit", _new_target(act, "999"))
    assert response.status_code == 303
    db.expire_all()
    assert db.get(PledgeActivity, act.id).target_number == 10  # type: ignore[union-attr]
    assert town["pledge"].version == 1 and _public_targets(client, town) == before
    assert "999" not in client.get(town["public"]).text
    proposal = db.exec(select(PledgeProposal)).one()
    assert (proposal.state, proposal.side, proposal.kind) == ("pending", "municipality", "activity.save")
    # The proposer cannot approve it, nor can another municipality account: it is the police's to decide.
    for who in ("coordinator", "submitter"):
        response = _as(client, town, who, f"/proposals/{proposal.id}/decide", {"decision": "approve"})
        assert response.status_code == 400
    db.expire_all()
    assert db.get(PledgeActivity, act.id).target_number == 10  # type: ignore[union-attr]
    assert "999" in client.get(town["base"]).text  # listed on the staff page for the other side

    assert _as(client, town, "police", f"/proposals/{proposal.id}/decide", {"decision": "approve"}).status_code == 303
    db.expire_all()
    assert db.get(PledgeActivity, act.id).target_number == 999  # type: ignore[union-attr]
    assert db.get(PledgeProposal, proposal.id).state == "applied"  # type: ignore[union-attr]
    assert town["pledge"].version == 2 and 999 in _public_targets(client, town)
    assert "Målet höjs" in client.get(town["public"]).text
    logged = db.exec(select(AuditLog).where(AuditLog.action == Action.PLEDGE_PROPOSAL_APPROVE)).one()
    assert logged.before and logged.after and logged.after["state"] == "applied"
    # Decided once: approving again changes nothing.
    assert _as(client, town, "police", f"/proposals/{proposal.id}/decide", {"decision": "approve"}).status_code == 400


def test_a_rejected_proposal_changes_nothing(client: CheckedClient, db: Session, town: dict[str, Any]) -> None:
    act = _published(client, db, town)
    edit = {"title": "Ett annat löfte", "intro": "", "starts_on": "2025-01-01", "ends_on": "2026-12-31",
            "new_version": "yes", "version_note": "Ny rubrik"}
    assert _as(client, town, "police", "/edit", edit).status_code == 303
    proposal = db.exec(select(PledgeProposal)).one()
    assert proposal.side == "police"
    assert _as(client, town, "coordinator", f"/proposals/{proposal.id}/decide", {"decision": "reject"}).status_code \
        == 303
    db.expire_all()
    assert town["pledge"].title["sv"] != "Ett annat löfte" and town["pledge"].version == 1
    assert "Ett annat löfte" not in client.get(town["public"]).text
    assert db.get(PledgeProposal, proposal.id).state == "rejected"  # type: ignore[union-attr]
    assert db.get(PledgeActivity, act.id).target_number == 10  # type: ignore[union-attr]
    assert db.exec(select(AuditLog).where(AuditLog.action == Action.PLEDGE_PROPOSAL_REJECT)).one().after


def test_a_bad_change_is_an_error_page_and_stores_no_proposal(client: CheckedClient, db: Session,
                                                             town: dict[str, Any]) -> None:
    act = _published(client, db, town)
    response = _as(client, town, "coordinator", f"/activities/{act.id}/edit", _new_target(act, "-5x"))
    assert response.status_code == 400 and "error-message" in response.text
    assert db.exec(select(PledgeProposal)).first() is None
    response = _as(client, town, "coordinator", "/extend", {"extend_to": "2020-01-01"})
    assert response.status_code == 400 and db.exec(select(PledgeProposal)).first() is None


def test_a_translation_of_a_published_pledge_waits_for_the_other_side(client: CheckedClient, db: Session,
                                                                      town: dict[str, Any]) -> None:
    """The attack: the police alone rewrite the published promise in English through the translation form."""
    _published(client, db, town)
    form = {"to": "en", "pledge-title": "We promise nothing at all"}
    assert _as(client, town, "police", "/translate", form).status_code == 303
    english = f"/sprak?lang=en&next={town['public']}"
    assert "We promise nothing at all" not in client.get(english, follow_redirects=True).text
    proposal = db.exec(select(PledgeProposal)).one()
    assert (proposal.kind, proposal.side, proposal.state) == ("pledge.translate", "police", "pending")
    assert _as(client, town, "police", f"/proposals/{proposal.id}/decide", {"decision": "approve"}).status_code == 400
    assert _as(client, town, "coordinator", f"/proposals/{proposal.id}/decide", {"decision": "approve"}
               ).status_code == 303
    db.expire_all()
    assert town["pledge"].title.get("en") == "We promise nothing at all"
    assert "We promise nothing at all" in client.get(english, follow_redirects=True).text
